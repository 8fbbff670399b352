/**
 * Store → metric points. Every figure comes from queryUsage (exact costPico, rounded once to
 * micro-USD here, as the money module prescribes); nothing is priced a second way.
 *
 * Cardinality is the cost driver: each name × dimension value is a custom metric at ~$0.30 a
 * month, and tenant ids are unbounded (docs/aws-facts.md §6). So hourly metrics go per cost center and
 * per application (small, known sets), and per tenant only for the top N tenants by month-to-date
 * cost, the rest summed as "(other)"; missing metadata is "(unattributed)". For 40 cost centers,
 * 60 apps and N = 20: (1 + 40 + 60 + 22) × 2 metrics ≈ $74/month.
 *
 * Hourly values are gauges of the whole hour: each run re-publishes the trailing hours (late
 * data, docs/rules.md rule 6) with the hour start as timestamp, so consumers read them with the
 * `Maximum` statistic over a 1-hour period. `Sum` would count each re-publish again.
 */

import type { Db, Dimension, PriceBook } from "@bedrock-chargeback/ledger";
import { microsToNumber, queryUsage, roundPicoToMicros, type UsageRow } from "@bedrock-chargeback/ledger";
import { ingestRuns } from "@bedrock-chargeback/ledger/schema";
import { max } from "drizzle-orm";
import {
  BUDGET_SCOPE_DIMENSION,
  type BudgetMetricScope,
  METRIC,
  METRIC_DIMENSION,
  OTHER_TENANTS,
  UNATTRIBUTED,
} from "./names";
import type { MetricPoint } from "./types";

export type BudgetMetricKey = { scope: BudgetMetricScope; key: string };

export type RollupMetricsOptions = {
  now: Date;
  /** Hours re-published, the current (partial) hour included. Default 3. */
  trailingHours?: number;
  /** Tenants with their own `Tenant` dimension value. Default 20. */
  topTenants?: number;
  /** Scopes that get a MonthToDateCostUSD metric (the budgets). */
  budgetScopes?: readonly BudgetMetricKey[];
};

const HOUR_MS = 3_600_000;

function hourStart(date: Date): Date {
  return new Date(Math.floor(date.getTime() / HOUR_MS) * HOUR_MS);
}

function hourString(date: Date): string {
  return `${date.toISOString().slice(0, 13)}:00:00Z`;
}

/** pico-USD → USD with micro-USD precision (the one rounding step). */
export function picoToUsd(pico: bigint): number {
  return microsToNumber(roundPicoToMicros(pico));
}

function totalTokens(row: UsageRow): number {
  return row.inputTokens + row.outputTokens + row.cacheReadTokens + row.cacheWriteTokens;
}

function dimValue(value: string | null | undefined): string {
  return value === null || value === undefined || value === "" ? UNATTRIBUTED : value;
}

function pointsFor(
  rows: readonly UsageRow[],
  dimension: Dimension | undefined,
  name: string | undefined,
  rename?: (v: string) => string,
) {
  const sums = new Map<
    string,
    { timestamp: Date; dims: Record<string, string>; tokens: number; costPico: bigint }
  >();
  for (const row of rows) {
    if (row.period === undefined) continue;
    const dims: Record<string, string> = {};
    if (dimension !== undefined && name !== undefined) {
      const raw = dimValue(row.keys[dimension]);
      dims[name] = rename ? rename(raw) : raw;
    }
    const key = JSON.stringify([row.period, dims]);
    const sum = sums.get(key) ?? { timestamp: new Date(row.period), dims, tokens: 0, costPico: 0n };
    sum.tokens += totalTokens(row);
    sum.costPico += row.costPico;
    sums.set(key, sum);
  }
  const points: MetricPoint[] = [];
  for (const s of sums.values()) {
    points.push({
      name: METRIC.tokens,
      dimensions: s.dims,
      timestamp: s.timestamp,
      value: s.tokens,
      unit: "Count",
    });
    points.push({
      name: METRIC.costUsd,
      dimensions: s.dims,
      timestamp: s.timestamp,
      value: picoToUsd(s.costPico),
      unit: "None",
    });
  }
  return points;
}

/**
 * The tenants that get their own dimension value: highest month-to-date cost first, then tokens,
 * then id (stable within a month, so a tenant's series does not flicker between runs).
 */
