/**
 * True-up on close (opt-in per period, docs/rules.md rule 12): the reconciled residual — the AWS
 * bill for the month (token usage, credits, refunds, tax) minus what the month's invoices bill
 * before markups — is shared among the tenants in proportion to that cost, as one labelled
 * `true_up` line per invoice, so the invoices (markups aside) add up to the bill. Exact: the
 * shares are integer micro-USD by largest remainder, and they sum to the residual.
 */
import { parseMicros } from "../pricing/money";
import type { Reconciliation } from "../reconcile/compare";
import { BillingError } from "./errors";
import type { Invoice, InvoiceLine } from "./invoices";

/**
 * Splits `total` in proportion to `weights` (non-negative) into integers that sum to `total`
 * exactly: each gets the floor of its share, the leftover units go to the largest remainders
 * (ties: earlier first). All weights zero → all zero, and the total is not allocated.
 * @example allocateLargestRemainder(100n, [1n, 1n, 1n]) // [34n, 33n, 33n]
 */
export function allocateLargestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  const sum = weights.reduce((s, w) => s + w, 0n);
  if (sum === 0n) return weights.map(() => 0n);
  if (weights.some((w) => w < 0n)) throw new RangeError("weights must not be negative");
  const sign = total < 0n ? -1n : 1n;
  const abs = total * sign;
  const shares = weights.map((w) => (abs * w) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (abs * w) % sum }));
  let left = abs - shares.reduce((s, x) => s + x, 0n);
  remainders.sort((a, b) => (b.r > a.r ? 1 : b.r < a.r ? -1 : a.i - b.i));
  for (const { i } of remainders) {
    if (left === 0n) break;
    shares[i] = (shares[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return shares.map((s) => s * sign);
}

/** The bill's total for the month: billed token usage plus every other charge (credits are negative). */
export function billedTotalMicros(r: Reconciliation): bigint {
  const micros = (n: number) => parseMicros(n.toFixed(6));
  return r.other_charges.reduce((s, c) => s + micros(c.usd), micros(r.billed_usd));
}

/**
 * Adds one true-up line to each invoice with a cost; returns the residual allocated.
 * Refuses a reconciliation of another month.
 */
export function applyTrueUp(list: Invoice[], r: Reconciliation, month: string): bigint {
  if (r.month !== month)
    throw new BillingError("bad_request", `the reconciliation is of ${r.month}, not ${month}`);
  const invoiced = list.reduce((s, inv) => s + inv.subtotalMicros, 0n);
  const residual = billedTotalMicros(r) - invoiced;
  const weights = list.map((inv) => (inv.subtotalMicros > 0n ? inv.subtotalMicros : 0n));
  const shares = allocateLargestRemainder(residual, weights);
  const version = `${r.source.kind === "cur" ? "CUR 2.0 export" : "Cost Explorer"} ${r.source.version}`;
  list.forEach((inv, i) => {
    const amount = shares[i] ?? 0n;
    if (weights[i] === 0n) return;
    const line: InvoiceLine = {
      kind: "true_up",
      usageMonth: month,
      application: null,
      costCenter: null,
      model: null,
      tokenBucket: null,
      quantity: null,
      unitMicros: null,
      priceId: null,
      priceVersion: null,
      priceRegion: null,
      basisPoints: null,
      amountMicros: amount,
      description: `True-up to the AWS bill (${version}): share of the residual in proportion to cost`,
    };
    inv.lines.push(line);
    inv.totalMicros += amount;
  });
  return residual;
}
