import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import type {} from "aws-sdk-client-mock-vitest/extend";
import { afterEach, describe, expect, it } from "vitest";
import { parseAlarmsConfig } from "./config";
import { actionsFor, type BudgetInput, buildAlarmDefinitions } from "./definitions";
import { createFakeCloudWatch } from "./fake-cloudwatch";
import { applyAlarmPlan, formatPlan, isEmptyPlan, planAlarms } from "./plan";

const TOPIC = "arn:aws:sns:us-east-1:111122223333:chargeback-alarms";
const config = parseAlarmsConfig({
  topicArn: TOPIC,
  delivery: { enabled: false },
  collector: { enabled: false },
});
const actions = actionsFor(config, config.topicArn);
const acme: BudgetInput = {
  name: "Acme",
  scope: "tenant",
  scopeValue: "acme",
  amountMicros: 500_000_000,
  thresholds: [80, 100],
};
const chat: BudgetInput = {
  name: "Chat app",
  scope: "application",
  scopeValue: "chat",
  amountMicros: 1_000_000_000,
  thresholds: [],
};

let fake = createFakeCloudWatch();
afterEach(() => {
  fake.mock.restore();
  fake = createFakeCloudWatch();
});

async function apply(budgets: BudgetInput[], cfg = config) {
  const desired = buildAlarmDefinitions(cfg, budgets);
  const plan = await planAlarms({ client: fake.client, config: cfg, desired, actions });
  const result = await applyAlarmPlan(fake.client, plan, { actions, ownerTag: cfg.ownerTag });
  return { plan, result };
}