export function rankTopTenants(db: Db, prices: PriceBook, now: Date, count: number): string[] {
  const monthStart = `${now.toISOString().slice(0, 7)}-01`;
  const rows = queryUsage(db, prices, {
    from: monthStart,
    to: hourString(new Date(hourStart(now).getTime() + HOUR_MS)),
    by: ["tenant"],
  });
  return rows
    .filter(
      (r): r is UsageRow & { keys: { tenant: string } } =>
        typeof r.keys.tenant === "string" && r.keys.tenant !== "",
    )
    .sort(
      (a, b) =>
        (b.costPico > a.costPico ? 1 : b.costPico < a.costPico ? -1 : 0) ||
        totalTokens(b) - totalTokens(a) ||
        (a.keys.tenant < b.keys.tenant ? -1 : 1),
    )
    .slice(0, count)
    .map((r) => r.keys.tenant);
}

/** Hourly Tokens and CostUSD: account total, per cost center, per application, per top tenant. */
export function buildHourlyUsageMetrics(
  db: Db,
  prices: PriceBook,
  options: RollupMetricsOptions,
): MetricPoint[] {
  const trailing = options.trailingHours ?? 3;
  const current = hourStart(options.now);
  const from = hourString(new Date(current.getTime() - (trailing - 1) * HOUR_MS));
  const to = hourString(new Date(current.getTime() + HOUR_MS));
  const hourly = (by: Dimension[]) => queryUsage(db, prices, { from, to, by, granularity: "hour" });
  const top = new Set(rankTopTenants(db, prices, options.now, options.topTenants ?? 20));
  return [
    ...pointsFor(hourly([]), undefined, undefined),
    ...pointsFor(hourly(["cost_center"]), "cost_center", METRIC_DIMENSION.costCenter),
    ...pointsFor(hourly(["application"]), "application", METRIC_DIMENSION.application),
    ...pointsFor(hourly(["tenant"]), "tenant", METRIC_DIMENSION.tenant, (t) =>
      t === UNATTRIBUTED || top.has(t) ? t : OTHER_TENANTS,
    ),
  ];
}

/**
 * MonthToDateCostUSD for the account and for each budget scope, stamped `now`. Scopes without
 * usage get 0, so their budget alarms see data rather than INSUFFICIENT_DATA.
 */
export function buildMonthToDateMetrics(
  db: Db,
  prices: PriceBook,
  options: RollupMetricsOptions,
): MetricPoint[] {
  const monthStart = `${options.now.toISOString().slice(0, 7)}-01`;
  const to = hourString(new Date(hourStart(options.now).getTime() + HOUR_MS));
  const timestamp = new Date(Math.floor(options.now.getTime() / 60_000) * 60_000);
  const point = (dimensions: Record<string, string>, pico: bigint): MetricPoint => ({
    name: METRIC.monthToDateCostUsd,
    dimensions,
    timestamp,
    value: picoToUsd(pico),
    unit: "None",
  });
  const total = queryUsage(db, prices, { from: monthStart, to, by: [] });
  const points = [
    point(
      {},
      total.reduce((sum, r) => sum + r.costPico, 0n),
    ),
  ];
  const scopes = options.budgetScopes ?? [];
  for (const scope of Object.keys(BUDGET_SCOPE_DIMENSION) as BudgetMetricScope[]) {
    const keys = [...new Set(scopes.filter((s) => s.scope === scope).map((s) => s.key))].sort();
    if (keys.length === 0) continue;
    const rows = queryUsage(db, prices, { from: monthStart, to, by: [scope], filters: { [scope]: keys } });
    const byKey = new Map(rows.map((r) => [r.keys[scope], r.costPico]));
    for (const key of keys)
      points.push(point({ [BUDGET_SCOPE_DIMENSION[scope]]: key }, byKey.get(key) ?? 0n));
  }
  return points;
}

/** CollectorLagSeconds: now − the newest record timestamp any ingest run has seen. */
export function buildLagMetric(db: Db, now: Date): MetricPoint | undefined {
  const row = db
    .select({ newest: max(ingestRuns.dataUntil) })
    .from(ingestRuns)
    .get();
  const newest = row?.newest ? Date.parse(row.newest) : Number.NaN;
  if (Number.isNaN(newest)) return undefined;
  return {
    name: METRIC.collectorLagSeconds,
    dimensions: {},
    timestamp: now,
    value: Math.max(0, Math.round((now.getTime() - newest) / 1000)),
    unit: "Seconds",
  };
}

/** CollectorRunFailures: 1 for a failed run, 0 otherwise. */
export function buildRunMetric(now: Date, failed: boolean): MetricPoint {
  return {
    name: METRIC.collectorRunFailures,
    dimensions: {},
    timestamp: now,
    value: failed ? 1 : 0,
    unit: "Count",
  };
}
