import { describe, expect, it } from "vitest";
import { alarmLogicalId, toCloudFormationTemplate } from "./cloudformation";
import { AlarmsConfigError, parseAlarmsConfig } from "./config";
import {
  alarmName,
  budgetThresholdUsd,
  buildAlarmDefinitions,
  isMathAlarm,
  type StaticAlarm,
} from "./definitions";

const budgets = [
  {
    name: "Acme",
    scope: "tenant" as const,
    scopeValue: "acme",
    amountMicros: 250_000_000n,
    thresholds: [100, 80, 80],
  },
];

describe("alarms config", () => {
  it("fills every default from an empty file", () => {
    const config = parseAlarmsConfig({});
    expect(config).toEqual({
      prefix: "bedrock-chargeback:",
      ownerTag: { key: "managed-by", value: "bedrock-chargeback" },
      namespace: "BedrockChargeback",
      notifyOnOk: false,
      budgets: { enabled: true, defaultThresholds: [80, 100] },
      hourlyTokens: [],
      anomaly: [],
      delivery: { enabled: true, destinations: ["cloudwatch", "s3", "large-data-s3"] },
      collector: { enabled: true, maxLagSeconds: 7200, periodSeconds: 3600, maxFailuresPerPeriod: 0 },
    });
  });

  it("names the bad field", () => {
    expect(() => parseAlarmsConfig({ hourlyTokens: [{ maxTokensPerHour: -1 }] })).toThrow(
      /hourlyTokens\.0\.maxTokensPerHour/,
    );
    expect(() =>
      parseAlarmsConfig({ hourlyTokens: [{ series: { scope: "tenant" }, maxTokensPerHour: 5 }] }),
    ).toThrow(/`value` is required/);
    expect(() => parseAlarmsConfig({ topicArn: "not-an-arn" })).toThrow(AlarmsConfigError);
    expect(() => parseAlarmsConfig({ unknownKey: 1 })).toThrow(/unrecognized/i);
  });
});

describe("buildAlarmDefinitions", () => {
  const config = parseAlarmsConfig({
    hourlyTokens: [
      { maxTokensPerHour: 5_000_000 },
      { series: { scope: "application", value: "chat" }, maxTokensPerHour: 1_000_000 },
    ],
    anomaly: [{ metric: "CostUSD", bandWidth: 3, direction: "both" }],
    collector: { maxLagSeconds: 3600, periodSeconds: 900 },
  });
  const defs = buildAlarmDefinitions(config, budgets);
  const byName = new Map(defs.map((d) => [d.AlarmName, d]));

  it("builds one budget alarm per distinct threshold on MonthToDateCostUSD", () => {
    const alarm = byName.get("bedrock-chargeback:budget:tenant:acme:80pct");
    expect(
      alarm && !isMathAlarm(alarm) && [alarm.MetricName, alarm.Dimensions, alarm.Threshold, alarm.Statistic],
    ).toEqual(["MonthToDateCostUSD", [{ Name: "Tenant", Value: "acme" }], 200, "Maximum"]);
    expect(defs.filter((d) => d.category === "budget")).toHaveLength(2);
  });

  it("builds hourly token, anomaly, delivery and collector alarms", () => {
    expect(defs.map((d) => d.AlarmName)).toEqual([
      "bedrock-chargeback:anomaly:CostUSD:total",
      "bedrock-chargeback:budget:tenant:acme:100pct",
      "bedrock-chargeback:budget:tenant:acme:80pct",
      "bedrock-chargeback:collector:failures",
      "bedrock-chargeback:collector:lag",
      "bedrock-chargeback:delivery-failure:cloudwatch",
      "bedrock-chargeback:delivery-failure:large-data-s3",
      "bedrock-chargeback:delivery-failure:s3",
      "bedrock-chargeback:tokens-per-hour:application:chat",
      "bedrock-chargeback:tokens-per-hour:total",
    ]);
    const tokens = byName.get("bedrock-chargeback:tokens-per-hour:application:chat") as StaticAlarm;
    expect([
      tokens.MetricName,
      tokens.Dimensions,
      tokens.Threshold,
      tokens.Period,
      tokens.ComparisonOperator,
    ]).toEqual(["Tokens", [{ Name: "Application", Value: "chat" }], 1_000_000, 3600, "GreaterThanThreshold"]);
    const anomaly = byName.get("bedrock-chargeback:anomaly:CostUSD:total");
    expect(
      anomaly &&
        isMathAlarm(anomaly) &&
        anomaly.Metrics.map((m) => m.Expression ?? m.MetricStat?.Metric.MetricName),
    ).toEqual(["CostUSD", "ANOMALY_DETECTION_BAND(m1, 3)"]);
    expect(
      anomaly && isMathAlarm(anomaly) && [anomaly.ThresholdMetricId, anomaly.ComparisonOperator],
    ).toEqual(["ad1", "LessThanLowerOrGreaterThanUpperThreshold"]);
    const s3 = byName.get("bedrock-chargeback:delivery-failure:s3") as StaticAlarm;
    expect([s3.Namespace, s3.MetricName, s3.Statistic, s3.Threshold]).toEqual([
      "AWS/Bedrock",
      "ModelInvocationLogsS3DeliveryFailure",
      "Sum",
      1,
    ]);
    const lag = byName.get("bedrock-chargeback:collector:lag") as StaticAlarm;
    expect([lag.MetricName, lag.Threshold, lag.Period, lag.TreatMissingData]).toEqual([
      "CollectorLagSeconds",
      3600,
      900,
      "breaching",
    ]);
    const failures = byName.get("bedrock-chargeback:collector:failures") as StaticAlarm;
    expect([failures.MetricName, failures.Statistic, failures.Threshold]).toEqual([
      "CollectorRunFailures",
      "Sum",
      0,
    ]);
  });

  it("rejects two rules that would produce the same alarm", () => {
    const dup = parseAlarmsConfig({ hourlyTokens: [{ maxTokensPerHour: 1 }, { maxTokensPerHour: 2 }] });
    expect(() => buildAlarmDefinitions(dup, [])).toThrow(/two alarms would be named/);
  });

  it("computes thresholds exactly and keeps long names within 255 characters", () => {
    expect(budgetThresholdUsd(1_000_001n, 80)).toBe(0.8);
    expect(budgetThresholdUsd(333_333_333, 90)).toBe(299.999999);
    expect(budgetThresholdUsd(100_000_000, 12.5)).toBe(12.5);
    const long = alarmName("bedrock-chargeback:", "budget", "tenant", "x".repeat(300), "80pct");
    expect(long).toHaveLength(255);
    expect(long).toMatch(/^bedrock-chargeback:budget:tenant:x+~[0-9a-f]{12}$/);
    expect(alarmName("bedrock-chargeback:", "budget", "tenant", "x".repeat(300), "100pct")).not.toBe(long);
  });
});

