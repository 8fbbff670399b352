/**
 * What state each billing period is in (open until closed). Reads only: invoices and reprice need
 * them, and closing (periods.ts) needs invoices, so they live apart to keep imports one way.
 */
import { eq, inArray } from "drizzle-orm";
import type { Db } from "../store/db";
import { billingPeriods } from "../store/schema";
import { BillingError } from "./errors";
import { isMonth, monthsBetween } from "./months";

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

export function assertMonth(month: string): void {
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
