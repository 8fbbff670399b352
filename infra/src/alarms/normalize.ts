/**
 * Definitions ↔ CloudWatch's MetricAlarm, in one canonical shape so "equal" means equal: defaults
 * filled in (DatapointsToAlarm = EvaluationPeriods, TreatMissingData = missing, ActionsEnabled,
 * ReturnData = true), dimensions and actions sorted, absent fields dropped.
 */
import type { MetricAlarm, MetricDataQuery, PutMetricAlarmInput, Tag } from "@aws-sdk/client-cloudwatch";
import { type AlarmActions, type AlarmDefinition, type AlarmDimension, isMathAlarm } from "./definitions";

export type CanonicalAlarm = Record<string, unknown>;

const byName = (a: AlarmDimension, b: AlarmDimension) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0);

function dims(list: readonly { Name?: string; Value?: string }[] | undefined): AlarmDimension[] {
  return (list ?? []).map((d) => ({ Name: d.Name ?? "", Value: d.Value ?? "" })).sort(byName);
}

function sorted(list: readonly string[] | undefined): string[] {
  return [...(list ?? [])].sort();
}

function canonicalQuery(q: MetricDataQuery): Record<string, unknown> {
  const stat = q.MetricStat;
  return prune({
    Id: q.Id,
    ReturnData: q.ReturnData ?? true,
    Label: q.Label,
    Expression: q.Expression,
    Period: q.Period,
    AccountId: q.AccountId,
    MetricStat: stat
      ? prune({
          Metric: prune({
            Namespace: stat.Metric?.Namespace,
            MetricName: stat.Metric?.MetricName,
            Dimensions: dims(stat.Metric?.Dimensions),
          }),
          Period: stat.Period,
          Stat: stat.Stat,
          Unit: stat.Unit,
        })
      : undefined,
  });
}

function prune(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/** The canonical form of anything PutMetricAlarm accepts or DescribeAlarms returns. */
export function canonicalize(alarm: MetricAlarm | PutMetricAlarmInput): CanonicalAlarm {
  const evaluationPeriods = alarm.EvaluationPeriods;
  const isMath = alarm.Metrics !== undefined && alarm.Metrics.length > 0;
  return prune({
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? "",
    ActionsEnabled: alarm.ActionsEnabled ?? true,
    AlarmActions: sorted(alarm.AlarmActions),
    OKActions: sorted(alarm.OKActions),
    InsufficientDataActions: sorted(alarm.InsufficientDataActions),
    ComparisonOperator: alarm.ComparisonOperator,
    EvaluationPeriods: evaluationPeriods,
    DatapointsToAlarm: alarm.DatapointsToAlarm ?? evaluationPeriods,
    TreatMissingData: alarm.TreatMissingData ?? "missing",
    EvaluateLowSampleCountPercentile: alarm.EvaluateLowSampleCountPercentile,
    Threshold: alarm.Threshold,
    ThresholdMetricId: alarm.ThresholdMetricId,
    Namespace: isMath ? undefined : alarm.Namespace,
    MetricName: isMath ? undefined : alarm.MetricName,
    Dimensions: isMath ? undefined : dims(alarm.Dimensions),
    Period: isMath ? undefined : alarm.Period,
    Statistic: isMath ? undefined : alarm.Statistic,
    ExtendedStatistic: alarm.ExtendedStatistic,
    Unit: alarm.Unit,
    Metrics: isMath ? alarm.Metrics?.map(canonicalQuery) : undefined,
  });
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Top-level fields that differ (empty = equal). */
export function diffAlarms(desired: CanonicalAlarm, actual: CanonicalAlarm): string[] {
  const keys = [...new Set([...Object.keys(desired), ...Object.keys(actual)])].sort();
  return keys.filter((k) => stable(desired[k]) !== stable(actual[k]));
}

/** The PutMetricAlarm request for a definition. Tags only take effect when the alarm is created. */
export function toPutMetricAlarmInput(
  def: AlarmDefinition,
  actions: AlarmActions,
  tags: Tag[] = [],
): PutMetricAlarmInput {
  const common: PutMetricAlarmInput = {
    AlarmName: def.AlarmName,
    AlarmDescription: def.AlarmDescription,
    ActionsEnabled: true,
    AlarmActions: actions.alarmActions,
    OKActions: actions.okActions,
    ComparisonOperator: def.ComparisonOperator,
    EvaluationPeriods: def.EvaluationPeriods,
    DatapointsToAlarm: def.DatapointsToAlarm,
    TreatMissingData: def.TreatMissingData,
    ...(tags.length > 0 ? { Tags: tags } : {}),
  };
  if (isMathAlarm(def)) {
    return {
      ...common,
      ThresholdMetricId: def.ThresholdMetricId,
      Metrics: def.Metrics.map((q) => ({
        Id: q.Id,
        ReturnData: q.ReturnData,
        ...(q.Label !== undefined ? { Label: q.Label } : {}),
        ...(q.Expression !== undefined ? { Expression: q.Expression } : {}),
        ...(q.MetricStat !== undefined ? { MetricStat: q.MetricStat } : {}),
      })),
    };
  }
  return {
    ...common,
    Namespace: def.Namespace,
    MetricName: def.MetricName,
    Dimensions: def.Dimensions,
    Period: def.Period,
    Statistic: def.Statistic,
    Threshold: def.Threshold,
  };
}
