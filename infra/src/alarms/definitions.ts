/**
 * The alarm model: budgets + alarms.config.json → AlarmDefinition[]. One source of truth for
 * `chargeback alarms plan/apply` (PutMetricAlarm), `alarms export` (CloudFormation) and the CDK
 * monitoring stack. Field names are CloudWatch's own, so both renderings are near-identity maps.
 */
import { createHash } from "node:crypto";
import { BUDGET_SCOPE_DIMENSION, METRIC } from "@bedrock-chargeback/collector/metrics";
import type { AlarmsConfig, SeriesSpec } from "./config";

export type AlarmDimension = { Name: string; Value: string };
export type AlarmMetricStat = {
  Metric: { Namespace: string; MetricName: string; Dimensions: AlarmDimension[] };
  Period: number;
  Stat: string;
};
export type AlarmMetricQuery = {
  Id: string;
  ReturnData: boolean;
  Label?: string;
  Expression?: string;
  MetricStat?: AlarmMetricStat;
};

export type ComparisonOperator =
  | "GreaterThanOrEqualToThreshold"
  | "GreaterThanThreshold"
  | "LessThanThreshold"
  | "LessThanOrEqualToThreshold"
  | "LessThanLowerOrGreaterThanUpperThreshold"
  | "LessThanLowerThreshold"
  | "GreaterThanUpperThreshold";

export type AlarmCategory =
  | "budget"
  | "hourly-tokens"
  | "anomaly"
  | "delivery"
  | "collector-lag"
  | "collector-failure";

type AlarmCommon = {
  category: AlarmCategory;
  AlarmName: string;
  AlarmDescription: string;
  ComparisonOperator: ComparisonOperator;
  EvaluationPeriods: number;
  DatapointsToAlarm: number;
  TreatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
};

/** A threshold alarm on one metric. */
export type StaticAlarm = AlarmCommon & {
  Namespace: string;
  MetricName: string;
  Dimensions: AlarmDimension[];
  Period: number;
  Statistic: "Sum" | "Maximum" | "Average" | "Minimum" | "SampleCount";
  Threshold: number;
};

/** A metric-math alarm whose threshold is another series (anomaly detection). */
export type MathAlarm = AlarmCommon & { Metrics: AlarmMetricQuery[]; ThresholdMetricId: string };

export type AlarmDefinition = StaticAlarm | MathAlarm;

export function isMathAlarm(alarm: AlarmDefinition): alarm is MathAlarm {
  return "Metrics" in alarm;
}

/** A monthly budget, as the API stores it (ledger/src/store/schema-api.ts `budgets`). */
export type BudgetInput = {
  name: string;
  scope: "tenant" | "application" | "cost_center";
  scopeValue: string;
  /** Monthly amount, integer micro-USD. */
  amountMicros: number | bigint;
  /** Percent of the amount; empty = the config's defaultThresholds. */
  thresholds: readonly number[];
};

/** Bedrock's own delivery metrics (docs/aws-facts.md §1.2), namespace AWS/Bedrock, no dimensions. */
export const BEDROCK_DELIVERY_FAILURE_METRICS = {
  cloudwatch: "ModelInvocationLogsCloudWatchDeliveryFailure",
  s3: "ModelInvocationLogsS3DeliveryFailure",
  "large-data-s3": "ModelInvocationLargeDataS3DeliveryFailure",
} as const;

const MAX_ALARM_NAME = 255;

/** Prefix + parts joined by ":"; names over 255 characters keep a hash of the full name. */
export function alarmName(prefix: string, ...parts: string[]): string {
  const name = `${prefix}${parts.join(":")}`;
  if (name.length <= MAX_ALARM_NAME) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 12);
  return `${name.slice(0, MAX_ALARM_NAME - hash.length - 1)}~${hash}`;
}

/** USD threshold for `percent` of a micro-USD amount, exact to the micro-dollar before float. */
export function budgetThresholdUsd(amountMicros: number | bigint, percent: number): number {
  const basisPoints = BigInt(Math.round(percent * 100));
  const micros = (BigInt(amountMicros) * basisPoints) / 10_000n;
  return Number(micros) / 1_000_000;
}

