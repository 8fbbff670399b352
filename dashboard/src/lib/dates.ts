/** UTC calendar helpers: every range is [from, to) in whole UTC days, as the API takes them. */

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/**
 * The day and month shapes of queries/src/common.ts (DAY_PATTERN, MONTH_PATTERN), kept here because
 * the dashboard is browser code that imports nothing from the server packages. They only decide
 * which URL state the dashboard trusts; the API checks every value again with the one parser
 * (ledger/src/user-input.ts). scripts/repo-rules.test.mjs checks both give the same answers.
 */
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** "YYYY-MM-DD" that is a real calendar date. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

export function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function addDays(day: string, n: number): string {
  return dayOf(dayMs(day) + n * DAY_MS);
}

/** "YYYY-MM" of an instant, UTC. */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** The month `offset` months from `month`. @example addMonths("2026-01", -1) // => "2025-12" */
export function addMonths(month: string, offset: number): string {
  const [y, m] = month.split("-").map(Number);
  return monthOf(Date.UTC(y ?? 1970, (m ?? 1) - 1 + offset, 1));
}

/** A month as a day range. @example monthRange("2026-11") // => { from: "2026-11-01", to: "2026-12-01" } */
export function monthRange(month: string): { from: string; to: string } {
  return { from: `${month}-01`, to: `${addMonths(month, 1)}-01` };
}

/** The whole month a range is, or null when it is not exactly one calendar month. */
export function rangeMonth(from: string, to: string): string | null {
  const month = from.slice(0, 7);
  const r = monthRange(month);
  return r.from === from && r.to === to ? month : null;
}

export type RangePreset = { id: string; label: string; from: string; to: string };

/** The quick ranges offered next to the date inputs, relative to `nowMs`. */
export function rangePresets(nowMs: number): RangePreset[] {
  const month = monthOf(nowMs);
  const tomorrow = addDays(dayOf(nowMs), 1);
  return [
    { id: "mtd", label: "This month", ...monthRange(month) },
    { id: "last-month", label: "Last month", ...monthRange(addMonths(month, -1)) },
    { id: "7d", label: "Last 7 days", from: addDays(tomorrow, -7), to: tomorrow },
    { id: "30d", label: "Last 30 days", from: addDays(tomorrow, -30), to: tomorrow },
  ];
}

/** Number of whole days in [from, to). */
export function daysBetween(from: string, to: string): number {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS);
}

/**
 * Every period label in [from, to) at a granularity, in the API's `period` format
 * (`YYYY-MM-DDTHH:00:00Z` for hours, `YYYY-MM-DD` for days), at most `limit` of them.
 */
export function periodsBetween(
  from: string,
  to: string,
  granularity: "hour" | "day",
  limit = 2000,
): string[] {
  const out: string[] = [];
  const step = granularity === "hour" ? HOUR_MS : DAY_MS;
  const end = dayMs(to);
  for (let t = dayMs(from); t < end && out.length < limit; t += step) {
    out.push(granularity === "hour" ? `${new Date(t).toISOString().slice(0, 13)}:00:00Z` : dayOf(t));
  }
  return out;
}

/** Short axis label for a period: "Nov 3" for days, "Nov 3 14:00" for hours. */
export function periodLabel(period: string): string {
  const ms = Date.parse(period.length === 10 ? `${period}T00:00:00Z` : period);
  if (Number.isNaN(ms)) return period;
  const d = new Date(ms);
  const day = d.toLocaleString("en-US", { timeZone: "UTC", month: "short", day: "numeric" });
  return period.length === 10 ? day : `${day} ${period.slice(11, 16)}`;
}
