/**
 * Billing periods: calendar months (UTC), open until closed. Closing freezes every tenant's invoice
 * as a snapshot (invoices, invoice_lines); a closed month is never recomputed or repriced.
 */
import type { PriceBook } from "../pricing/price-book";
import type { Reconciliation } from "../reconcile/compare";
import type { Db } from "../store/db";
import { billingPeriods } from "../store/schema";
import { BillingError } from "./errors";
import { computeInvoices, saveSnapshots } from "./invoices";
import { monthBounds } from "./months";
import { assertMonth, getPeriod, type Period } from "./period-status";
import { applyTrueUp } from "./true-up";

export type CloseResult = { period: Period; invoices: number; totalMicros: bigint };

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
    if (opts.trueUp) applyTrueUp(list, opts.trueUp, month);
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
    };
  })();
}