function seriesDimensions(series: SeriesSpec): AlarmDimension[] {
  if (series.scope === "total" || series.value === undefined) return [];
  return [{ Name: BUDGET_SCOPE_DIMENSION[series.scope], Value: series.value }];
}

function seriesLabel(series: SeriesSpec): string {
  return series.scope === "total" || series.value === undefined ? "total" : `${series.scope}:${series.value}`;
}

function formatPercent(p: number): string {
  return Number.isInteger(p) ? `${p}` : p.toFixed(2).replace(/0+$/, "");
}

function budgetAlarms(config: AlarmsConfig, budgets: readonly BudgetInput[]): StaticAlarm[] {
  if (!config.budgets.enabled) return [];
  const alarms: StaticAlarm[] = [];
  for (const budget of budgets) {
    const thresholds = budget.thresholds.length > 0 ? budget.thresholds : config.budgets.defaultThresholds;
    for (const percent of [...new Set(thresholds)].sort((a, b) => a - b)) {
      const threshold = budgetThresholdUsd(budget.amountMicros, percent);
      alarms.push({
        category: "budget",
        AlarmName: alarmName(
          config.prefix,
          "budget",
          budget.scope,
          budget.scopeValue,
          `${formatPercent(percent)}pct`,
        ),
        AlarmDescription: `Budget "${budget.name}": ${budget.scope} ${budget.scopeValue} month-to-date cost reached ${formatPercent(percent)}% of ${Number(budget.amountMicros) / 1_000_000} USD (${threshold} USD).`,
        Namespace: config.namespace,
        MetricName: METRIC.monthToDateCostUsd,
        Dimensions: [{ Name: BUDGET_SCOPE_DIMENSION[budget.scope], Value: budget.scopeValue }],
        // MTD is a gauge re-published each run: the newest (largest) value of the hour counts.
        Statistic: "Maximum",
        Period: 3600,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Threshold: threshold,
        // Keep the state while the collector is quiet; the lag alarm reports that separately.
        TreatMissingData: "ignore",
      });
    }
  }
  return alarms;
}

function hourlyTokenAlarms(config: AlarmsConfig): StaticAlarm[] {
  return config.hourlyTokens.map((rule) => ({
    category: "hourly-tokens",
    AlarmName: alarmName(config.prefix, "tokens-per-hour", seriesLabel(rule.series)),
    AlarmDescription: `More than ${rule.maxTokensPerHour} tokens (all four buckets) in an hour for ${seriesLabel(rule.series)}.`,
    Namespace: config.namespace,
    MetricName: METRIC.tokens,
    Dimensions: seriesDimensions(rule.series),
    // Hourly gauges stamped at the hour start, re-published while late data arrives.
    Statistic: "Maximum",
    Period: 3600,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    ComparisonOperator: "GreaterThanThreshold",
    Threshold: rule.maxTokensPerHour,
    TreatMissingData: "notBreaching",
  }));
}

const ANOMALY_OPERATOR = {
  above: "GreaterThanUpperThreshold",
  below: "LessThanLowerThreshold",
  both: "LessThanLowerOrGreaterThanUpperThreshold",
} as const;

function anomalyAlarms(config: AlarmsConfig): MathAlarm[] {
  return config.anomaly.map((rule) => ({
    category: "anomaly",
    AlarmName: alarmName(config.prefix, "anomaly", rule.metric, seriesLabel(rule.series)),
    AlarmDescription: `Hourly ${rule.metric} for ${seriesLabel(rule.series)} outside the expected band (${rule.bandWidth} standard deviations, ${rule.direction}).`,
    Metrics: [
      {
        Id: "m1",
        ReturnData: true,
        MetricStat: {
          Metric: {
            Namespace: config.namespace,
            MetricName: rule.metric,
            Dimensions: seriesDimensions(rule.series),
          },
          Period: 3600,
          Stat: "Maximum",
        },
      },
      {
        Id: "ad1",
        ReturnData: true,
        Label: `${rule.metric} (expected)`,
        Expression: `ANOMALY_DETECTION_BAND(m1, ${rule.bandWidth})`,
      },
    ],
    ThresholdMetricId: "ad1",
    ComparisonOperator: ANOMALY_OPERATOR[rule.direction],
    EvaluationPeriods: rule.evaluationPeriods,
    DatapointsToAlarm: rule.evaluationPeriods,
    TreatMissingData: "notBreaching",
  }));
}

