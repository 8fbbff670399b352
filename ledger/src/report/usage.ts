/**
 * Usage breakdowns from the store: the one place where token counts meet prices. SQL sums the
 * four buckets per group and price version; cost is then tokens × price in exact BigInt pico-USD.
 * Used by `chargeback report`, the API and billing.
 */
import { DIMENSION_COLUMNS, type Dimension, isFacetDimension } from "../dimensions";
import { costPico } from "../pricing/money";
import type { PriceBook } from "../pricing/price-book";
import { MOMENT_COLUMNS } from "../rollup/columns";
import { epochHour, type RollupSource } from "../rollup/write";
import type { Db } from "../store/db";
import { parseTimeBound } from "../user-input";

export type Granularity = "hour" | "day" | "month";

export type UsageQuery = {
  /** Inclusive start: `YYYY-MM-DD` or `YYYY-MM-DDTHH:00:00Z` (UTC). */
  from: string;
  /** Exclusive end, same forms. */
  to: string;
  by: readonly Dimension[];
  /** Only rows whose dimension value is one of these (`null` = the metadata was missing). */
  filters?: Partial<Record<Dimension, readonly (string | null)[]>>;
  granularity?: Granularity;
  sources?: readonly RollupSource[];
  /** Also sum usage_facts' token moments and latency (experiments); forces the fact table. */
  moments?: boolean;
};

export type UsageTotals = {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** Exact cost of the priced usage, pico-USD. */
  costPico: bigint;
  /** Requests (and errors) whose model had no price: counted, never priced at zero. */
  unpricedRequests: number;
  unpricedErrors: number;
  /** Tokens of unpriced usage, all four buckets. */
  unpricedTokens: number;
  /** Base models that had usage but no price in this group. */
  unpricedModels: string[];
  /** Price versions (price ids) used by this group. */
  priceIds: number[];
};

export type UsageRow = UsageTotals & {
  keys: Record<string, string | null>;
  /** The hour, day or month, when a granularity was asked for. */
  period?: string;
};

export class UsageQueryError extends Error {}

function isMonthStart(bound: string): boolean {
  return bound.length === 10 && bound.endsWith("-01");
}

function toHour(bound: string): string {
  return bound.length === 10 ? `${bound}T00:00:00Z` : bound;
}

/** The period column of a per-day table. */
function dayTablePeriod(granularity: Granularity | undefined): string | undefined {
  return granularity === "month" ? "substr(day, 1, 7)" : granularity === "day" ? "day" : undefined;
}

export type SqlPart = { sql: string; params: (string | number)[] };
export type GroupedSql = SqlPart & { groupKeys: string[]; dayGrainCheck?: SqlPart };

