/**
 * usage_daily and usage_monthly are derived from usage_hourly. A write that replaces or re-prices
 * hourly rows calls `rebuildDaily` for the days it touched, in its own transaction, so the three
 * tables can never disagree: the days are rebuilt from the hours, and their old and new sums are
 * taken out of and put into the months. (A pure addition adds its deltas instead: `addRollupRows`.)
 */
import type { Database } from "better-sqlite3";
import { ADD_COUNTERS, COUNTER_COLUMNS, COUNTERS, DIM_COLUMNS, NEGATED_COUNTERS } from "./columns";

/** Adds (sign 1) or takes out (sign -1) the selected day rows' counters from their months. */
function moveIntoMonths(sign: 1 | -1, bySource: string): string {
  return `INSERT INTO usage_monthly (source, month, dims_key, price_key, ${DIM_COLUMNS}, ${COUNTER_COLUMNS}, price_id)
    SELECT source, substr(day, 1, 7), dims_key, price_key, ${DIM_COLUMNS}, ${sign === 1 ? COUNTER_COLUMNS : NEGATED_COUNTERS}, price_id
    FROM usage_daily WHERE ${bySource}day >= ? AND day < ?
    ON CONFLICT (source, month, dims_key, price_key, base_model, scope) DO UPDATE SET ${ADD_COUNTERS}`;
}

/**
 * Rebuilds usage_daily for days [fromDay, toDay) (`YYYY-MM-DD`), for one source or all, and
 * keeps usage_monthly equal to the sum of usage_daily. Call inside a transaction.
 */
export function rebuildDaily(client: Database, fromDay: string, toDay: string, source?: string): void {
  const bySource = source === undefined ? "" : "source = ? AND ";
  const src = source === undefined ? [] : [source];
  client.prepare(moveIntoMonths(-1, bySource)).run(...src, fromDay, toDay);
  client.prepare(`DELETE FROM usage_daily WHERE ${bySource}day >= ? AND day < ?`).run(...src, fromDay, toDay);
  // Grouped on the compact rows (a usage_dims id is one tuple with its base model and scope), the
  // tuple's columns joined once per day row rather than once per hour row.
  client
    .prepare(
      `INSERT INTO usage_daily (source, day, dims_key, price_key, ${DIM_COLUMNS}, ${COUNTER_COLUMNS}, price_id)
       SELECT g.source, g.day, substr(d.key, 1, instr(d.key, char(1)) - 1), g.price_key,
         ${DIM_COLUMNS.split(", ")
           .map((c) => `d.${c}`)
           .join(", ")}, ${COUNTERS.map((c) => `g.${c}`).join(", ")}, g.price_id
       FROM (SELECT source, substr(hour, 1, 10) AS day, dims_id, COALESCE(price_id, 0) AS price_key,
               ${COUNTERS.map((c) => `SUM(${c}) AS ${c}`).join(", ")}, price_id
             FROM usage_hourly_rows WHERE ${bySource}hour >= ? AND hour < ?
             GROUP BY source, substr(hour, 1, 10), dims_id, COALESCE(price_id, 0)) g
       JOIN usage_dims d ON d.id = g.dims_id`,
    )
    .run(...src, `${fromDay}T00:00:00Z`, `${toDay}T00:00:00Z`);
  client.prepare(moveIntoMonths(1, bySource)).run(...src, fromDay, toDay);
  // A month row whose days were all taken out is empty: every counted record is a request or an error.
  client
    .prepare(
      `DELETE FROM usage_monthly WHERE ${bySource}month >= ? AND month <= ? AND requests = 0 AND errors = 0
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