function deliveryAlarms(config: AlarmsConfig): StaticAlarm[] {
  if (!config.delivery.enabled) return [];
  return config.delivery.destinations.map((destination) => ({
    category: "delivery",
    AlarmName: alarmName(config.prefix, "delivery-failure", destination),
    AlarmDescription: `Bedrock could not deliver model invocation logs (${BEDROCK_DELIVERY_FAILURE_METRICS[destination]}): usage is being lost for chargeback.`,
    Namespace: "AWS/Bedrock",
    MetricName: BEDROCK_DELIVERY_FAILURE_METRICS[destination],
    Dimensions: [],
    Statistic: "Sum",
    Period: 300,
    EvaluationPeriods: 1,
    DatapointsToAlarm: 1,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    Threshold: 1,
    TreatMissingData: "notBreaching",
  }));
}

function collectorAlarms(config: AlarmsConfig): StaticAlarm[] {
  if (!config.collector.enabled) return [];
  const { maxLagSeconds, periodSeconds, maxFailuresPerPeriod } = config.collector;
  return [
    {
      category: "collector-lag",
      AlarmName: alarmName(config.prefix, "collector", "lag"),
      AlarmDescription: `The newest ingested record is more than ${maxLagSeconds} s old, or the collector stopped publishing.`,
      Namespace: config.namespace,
      MetricName: METRIC.collectorLagSeconds,
      Dimensions: [],
      Statistic: "Minimum",
      Period: periodSeconds,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: maxLagSeconds,
      // No datapoint = no run published anything: that is lag too.
      TreatMissingData: "breaching",
    },
    {
      category: "collector-failure",
      AlarmName: alarmName(config.prefix, "collector", "failures"),
      AlarmDescription: `More than ${maxFailuresPerPeriod} failed collector run(s) in ${periodSeconds} s.`,
      Namespace: config.namespace,
      MetricName: METRIC.collectorRunFailures,
      Dimensions: [],
      Statistic: "Sum",
      Period: periodSeconds,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: maxFailuresPerPeriod,
      TreatMissingData: "notBreaching",
    },
  ];
}

/**
 * Every alarm the project owns, sorted by name; names are unique (a duplicate is a config error).
 * @example buildAlarmDefinitions(parseAlarmsConfig({}), [{ name: "acme", scope: "tenant", scopeValue: "acme", amountMicros: 500_000_000, thresholds: [80, 100] }])
 */
export function buildAlarmDefinitions(
  config: AlarmsConfig,
  budgets: readonly BudgetInput[],
): AlarmDefinition[] {
  const all: AlarmDefinition[] = [
    ...budgetAlarms(config, budgets),
    ...hourlyTokenAlarms(config),
    ...anomalyAlarms(config),
    ...deliveryAlarms(config),
    ...collectorAlarms(config),
  ];
  const seen = new Set<string>();
  for (const alarm of all) {
    if (seen.has(alarm.AlarmName))
      throw new Error(
        `two alarms would be named ${JSON.stringify(alarm.AlarmName)}: remove the duplicate rule`,
      );
    seen.add(alarm.AlarmName);
  }
  return all.sort((a, b) => (a.AlarmName < b.AlarmName ? -1 : a.AlarmName > b.AlarmName ? 1 : 0));
}

/** Alarm, OK and insufficient-data actions; the same for every owned alarm. */
export type AlarmActions = { alarmActions: string[]; okActions: string[] };

export function actionsFor(
  config: Pick<AlarmsConfig, "notifyOnOk">,
  topicArn: string | undefined,
): AlarmActions {
  const targets = topicArn === undefined ? [] : [topicArn];
  return { alarmActions: targets, okActions: config.notifyOnOk ? targets : [] };
}
