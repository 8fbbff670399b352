/**
 * usage_daily_rows and usage_monthly_rows (read through the usage_daily and usage_monthly views)
 * are derived from usage_hourly_rows. A write that replaces or re-prices hourly rows calls
 * `rebuildDaily` for the days it touched, in its own transaction, so the three tables can never
 * disagree: the days are rebuilt from the hours, and their old and new sums are taken out of and
 * put into the months. (A pure addition adds its deltas instead: `addRollupRows`.) All three are
 * keyed on the same usage_dims id (a tuple with its resolved base model and scope), so no tuple
 * columns are joined or copied here.
 */
import type { Database } from "better-sqlite3";
import { ADD_COUNTERS, COUNTER_COLUMNS, NEGATED_COUNTERS, SUM_COUNTERS } from "./columns";

/** Adds (sign 1) or takes out (sign -1) the selected day rows' counters from their months. */
function moveIntoMonths(sign: 1 | -1, bySource: string): string {
  return `INSERT INTO usage_monthly_rows (month, dims_id, source, price_key, ${COUNTER_COLUMNS}, price_id)
    SELECT substr(day, 1, 7), dims_id, source, price_key, ${sign === 1 ? COUNTER_COLUMNS : NEGATED_COUNTERS}, price_id
    FROM usage_daily_rows WHERE ${bySource}day >= ? AND day < ?
    ON CONFLICT (month, dims_id, source, price_key) DO UPDATE SET ${ADD_COUNTERS}`;
}

/**
 * Rebuilds usage_daily_rows for days [fromDay, toDay) (`YYYY-MM-DD`), for one source or all, and
 * keeps usage_monthly_rows equal to the sum of usage_daily_rows. Call inside a transaction.
 */
export function rebuildDaily(client: Database, fromDay: string, toDay: string, source?: string): void {
  const bySource = source === undefined ? "" : "source = ? AND ";
  const src = source === undefined ? [] : [source];
  client.prepare(moveIntoMonths(-1, bySource)).run(...src, fromDay, toDay);
  client
    .prepare(`DELETE FROM usage_daily_rows WHERE ${bySource}day >= ? AND day < ?`)
    .run(...src, fromDay, toDay);
  client
    .prepare(
      `INSERT INTO usage_daily_rows (day, dims_id, source, price_key, ${COUNTER_COLUMNS}, price_id)
       SELECT substr(hour, 1, 10), dims_id, source, COALESCE(price_id, 0), ${SUM_COUNTERS}, price_id
       FROM usage_hourly_rows WHERE ${bySource}hour >= ? AND hour < ?
       GROUP BY substr(hour, 1, 10), dims_id, source, COALESCE(price_id, 0)`,
    )
    .run(...src, `${fromDay}T00:00:00Z`, `${toDay}T00:00:00Z`);
  client.prepare(moveIntoMonths(1, bySource)).run(...src, fromDay, toDay);
  // A month row whose days were all taken out is empty: every counted record is a request or an error.
  client
    .prepare(
      `DELETE FROM usage_monthly_rows WHERE ${bySource}month >= ? AND month <= ? AND requests = 0 AND errors = 0
       AND input_tokens = 0 AND output_tokens = 0 AND cache_read_tokens = 0 AND cache_write_tokens = 0`,
    )
    .run(...src, fromDay.slice(0, 7), addDays(toDay, -1).slice(0, 7));
}

/** The UTC day after `day`. */
export function nextDay(day: string): string {
  return addDays(day, 1);
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
