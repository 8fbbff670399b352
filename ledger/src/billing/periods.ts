/**
 * Billing periods: calendar months (UTC), open until closed. Closing freezes every tenant's invoice
 * as a snapshot (invoices, invoice_lines); a closed month is never recomputed or repriced.
 */
import type { PriceBook } from "../pricing/price-book";
import type { Reconciliation } from "../reconcile/compare";
import { loadReconciliation } from "../reconcile/saved";
import type { Db } from "../store/db";
import { billingPeriods } from "../store/schema";
import { BillingError } from "./errors";
import { computeInvoices, saveSnapshots } from "./invoices";
import { monthBounds } from "./months";
import { assertMonth, getPeriod, type Period } from "./period-status";
import { applyTrueUp, billedTotalMicros } from "./true-up";

export type CloseResult = {
  period: Period;
  invoices: number;
  totalMicros: bigint;
  /** With `trueUp`: the residual (bill − invoices before markups) shared among the invoices. */
  residualMicros?: bigint;
};

/**
 * Closes a month that has ended: snapshots every tenant's invoice (usage, adjustments for earlier
 * closed months, markup) and marks the period closed, in one transaction. With `trueUp` (the
 * month's reconciliation), each invoice also gets its share of the residual against the bill.
 * @example closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "key_ab12", now: new Date() })
 */
export function closePeriod(
  db: Db,
  prices: PriceBook,
  month: string,
  opts: { closedBy: string; now?: Date; trueUp?: Reconciliation },
): CloseResult {
  assertMonth(month);
  const now = opts.now ?? new Date();
  if (monthBounds(month).end > now.toISOString()) {
    throw new BillingError(
      "conflict",
      `${month} has not ended yet; a period can be closed once its month is over`,
    );
  }
  // better-sqlite3 transactions are synchronous and per connection: everything below is atomic.
  return db.$client.transaction(() => {
    if (getPeriod(db, month).status === "closed")
      throw new BillingError("conflict", `${month} is already closed`);
    const list = computeInvoices(db, prices, month);
    const residualMicros = opts.trueUp ? applyTrueUp(list, opts.trueUp, month) : undefined;
    const closedAt = now.toISOString();
    saveSnapshots(db, list, closedAt, opts.closedBy);
    db.insert(billingPeriods)
      .values({ month, status: "closed", closedAt, closedBy: opts.closedBy })
      .onConflictDoUpdate({
        target: billingPeriods.month,
        set: { status: "closed", closedAt, closedBy: opts.closedBy },
      })
      .run();
    return {
      period: { month, status: "closed" as const, closedAt, closedBy: opts.closedBy },
      invoices: list.length,
      totalMicros: list.reduce((s, i) => s + i.totalMicros, 0n),
      ...(residualMicros === undefined ? {} : { residualMicros }),
    };
  })();
}

/** What a close trued up to: the saved reconciliation and the bill's total it was shared against. */
export type TrueUp = {
  comparedAt: string;
  source: Reconciliation["source"];
  billedMicros: bigint;
  residualMicros: bigint;
};

/**
 * Closes `month` trued up to its saved reconciliation (`chargeback reconcile` keeps the latest one
 * per month): the CLI's `periods close --true-up` and the API's `{"true_up": true}`. No saved
 * reconciliation → a conflict naming the command that makes one.
 */
export function closePeriodTrueUp(
  db: Db,
  prices: PriceBook,
  month: string,
  opts: { closedBy: string; now?: Date },
): CloseResult & { trueUp: TrueUp } {
  assertMonth(month);
  const saved = loadReconciliation(db, month);
  if (!saved)
    throw new BillingError(
      "conflict",
      `${month} has no reconciliation with the AWS bill to true up to; run \`chargeback reconcile --month ${month} …\` first`,
    );
  const closed = closePeriod(db, prices, month, { ...opts, trueUp: saved.result });
  return {
    ...closed,
    trueUp: {
      comparedAt: saved.compared_at,
      source: saved.result.source,
      billedMicros: billedTotalMicros(saved.result),
      residualMicros: closed.residualMicros ?? 0n,
    },
  };
}