/** Builds the grouped SQL. Column names come only from the whitelist; values are bound parameters. */
export function buildUsageSql(query: UsageQuery): GroupedSql {
  for (const [name, bound] of [
    ["from", query.from],
    ["to", query.to],
  ] as const) {
    const parsed = parseTimeBound(bound);
    if (!parsed.ok) throw new UsageQueryError(`${name} ${JSON.stringify(bound)}: ${parsed.message}`);
  }
  if (toHour(query.from) >= toHour(query.to)) throw new UsageQueryError("`from` must be before `to`");
  const filterDims = Object.keys(query.filters ?? {}) as Dimension[];
  const facts = query.moments === true || [...query.by, ...filterDims].some(isFacetDimension);
  const params: (string | number)[] = [];
  const where: string[] = [];
  let table: string;
  let periodExpr: string | undefined;
  let dayGrainCheck: SqlPart | undefined;
  if (facts) {
    // Users, identities and metadata keys: the fact table, any combination (docs/adr/0011-usage-facts.md).
    table = FACTS_FROM;
    where.push("f.hour >= ?", "f.hour < ?");
    params.push(epochHour(query.from), epochHour(query.to));
    periodExpr =
      query.granularity === undefined
        ? undefined
        : `strftime('${PERIOD_FORMAT[query.granularity]}', f.hour * 3600, 'unixepoch')`;
    if (query.from.length !== 10 || query.to.length !== 10 || query.granularity === "hour") {
      dayGrainCheck = {
        sql: "SELECT 1 FROM usage_facts f WHERE f.hour >= ? AND f.hour < ? AND f.grain = 24 LIMIT 1",
        params: [epochHour(query.from), epochHour(query.to)],
      };
    }
  } else if (
    isMonthStart(query.from) &&
    isMonthStart(query.to) &&
    (query.granularity ?? "month") === "month"
  ) {
    // Whole months: the derived month table, ~30× fewer rows than the day table.
    table = "usage_monthly";
    where.push("month >= ?", "month < ?");
    params.push(query.from.slice(0, 7), query.to.slice(0, 7));
    periodExpr = query.granularity === "month" ? "month" : undefined;
  } else if (query.from.length === 10 && query.to.length === 10 && query.granularity !== "hour") {
    // Whole days: the derived day table answers the same sums from ~24× fewer rows.
    table = "usage_daily";
    where.push("day >= ?", "day < ?");
    params.push(query.from, query.to);
    periodExpr = dayTablePeriod(query.granularity);
  } else {
    table = "usage_hourly";
    where.push("hour >= ?", "hour < ?");
    params.push(toHour(query.from), toHour(query.to));
    periodExpr =
      query.granularity === "month"
        ? "substr(hour, 1, 7)"
        : query.granularity === "day"
          ? "substr(hour, 1, 10)"
          : query.granularity === "hour"
            ? "hour"
            : undefined;
  }
  const p = facts ? "f." : "";
  if (query.sources && query.sources.length > 0) {
    where.push(`${p}source IN (${query.sources.map(() => "?").join(", ")})`);
    params.push(...query.sources);
    if (dayGrainCheck) {
      dayGrainCheck.sql = dayGrainCheck.sql.replace(
        " LIMIT 1",
        ` AND f.source IN (${query.sources.map(() => "?").join(", ")}) LIMIT 1`,
      );
      dayGrainCheck.params.push(...query.sources);
    }
  }
  // Values are bound; a metadata key reaches SQL only as a bound JSON path.
  const selectParams: string[] = [];
  const column = (d: Dimension, bind: (string | number)[]): string => {
    if (!facts) return DIMENSION_COLUMNS[d as keyof typeof DIMENSION_COLUMNS];
    if (d === "user") return "a.user_id";
    if (d === "identity") return "a.identity_arn";
    if (d.startsWith("meta:")) {
      bind.push(metaPath(d.slice(5)));
      return "json_extract(a.meta, ?)";
    }
    if (d === "price_id") return "f.price_id";
    return `d.${DIMENSION_COLUMNS[d as keyof typeof DIMENSION_COLUMNS]}`;
  };
  const filterParams: (string | number)[] = [];
  for (const dim of filterDims) {
    const values = query.filters?.[dim] ?? [];
    const concrete = values.filter((v): v is string => v !== null);
    const parts: string[] = [];
    if (concrete.length > 0) {
      parts.push(`${column(dim, filterParams)} IN (${concrete.map(() => "?").join(", ")})`);
      filterParams.push(...concrete);
    }
    if (values.includes(null)) parts.push(`${column(dim, filterParams)} IS NULL`);
    where.push(parts.length > 0 ? `(${parts.join(" OR ")})` : "0");
  }
  const groupCols = query.by.map((d, i) => `${column(d, selectParams)} AS k${i}`);
  if (periodExpr) groupCols.push(`${periodExpr} AS period`);
  // Period first, then the keys: the order pages are cut in (queryUsagePage), so one sort serves
  // both the GROUP BY and the ORDER BY.
  const groupKeys = [...(periodExpr ? ["period"] : []), ...query.by.map((_, i) => `k${i}`)];
  const sql = `SELECT ${[...groupCols, `${p}price_id AS price_id`, `${facts ? "d." : ""}base_model AS base_model`].join(", ")},
      SUM(${p}requests) AS requests, SUM(${p}errors) AS errors, SUM(${p}input_tokens) AS input_tokens,
      SUM(${p}output_tokens) AS output_tokens, SUM(${p}cache_read_tokens) AS cache_read_tokens,
      SUM(${p}cache_write_tokens) AS cache_write_tokens${query.moments ? `, ${MOMENT_SUMS}` : ""}
    FROM ${table} WHERE ${where.join(" AND ")} GROUP BY ${[...groupKeys, "price_id", "base_model"].join(", ")}`;
  return {
    sql,
    params: [...selectParams, ...params, ...filterParams],
    groupKeys,
    ...(dayGrainCheck ? { dayGrainCheck } : {}),
  };
}

const MOMENT_SUMS = [...MOMENT_COLUMNS.split(", "), "latency_ms", "latency_count"]
  .map((c) => `SUM(f.${c}) AS ${c}`)
  .join(", ");

