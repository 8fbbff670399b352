/**
 * The collector's CloudWatch metric vocabulary. infra/ builds alarms and dashboards from these
 * same constants, so a renamed metric cannot silently orphan an alarm.
 */

export const DEFAULT_METRIC_NAMESPACE = "BedrockChargeback";

export const METRIC = {
  /** Cost of the hour's priced usage, USD (from queryUsage's exact costPico, rounded to micro-USD). */
  costUsd: "CostUSD",
  /** All four token buckets of the hour, summed: a volume signal, never a billing figure. */
  tokens: "Tokens",
  /** Cost of the current UTC month so far, per budget scope (the budget alarms' metric). */
  monthToDateCostUsd: "MonthToDateCostUSD",
  /** now − timestamp of the newest record in the store. */
  collectorLagSeconds: "CollectorLagSeconds",
  /** 1 for a failed collector run, 0 for a good one (always sent, so gaps mean "not running"). */
  collectorRunFailures: "CollectorRunFailures",
} as const;
export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** Dimension names. A datum carries at most one of them (or none: the account total). */
export const METRIC_DIMENSION = {
  tenant: "Tenant",
  application: "Application",
  costCenter: "CostCenter",
} as const;
export type MetricDimensionName = (typeof METRIC_DIMENSION)[keyof typeof METRIC_DIMENSION];

/** The budget scopes the API knows, mapped to the metric dimension that carries them. */
export const BUDGET_SCOPE_DIMENSION = {
  tenant: METRIC_DIMENSION.tenant,
  application: METRIC_DIMENSION.application,
  cost_center: METRIC_DIMENSION.costCenter,
} as const;
export type BudgetMetricScope = keyof typeof BUDGET_SCOPE_DIMENSION;

/** Dimension value for usage whose record lacked the metadata key (docs/rules.md rule 9). */
export const UNATTRIBUTED = "(unattributed)";
/** Dimension value summing every tenant outside the top N. */
export const OTHER_TENANTS = "(other)";
