/**
 * usage_daily and usage_monthly are derived from usage_hourly. Every write that changes hourly
 * rows calls `rebuildDaily` for the days it touched, in its own transaction, so the three tables
 * can never disagree: the days are rebuilt from the hours, and their old and new sums are taken
 * out of and put into the months.
 */
import type { Database } from "better-sqlite3";

const DIMS =
  "account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope";
const COUNTERS = "requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens";
const SUMS =
  "SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens)";

/** Adds (sign 1) or takes out (sign -1) the selected day rows' counters from their months. */
function moveIntoMonths(sign: 1 | -1, bySource: string): string {
  const signed = COUNTERS.split(", ")
    .map((c) => (sign === 1 ? c : `-${c}`))
    .join(", ");
  const add = COUNTERS.split(", ")
    .map((c) => `${c} = ${c} + excluded.${c}`)
    .join(", ");
  return `INSERT INTO usage_monthly (source, month, dims_key, price_key, ${DIMS}, ${COUNTERS}, price_id)
    SELECT source, substr(day, 1, 7), dims_key, price_key, ${DIMS}, ${signed}, price_id
    FROM usage_daily WHERE ${bySource}day >= ? AND day < ?
    ON CONFLICT (source, month, dims_key, price_key, base_model, scope) DO UPDATE SET ${add}`;
}

/**
 * Rebuilds usage_daily for days [fromDay, toDay) (`YYYY-MM-DD`), for one source or all, and
 * keeps usage_monthly equal to the sum of usage_daily. Call inside a transaction.
 */
export function rebuildDaily(client: Database, fromDay: string, toDay: string, source?: string): void {
  const bySource = source === undefined ? "" : "source = ? AND ";
  const params = source === undefined ? [fromDay, toDay] : [source, fromDay, toDay];
  client.prepare(moveIntoMonths(-1, bySource)).run(...params);
  client.prepare(`DELETE FROM usage_daily WHERE ${bySource}day >= ? AND day < ?`).run(...params);
  client
    .prepare(
      `INSERT INTO usage_daily (source, day, dims_key, price_key, ${DIMS}, ${COUNTERS}, price_id)
       SELECT source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), ${DIMS}, ${SUMS}, price_id
       FROM usage_hourly WHERE ${bySource}hour >= ? AND hour < ?
       GROUP BY source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), base_model, scope`,
    )
    .run(...(source === undefined ? [] : [source]), `${fromDay}T00:00:00Z`, `${toDay}T00:00:00Z`);
  client.prepare(moveIntoMonths(1, bySource)).run(...params);
  // A month row whose days were all taken out is empty: every counted record is a request or an error.
  client
    .prepare(
      `DELETE FROM usage_monthly WHERE ${bySource}month >= ? AND month <= ? AND requests = 0 AND errors = 0
       AND input_tokens = 0 AND output_tokens = 0 AND cache_read_tokens = 0 AND cache_write_tokens = 0`,
    )
    .run(...(source === undefined ? [] : [source]), fromDay.slice(0, 7), lastDayBefore(toDay).slice(0, 7));
}

/** The UTC day after `day`. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function lastDayBefore(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}