/** usage_facts with its two dictionaries, as `f`, `d` (dimensions) and `a` (attributes). */
export const FACTS_FROM =
  "usage_facts f JOIN usage_dims d ON d.id = f.dims_id JOIN usage_attrs a ON a.id = f.attrs_id";

const PERIOD_FORMAT: Record<Granularity, string> = {
  hour: "%Y-%m-%dT%H:00:00Z",
  day: "%Y-%m-%d",
  month: "%Y-%m",
};

/** The JSON path of one metadata key in usage_attrs.meta (keys are quoted: `.` and `$` are allowed in keys). */
export function metaPath(key: string): string {
  return `$.${JSON.stringify(key)}`;
}

/**
 * Per-day fact rows (collectors, stores migrated from daily facets) cannot answer by hour.
 * @throws UsageQueryError when the range holds any.
 */
export function checkDayGrain(db: Db, grouped: GroupedSql): void {
  const check = grouped.dayGrainCheck;
  if (check && db.$client.prepare(check.sql).get(...check.params))
    throw new UsageQueryError(
      "users, identities and metadata keys of this range are kept per day (collected by Logs Insights or Athena, or ingested before per-hour facts): use whole days and no hourly series",
    );
}

/** The same sums over every group at once: one row per price version and model. */
function totalSql(grouped: SqlPart): SqlPart {
  const sql = `SELECT price_id, base_model, SUM(requests) AS requests, SUM(errors) AS errors,
      SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
      SUM(cache_read_tokens) AS cache_read_tokens, SUM(cache_write_tokens) AS cache_write_tokens
    FROM (${grouped.sql}) GROUP BY price_id, base_model`;
  return { sql, params: grouped.params };
}

type SqlRow = Record<string, string | number | null>;

function num(row: SqlRow, key: string): number {
  const v = row[key];
  return typeof v === "number" ? v : 0;
}

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    errors: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costPico: 0n,
    unpricedRequests: 0,
    unpricedErrors: 0,
    unpricedTokens: 0,
    unpricedModels: [],
    priceIds: [],
  };
}

/**
 * @example queryUsage(db, prices, { from: "2026-10-01", to: "2026-11-01", by: ["tenant"] })
 */
export function queryUsage(db: Db, prices: PriceBook, query: UsageQuery): UsageRow[] {
  const grouped = buildUsageSql(query);
  checkDayGrain(db, grouped);
  const { sql, params } = grouped;
  const rows = db.$client.prepare(sql).all(...params) as SqlRow[];
  const groups = new Map<string, UsageRow>();
  for (const row of rows) {
    const { keys, period } = groupOf(query, row);
    const groupKey = JSON.stringify([query.by.map((d) => keys[d]), period]);
    let group = groups.get(groupKey);
    if (!group) {
      group = { keys, ...(period ? { period } : {}), ...emptyTotals() };
      groups.set(groupKey, group);
    }
    accumulate(group, row, prices);
  }
  return [...groups.values()].sort(
    (a, b) =>
      (a.period ?? "").localeCompare(b.period ?? "") ||
      (b.costPico > a.costPico ? 1 : b.costPico < a.costPico ? -1 : 0) ||
      JSON.stringify(query.by.map((d) => a.keys[d])).localeCompare(
        JSON.stringify(query.by.map((d) => b.keys[d])),
      ),
  );
}

function groupOf(query: UsageQuery, row: SqlRow): { keys: Record<string, string | null>; period?: string } {
  const keys: Record<string, string | null> = {};
  query.by.forEach((d, i) => {
    const v = row[`k${i}`];
    keys[d] = v === null || v === undefined ? null : String(v);
  });
  return typeof row.period === "string" ? { keys, period: row.period } : { keys };
}

export type UsagePage = {
  /** At most `limit` groups, ordered by period, then the `by` values (null first). */
  rows: UsageRow[];
  /** More groups follow (ask again with `offset + rows.length`). */
  hasMore: boolean;
  /** Over every group of the query, not just this page. */
  total: UsageTotals;
};

/**
 * One page of a breakdown without holding the whole result: SQLite groups and sorts (spilling to
 * its temp store, not the JS heap) and the rows stream in group order, so reading stops after
 * `limit + 1` groups. The total is a second aggregate over the same grouped query.
 * @example queryUsagePage(db, prices, { from: "2026-10-01", to: "2026-11-01", by: ["tenant"] }, { offset: 0, limit: 100 })
 */