describe("toCloudFormationTemplate", () => {
  it("exports AWS::CloudWatch::Alarm resources wired to the topic parameter", () => {
    const config = parseAlarmsConfig({
      topicArn: "arn:aws:sns:us-east-1:111122223333:alerts",
      delivery: { destinations: ["s3"] },
    });
    const template = toCloudFormationTemplate(buildAlarmDefinitions(config, budgets), { config });
    expect(template.Parameters).toEqual({
      AlarmTopicArn: {
        Type: "String",
        Description: "SNS topic notified when an alarm fires",
        Default: "arn:aws:sns:us-east-1:111122223333:alerts",
      },
    });
    const resources = template.Resources as Record<
      string,
      { Type: string; Properties: Record<string, unknown> }
    >;
    expect(Object.keys(resources)).toHaveLength(5);
    const id = alarmLogicalId("bedrock-chargeback:budget:tenant:acme:80pct", config.prefix);
    expect(id).toMatch(/^AlarmBudgetTenantAcme80pct[0-9A-F]{8}$/);
    expect(resources[id]).toEqual({
      Type: "AWS::CloudWatch::Alarm",
      Properties: {
        AlarmName: "bedrock-chargeback:budget:tenant:acme:80pct",
        AlarmDescription: 'Budget "Acme": tenant acme month-to-date cost reached 80% of 250 USD (200 USD).',
        ActionsEnabled: true,
        AlarmActions: [{ Ref: "AlarmTopicArn" }],
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: "ignore",
        Tags: [{ Key: "managed-by", Value: "bedrock-chargeback-cloudformation" }],
        Namespace: "BedrockChargeback",
        MetricName: "MonthToDateCostUSD",
        Dimensions: [{ Name: "Tenant", Value: "acme" }],
        Period: 3600,
        Statistic: "Maximum",
        Threshold: 200,
      },
    });
    expect(alarmLogicalId("bedrock-chargeback:a-b", "bedrock-chargeback:")).not.toBe(
      alarmLogicalId("bedrock-chargeback:a_b", "bedrock-chargeback:"),
    );
  });
});
