/**
 * Billing periods: calendar months (UTC), open until closed. Closing freezes every tenant's invoice
 * as a snapshot (invoices, invoice_lines); a closed month is never recomputed or repriced.
 */
import { eq, inArray } from "drizzle-orm";
import type { PriceBook } from "../pricing/price-book";
import type { Db } from "../store/db";
import { billingPeriods } from "../store/schema";
import { BillingError } from "./errors";
import { computeInvoices, saveSnapshots } from "./invoices";
import { isMonth, monthBounds, monthsBetween } from "./months";

export type PeriodStatus = "open" | "closed";
export type Period = {
  month: string;
  status: PeriodStatus;
  closedAt: string | null;
  closedBy: string | null;
};

export function closedMonthSet(db: Db): Set<string> {
  return new Set(
    db
      .select({ month: billingPeriods.month })
      .from(billingPeriods)
      .where(eq(billingPeriods.status, "closed"))
      .all()
      .map((r) => r.month),
  );
}

function assertMonth(month: string): void {
  if (!isMonth(month))
    throw new BillingError("bad_request", `month: expected YYYY-MM, got ${JSON.stringify(month)}`);
}

export function getPeriod(db: Db, month: string): Period {
  assertMonth(month);
  const row = db.select().from(billingPeriods).where(eq(billingPeriods.month, month)).get();
  return row?.status === "closed"
    ? { month, status: "closed", closedAt: row.closedAt, closedBy: row.closedBy }
    : { month, status: "open", closedAt: null, closedBy: null };
}

/** Every month from `from` to `to` (inclusive) with its status. */
export function listPeriods(db: Db, from: string, to: string): Period[] {
  assertMonth(from);
  assertMonth(to);
  if (from > to) throw new BillingError("bad_request", "from_month must not be after to_month");
  const months = monthsBetween(from, to);
  if (months.length > 240) throw new BillingError("bad_request", "at most 240 months at a time");
  const rows = new Map(
    db
      .select()
      .from(billingPeriods)
      .where(inArray(billingPeriods.month, months))
      .all()
      .map((r) => [r.month, r]),
  );
  return months.map((month) => {
    const r = rows.get(month);
    return r?.status === "closed"
      ? { month, status: "closed", closedAt: r.closedAt, closedBy: r.closedBy }
      : { month, status: "open", closedAt: null, closedBy: null };
  });
}

export type CloseResult = { period: Period; invoices: number; totalMicros: bigint };

/**
 * Closes a month that has ended: snapshots every tenant's invoice (usage, adjustments for earlier
 * closed months, markup) and marks the period closed, in one transaction.
 * @example closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "key_ab12", now: new Date() })
 */
export function closePeriod(
  db: Db,
  prices: PriceBook,
  month: string,
  opts: { closedBy: string; now?: Date },
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
