/**
 * The one call an ingest makes after (or instead of, on failure) writing rollups:
 * `--publish-metrics` in the CLI maps to this. Publishing is best-effort from the ingest's point
 * of view: the caller decides whether a MetricPublishError fails the run.
 */

import type { Db, PriceBook } from "@bedrock-chargeback/ledger";
import { listBudgets } from "@bedrock-chargeback/ledger";
import {
  type BudgetMetricKey,
  buildHourlyUsageMetrics,
  buildLagMetric,
  buildMonthToDateMetrics,
  buildRunMetric,
} from "./rollup-metrics";
import type { MetricPoint, MetricPublisher, PublishResult } from "./types";

export type IngestMetricsInput = {
  db: Db;
  prices: PriceBook;
  publisher: MetricPublisher;
  now: Date;
  /** The run just finished; `failed` publishes CollectorRunFailures = 1 and skips usage metrics. */
  run: { failed: boolean };
  /** Scopes that get MonthToDateCostUSD; default: every budget in the store (listBudgets). */
  budgetScopes?: readonly BudgetMetricKey[];
  trailingHours?: number;
  topTenants?: number;
};

/** Every point a run publishes; exported for `--dry-run` output and tests. */
export function collectIngestMetrics(input: Omit<IngestMetricsInput, "publisher">): MetricPoint[] {
  const points: MetricPoint[] = [buildRunMetric(input.now, input.run.failed)];
  const lag = buildLagMetric(input.db, input.now);
  if (lag) points.push(lag);
  if (input.run.failed) return points;
  const options = {
    now: input.now,
    trailingHours: input.trailingHours,
    topTenants: input.topTenants,
    budgetScopes:
      input.budgetScopes ?? listBudgets(input.db).map((b) => ({ scope: b.scope, key: b.scopeValue })),
  };
  points.push(...buildHourlyUsageMetrics(input.db, input.prices, options));
  points.push(...buildMonthToDateMetrics(input.db, input.prices, options));
  return points;
}

/**
 * @example
 * await publishIngestMetrics({ db, prices, publisher, now: new Date(), run: { failed: false } });
 */
export async function publishIngestMetrics(input: IngestMetricsInput): Promise<PublishResult> {
  return input.publisher.publish(collectIngestMetrics(input));
}
