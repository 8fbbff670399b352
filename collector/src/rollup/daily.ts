/**
 * usage_daily is derived from usage_hourly: every write that changes hourly rows rebuilds the
 * days it touched, in its own transaction, so the two can never disagree.
 */
import type { Database } from "better-sqlite3";

const DIMS =
  "account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope";
const COUNTERS = "requests, errors, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens";
const SUMS =
  "SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens)";

/** Rebuilds usage_daily for days [fromDay, toDay) (`YYYY-MM-DD`), for one source or all. Call inside a transaction. */
export function rebuildDaily(client: Database, fromDay: string, toDay: string, source?: string): void {
  const bySource = source === undefined ? "" : "source = ? AND ";
  const params = source === undefined ? [] : [source];
  client
    .prepare(`DELETE FROM usage_daily WHERE ${bySource}day >= ? AND day < ?`)
    .run(...params, fromDay, toDay);
  client
    .prepare(
      `INSERT INTO usage_daily (source, day, dims_key, price_key, ${DIMS}, ${COUNTERS}, price_id)
       SELECT source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0), ${DIMS}, ${SUMS}, price_id
       FROM usage_hourly WHERE ${bySource}hour >= ? AND hour < ?
       GROUP BY source, substr(hour, 1, 10), dims_key, COALESCE(price_id, 0)`,
    )
    .run(...params, `${fromDay}T00:00:00Z`, `${toDay}T00:00:00Z`);
}

/** The UTC day after `day`. */
export function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
