import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriceBook } from "../pricing/price-book";
import type { Reconciliation } from "../reconcile/compare";
import { readCsvRecords } from "./csv";
import { invoicesToFocusCsv } from "./exports";
import { checkFocus12 } from "./focus-conformance";
import { loadSnapshots } from "./invoices";
import { closePeriod } from "./periods";
import { addUsage, testDb } from "./testing";
import { allocateLargestRemainder } from "./true-up";

describe("largest-remainder allocation", () => {
  it("splits exactly, remainders to the largest fractions", () => {
    expect(allocateLargestRemainder(100n, [1n, 1n, 1n])).toEqual([34n, 33n, 33n]);
    expect(allocateLargestRemainder(-100n, [1n, 1n, 1n])).toEqual([-34n, -33n, -33n]);
    expect(allocateLargestRemainder(10n, [1n, 2n, 7n])).toEqual([1n, 2n, 7n]);
    expect(allocateLargestRemainder(7n, [0n, 0n])).toEqual([0n, 0n]);
    expect(allocateLargestRemainder(5n, [3n, 1n])).toEqual([4n, 1n]);
  });
  it("property: shares sum to the total and each is within one unit of its exact share", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1_000_000_000_000n, max: 1_000_000_000_000n }),
        fc.array(fc.bigInt({ min: 0n, max: 1_000_000_000n }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const sum = weights.reduce((s, w) => s + w, 0n);
          const shares = allocateLargestRemainder(total, weights);
          if (sum === 0n) return shares.every((s) => s === 0n);
          if (shares.reduce((s, x) => s + x, 0n) !== total) return false;
          return shares.every((s, i) => {
            const exactTimesSum = total * (weights[i] ?? 0n);
            const diff = s * sum - exactTimesSum;
            return (diff < 0n ? -diff : diff) < sum;
          });
        },
      ),
    );
  });
});

function reconciliation(billedUsd: number, other: { line_item_type: string; usd: number }[]): Reconciliation {
  return {
    month: "2026-10",
    ledger_usd: 0,
    billed_usd: billedUsd,
    delta_usd: 0,
    lines: [],
    other_charges: other,
    unmapped: [],
    proposals: [],
    coverage: null,
    source: {
      kind: "cur",
      location: "test",
      version: "exec-7",
      as_of: "",
      may_be_restated: false,
      not_final_days: [],
      notes: [],
    },
  };
}

describe("true-up on close", () => {
  it("adds one labelled line per tenant so the closed invoices (markups aside) sum to the bill", () => {
    const db = testDb();
    // acme $3.000003 (1,000,001 input tokens at $3/1M), beta $6.00.
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 1_000_001 },
      { hour: "2026-10-06T10:00:00Z", tenant: "beta", input: 2_000_000 },
    ]);
    // The bill: $9.50 of usage, a $1.00 credit and $0.76 tax → $9.26; invoiced $9.000003.
    const r = reconciliation(9.5, [
      { line_item_type: "Credit", usd: -1 },
      { line_item_type: "Tax", usd: 0.76 },
    ]);
    const closed = closePeriod(db, PriceBook.load(db), "2026-10", {
      closedBy: "test",
      now: new Date("2026-11-20T00:00:00Z"),
      trueUp: r,
    });
    expect(closed.totalMicros).toBe(9_260_000n);
    const list = loadSnapshots(db, "2026-10");
    const trueUps = list.map((inv) => [
      inv.tenant,
      inv.lines.filter((l) => l.kind === "true_up").map((l) => l.amountMicros),
    ]);
    // Residual 259,997 µ$ in proportion 3,000,003 : 6,000,000 → floors 86,665 and 173,331 (remainders 6,519,996 and 2,480,007 of 9,000,003): the one unit left goes to acme.
    expect(trueUps).toEqual([
      ["acme", [86_666n]],
      ["beta", [173_331n]],
    ]);
    expect(list.reduce((s, inv) => s + inv.totalMicros, 0n)).toBe(9_260_000n);
    expect(list[0]?.lines.at(-1)?.description).toMatch(/True-up to the AWS bill \(CUR 2.0 export exec-7\)/);
    const focus = invoicesToFocusCsv(list);
    expect(checkFocus12(focus)).toEqual([]);
    expect(
      readCsvRecords(focus)
        .filter((row) => row.x_LineKind === "true_up")
        .map((row) => [row.ChargeCategory, row.ChargeClass, row.BilledCost]),
    ).toEqual([
      ["Adjustment", "", "0.086666"],
      ["Adjustment", "", "0.173331"],
    ]);
  });

  it("refuses a reconciliation of another month", () => {
    const db = testDb();
    addUsage(db, [{ hour: "2026-10-05T10:00:00Z", input: 1 }]);
    expect(() =>
      closePeriod(db, PriceBook.load(db), "2026-10", {
        closedBy: "test",
        now: new Date("2026-11-20T00:00:00Z"),
        trueUp: { ...reconciliation(1, []), month: "2026-09" },
      }),
    ).toThrow(/reconciliation is of 2026-09, not 2026-10/);
  });
});