export function queryUsagePage(
  db: Db,
  prices: PriceBook,
  query: UsageQuery,
  page: { offset: number; limit: number },
): UsagePage {
  const grouped = buildUsageSql(query);
  checkDayGrain(db, grouped);
  const ordered = `${grouped.sql}${grouped.groupKeys.length > 0 ? ` ORDER BY ${grouped.groupKeys.join(", ")}` : ""}`;
  const rows: UsageRow[] = [];
  let hasMore = false;
  let index = -1;
  let lastKey: string | undefined;
  let current: UsageRow | undefined;
  for (const row of db.$client.prepare(ordered).iterate(...grouped.params) as IterableIterator<SqlRow>) {
    const { keys, period } = groupOf(query, row);
    const groupKey = JSON.stringify([query.by.map((d) => keys[d]), period]);
    if (groupKey !== lastKey) {
      lastKey = groupKey;
      index++;
      if (index >= page.offset + page.limit) {
        hasMore = true;
        break; // leaving the loop finalizes the statement
      }
      current = index >= page.offset ? { keys, ...(period ? { period } : {}), ...emptyTotals() } : undefined;
      if (current) rows.push(current);
    }
    if (current) accumulate(current, row, prices);
  }
  const total = emptyTotals();
  const t = totalSql(grouped);
  for (const row of db.$client.prepare(t.sql).iterate(...t.params) as IterableIterator<SqlRow>)
    accumulate(total, row, prices);
  return { rows, hasMore, total };
}

/** Adds one grouped SQL row (counters, price_id, base_model) to `into`, pricing it exactly. */
export function accumulateUsageRow(into: UsageTotals, row: Record<string, unknown>, prices: PriceBook): void {
  accumulate(into, row as SqlRow, prices);
}

function accumulate(into: UsageTotals, row: SqlRow, prices: PriceBook): void {
  const t = {
    requests: num(row, "requests"),
    errors: num(row, "errors"),
    inputTokens: num(row, "input_tokens"),
    outputTokens: num(row, "output_tokens"),
    cacheReadTokens: num(row, "cache_read_tokens"),
    cacheWriteTokens: num(row, "cache_write_tokens"),
  };
  into.requests += t.requests;
  into.errors += t.errors;
  into.inputTokens += t.inputTokens;
  into.outputTokens += t.outputTokens;
  into.cacheReadTokens += t.cacheReadTokens;
  into.cacheWriteTokens += t.cacheWriteTokens;
  const priceId = typeof row.price_id === "number" ? row.price_id : null;
  const price = priceId === null ? undefined : prices.get(priceId);
  if (!price) {
    into.unpricedRequests += t.requests;
    into.unpricedErrors += t.errors;
    into.unpricedTokens += t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
    const model = String(row.base_model);
    // Error-only groups carry no tokens and cost nothing; they are not unpriced usage.
    if (t.requests > 0 && !into.unpricedModels.includes(model)) into.unpricedModels.push(model);
    return;
  }
  into.costPico +=
    costPico(t.inputTokens, price.inputMicros) +
    costPico(t.outputTokens, price.outputMicros) +
    costPico(t.cacheReadTokens, price.cacheReadMicros) +
    costPico(t.cacheWriteTokens, price.cacheWriteMicros);
  if (!into.priceIds.includes(price.id)) into.priceIds.push(price.id);
}

/** Biggest cost first, then most calls: the order of "top" lists. */
export function compareByCost(a: UsageTotals, b: UsageTotals): number {
  return b.costPico > a.costPico
    ? 1
    : b.costPico < a.costPico
      ? -1
      : b.requests + b.errors - (a.requests + a.errors);
}

/** Sums rows into one total (e.g. the grand total under a breakdown). */
export function totalOf(rows: readonly UsageTotals[]): UsageTotals {
  const total = emptyTotals();
  for (const r of rows) {
    total.requests += r.requests;
    total.errors += r.errors;
    total.inputTokens += r.inputTokens;
    total.outputTokens += r.outputTokens;
    total.cacheReadTokens += r.cacheReadTokens;
    total.cacheWriteTokens += r.cacheWriteTokens;
    total.costPico += r.costPico;
    total.unpricedRequests += r.unpricedRequests;
    total.unpricedErrors += r.unpricedErrors;
    total.unpricedTokens += r.unpricedTokens;
    for (const m of r.unpricedModels) if (!total.unpricedModels.includes(m)) total.unpricedModels.push(m);
    for (const p of r.priceIds) if (!total.priceIds.includes(p)) total.priceIds.push(p);
  }
  return total;
}