describe("plan and apply", () => {
  it("creates every alarm with the owner tag, then is a no-op on the second run", async () => {
    const first = await apply([acme, chat]);
    expect(first.plan.create.map((d) => d.AlarmName)).toEqual([
      "bedrock-chargeback:budget:application:chat:100pct",
      "bedrock-chargeback:budget:application:chat:80pct",
      "bedrock-chargeback:budget:tenant:acme:100pct",
      "bedrock-chargeback:budget:tenant:acme:80pct",
    ]);
    expect(first.result).toEqual({ created: 4, updated: 0, deleted: 0, unchanged: 0, conflicts: 0 });
    expect(fake.mock).toHaveReceivedCommandWith(PutMetricAlarmCommand, {
      AlarmName: "bedrock-chargeback:budget:tenant:acme:80pct",
      Namespace: "BedrockChargeback",
      MetricName: "MonthToDateCostUSD",
      Dimensions: [{ Name: "Tenant", Value: "acme" }],
      Statistic: "Maximum",
      Threshold: 400,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      AlarmActions: [TOPIC],
      Tags: [{ Key: "managed-by", Value: "bedrock-chargeback" }],
    });
    expect(fake.alarms.get("bedrock-chargeback:budget:application:chat:80pct")?.alarm.Threshold).toBe(800);

    fake.mock.resetHistory();
    const second = await apply([acme, chat]);
    expect(isEmptyPlan(second.plan)).toBe(true);
    expect(second.plan.unchanged).toHaveLength(4);
    expect(fake.mock).toHaveReceivedCommandTimes(PutMetricAlarmCommand, 0);
    expect(fake.mock).toHaveReceivedCommandTimes(DeleteAlarmsCommand, 0);
    expect(formatPlan(second.plan)).toBe(
      "0 to create, 0 to update, 0 to delete, 4 unchanged, 0 not owned (ignored), 0 conflict(s)\n",
    );
  });

  it("updates a changed alarm in place, naming the changed fields, without re-sending tags", async () => {
    await apply([acme]);
    fake.mock.resetHistory();
    const { plan, result } = await apply([{ ...acme, amountMicros: 600_000_000 }]);
    expect(plan.update.map((u) => [u.definition.AlarmName, u.changed])).toEqual([
      ["bedrock-chargeback:budget:tenant:acme:100pct", ["AlarmDescription", "Threshold"]],
      ["bedrock-chargeback:budget:tenant:acme:80pct", ["AlarmDescription", "Threshold"]],
    ]);
    expect(result.updated).toBe(2);
    expect(fake.alarms.get("bedrock-chargeback:budget:tenant:acme:80pct")?.alarm.Threshold).toBe(480);
    const puts = fake.mock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input);
    expect(puts.every((p) => p.Tags === undefined)).toBe(true);
    expect(formatPlan(plan)).toContain(
      "~ bedrock-chargeback:budget:tenant:acme:80pct (AlarmDescription, Threshold)",
    );
  });

  it("deletes owned alarms whose definition is gone", async () => {
    await apply([acme, chat]);
    fake.mock.resetHistory();
    const { plan, result } = await apply([chat]);
    expect(plan.delete.map((d) => d.name)).toEqual([
      "bedrock-chargeback:budget:tenant:acme:100pct",
      "bedrock-chargeback:budget:tenant:acme:80pct",
    ]);
    expect(result).toEqual({ created: 0, updated: 0, deleted: 2, unchanged: 2, conflicts: 0 });
    expect(fake.mock).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: [
        "bedrock-chargeback:budget:tenant:acme:100pct",
        "bedrock-chargeback:budget:tenant:acme:80pct",
      ],
    });
    expect([...fake.alarms.keys()].sort()).toEqual([
      "bedrock-chargeback:budget:application:chat:100pct",
      "bedrock-chargeback:budget:application:chat:80pct",
    ]);
  });

  it("never touches foreign alarms: other prefix, missing tag, or another owner's tag value", async () => {
    const foreignBase = {
      Namespace: "Other",
      MetricName: "X",
      Statistic: "Sum" as const,
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: "GreaterThanThreshold" as const,
    };
    fake.seed({ ...foreignBase, AlarmName: "team-x:budget" }, [
      { Key: "managed-by", Value: "bedrock-chargeback" },
    ]);
    fake.seed({ ...foreignBase, AlarmName: "bedrock-chargeback:hand-made" });
    fake.seed({ ...foreignBase, AlarmName: "bedrock-chargeback:from-cfn" }, [
      { Key: "managed-by", Value: "bedrock-chargeback-cloudformation" },
    ]);
    // Same name as a definition, but not ours: a conflict, left as it is.
    fake.seed({ ...foreignBase, AlarmName: "bedrock-chargeback:budget:tenant:acme:80pct" });

    const { plan, result } = await apply([acme]);
    expect(plan.foreign).toEqual([
      "bedrock-chargeback:budget:tenant:acme:80pct",
      "bedrock-chargeback:from-cfn",
      "bedrock-chargeback:hand-made",
    ]);
    expect(plan.conflicts).toEqual(["bedrock-chargeback:budget:tenant:acme:80pct"]);
    expect(plan.create.map((d) => d.AlarmName)).toEqual(["bedrock-chargeback:budget:tenant:acme:100pct"]);
    expect(plan.delete).toEqual([]);
    expect(result.conflicts).toBe(1);
    const touched = fake.mock.commandCalls(PutMetricAlarmCommand).map((c) => c.args[0].input.AlarmName);
    expect(touched).toEqual(["bedrock-chargeback:budget:tenant:acme:100pct"]);
    expect(fake.mock).toHaveReceivedCommandTimes(DeleteAlarmsCommand, 0);
    expect(fake.alarms.get("bedrock-chargeback:budget:tenant:acme:80pct")?.alarm.Namespace).toBe("Other");
    // Ownership was checked on every prefixed alarm, never on the other prefix.
    const checked = fake.mock
      .commandCalls(ListTagsForResourceCommand)
      .map((c) => c.args[0].input.ResourceARN);
    expect(checked.some((arn) => arn?.endsWith(":team-x:budget"))).toBe(false);
    expect(checked).toHaveLength(3);
    expect(formatPlan(plan)).toContain(
      "! bedrock-chargeback:budget:tenant:acme:80pct (exists without the ownership tag: not touched)",
    );

    // Removing every budget deletes only what we own.
    fake.mock.resetHistory();
    await apply([]);
    expect(fake.mock).toHaveReceivedCommandWith(DeleteAlarmsCommand, {
      AlarmNames: ["bedrock-chargeback:budget:tenant:acme:100pct"],
    });
    expect([...fake.alarms.keys()].sort()).toEqual([
      "bedrock-chargeback:budget:tenant:acme:80pct",
      "bedrock-chargeback:from-cfn",
      "bedrock-chargeback:hand-made",
      "team-x:budget",
    ]);
  });

  it("pages DescribeAlarms and deletes in batches of 100", async () => {
    fake.mock.restore();
    fake = createFakeCloudWatch({ pageSize: 40 });
    const budgets: BudgetInput[] = Array.from({ length: 125 }, (_, i) => ({
      name: `t${i}`,
      scope: "tenant",
      scopeValue: `t${String(i).padStart(3, "0")}`,
      amountMicros: 1_000_000,
      thresholds: [50, 100],
    }));
    await apply(budgets);
    expect(fake.alarms.size).toBe(250);
    fake.mock.resetHistory();
    const { result } = await apply([]);
    expect(result.deleted).toBe(250);
    expect(fake.mock).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 7);
    expect(
      fake.mock.commandCalls(DeleteAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length),
    ).toEqual([100, 100, 50]);
    expect(fake.alarms.size).toBe(0);
  });

  it("compares normalized definitions: defaults and dimension order do not count as changes", async () => {
    const cfg = parseAlarmsConfig({
      topicArn: TOPIC,
      anomaly: [{ metric: "Tokens", series: { scope: "application", value: "chat" } }],
    });
    await apply([acme], cfg);
    for (const stored of fake.alarms.values()) {
      delete stored.alarm.DatapointsToAlarm;
      stored.alarm.AlarmActions = [...(stored.alarm.AlarmActions ?? [])].reverse();
      stored.alarm.Metrics = stored.alarm.Metrics?.map(({ ReturnData, ...q }) =>
        q.Id === "m1" ? q : { ReturnData, ...q },
      );
    }
    const { plan } = await apply([acme], cfg);
    expect(plan.update).toEqual([]);
    expect(plan.unchanged).toContain("bedrock-chargeback:anomaly:Tokens:application:chat");
  });
});
