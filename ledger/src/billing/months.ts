/** Calendar months (UTC) as `YYYY-MM`: the billing period unit. */
import { MONTH_PATTERN as MONTH, parseMonth } from "../user-input";

/** A month in the supported range (user-input.ts), so the arithmetic below stays `YYYY-MM`. */
export function isMonth(value: string): boolean {
  return parseMonth(value).ok;
}

/** `2026-10` → `2026-11`. */
export function nextMonth(month: string): string {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month YYYY-MM: ${JSON.stringify(month)}`);
  const y = Number(m[1]);
  const mm = Number(m[2]);
  return mm === 12 ? `${y + 1}-01` : `${y}-${String(mm + 1).padStart(2, "0")}`;
}

export function previousMonth(month: string): string {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month YYYY-MM: ${JSON.stringify(month)}`);
  const y = Number(m[1]);
  const mm = Number(m[2]);
  return mm === 1 ? `${y - 1}-12` : `${y}-${String(mm - 1).padStart(2, "0")}`;
}

/** Months from `from` to `to`, both inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to; m = nextMonth(m)) out.push(m);
  return out;
}

export function monthOf(date: Date): string {
  return date.toISOString().slice(0, 7);
}

/** First day of the month and of the next one, `YYYY-MM-DD` (for usage queries). */
export function monthDays(month: string): { from: string; to: string } {
  return { from: `${month}-01`, to: `${nextMonth(month)}-01` };
}

/** ISO bounds of the month: start inclusive, end exclusive. */
export function monthBounds(month: string): { start: string; end: string } {
  return { start: `${month}-01T00:00:00Z`, end: `${nextMonth(month)}-01T00:00:00Z` };
}
