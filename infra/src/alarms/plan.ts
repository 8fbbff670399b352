/**
 * `chargeback alarms plan/apply`: the difference between the definitions and what CloudWatch
 * holds, and its execution. Ownership rule: an alarm is ours only if its name starts with the
 * prefix AND it carries the owner tag (checked with ListTagsForResource). Anything else — another
 * prefix, or our prefix without the tag (e.g. hand-made, or created by the CDK stack) — is never
 * updated or deleted; a definition whose name such an alarm already uses is reported as a conflict.
 */
import {
  type CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
} from "@aws-sdk/client-cloudwatch";
import type { AlarmsConfig } from "./config";
import type { AlarmActions, AlarmDefinition } from "./definitions";
import { canonicalize, diffAlarms, toPutMetricAlarmInput } from "./normalize";

export type CloudWatchSender = Pick<CloudWatchClient, "send">;

export type AlarmPlan = {
  create: AlarmDefinition[];
  update: { definition: AlarmDefinition; changed: string[] }[];
  delete: { name: string }[];
  unchanged: string[];
  /** Alarms under our prefix without our tag: left alone. */
  foreign: string[];
  /** Definitions not applied because a foreign alarm has that name. */
  conflicts: string[];
};

export type PlanInput = {
  client: CloudWatchSender;
  config: Pick<AlarmsConfig, "prefix" | "ownerTag">;
  desired: readonly AlarmDefinition[];
  actions: AlarmActions;
};

/** Every metric alarm whose name starts with `prefix` (DescribeAlarms, all pages). */
export async function describeAlarmsByPrefix(
  client: CloudWatchSender,
  prefix: string,
): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeAlarmsCommand({
        AlarmNamePrefix: prefix,
        AlarmTypes: ["MetricAlarm"],
        MaxRecords: 100,
        NextToken: nextToken,
      }),
    );
    alarms.push(...(page.MetricAlarms ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  // The prefix filter is the service's; check it again rather than trust it with deletes.
  return alarms.filter((a) => typeof a.AlarmName === "string" && a.AlarmName.startsWith(prefix));
}

async function isOwned(
  client: CloudWatchSender,
  alarm: MetricAlarm,
  tag: AlarmsConfig["ownerTag"],
): Promise<boolean> {
  if (!alarm.AlarmArn) return false;
  const { Tags } = await client.send(new ListTagsForResourceCommand({ ResourceARN: alarm.AlarmArn }));
  return (Tags ?? []).some((t) => t.Key === tag.key && t.Value === tag.value);
}

/**
 * @example const plan = await planAlarms({ client, config, desired: buildAlarmDefinitions(config, budgets), actions });
 */
export async function planAlarms(input: PlanInput): Promise<AlarmPlan> {
  const { client, config, desired, actions } = input;
  const existing = await describeAlarmsByPrefix(client, config.prefix);
  const owned = new Map<string, MetricAlarm>();
  const foreign = new Set<string>();
  for (const alarm of existing) {
    const name = alarm.AlarmName ?? "";
    if (await isOwned(client, alarm, config.ownerTag)) owned.set(name, alarm);
    else foreign.add(name);
  }
  const plan: AlarmPlan = {
    create: [],
    update: [],
    delete: [],
    unchanged: [],
    foreign: [...foreign].sort(),
    conflicts: [],
  };
  const wanted = new Set<string>();
  for (const definition of desired) {
    wanted.add(definition.AlarmName);
    if (foreign.has(definition.AlarmName)) {
      plan.conflicts.push(definition.AlarmName);
      continue;
    }
    const current = owned.get(definition.AlarmName);
    if (!current) {
      plan.create.push(definition);
      continue;
    }
    const changed = diffAlarms(
      canonicalize(toPutMetricAlarmInput(definition, actions)),
      canonicalize(current),
    );
    if (changed.length === 0) plan.unchanged.push(definition.AlarmName);
    else plan.update.push({ definition, changed });
  }
  for (const name of [...owned.keys()].sort()) if (!wanted.has(name)) plan.delete.push({ name });
  return plan;
}

export function isEmptyPlan(plan: AlarmPlan): boolean {
  return plan.create.length === 0 && plan.update.length === 0 && plan.delete.length === 0;
}

export type ApplyResult = {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  conflicts: number;
};

/** Executes a plan made moments before: PutMetricAlarm for creates/updates, DeleteAlarms by 100. */
export async function applyAlarmPlan(
  client: CloudWatchSender,
  plan: AlarmPlan,
  options: { actions: AlarmActions; ownerTag: AlarmsConfig["ownerTag"] },
): Promise<ApplyResult> {
  const tags = [{ Key: options.ownerTag.key, Value: options.ownerTag.value }];
  for (const definition of plan.create) {
    await client.send(new PutMetricAlarmCommand(toPutMetricAlarmInput(definition, options.actions, tags)));
  }
  for (const { definition } of plan.update) {
    await client.send(new PutMetricAlarmCommand(toPutMetricAlarmInput(definition, options.actions)));
  }
  const names = plan.delete.map((d) => d.name);
  for (let i = 0; i < names.length; i += 100) {
    await client.send(new DeleteAlarmsCommand({ AlarmNames: names.slice(i, i + 100) }));
  }
  return {
    created: plan.create.length,
    updated: plan.update.length,
    deleted: names.length,
    unchanged: plan.unchanged.length,
    conflicts: plan.conflicts.length,
  };
}

/** Human-readable plan, one line per alarm (`+` create, `~` update, `-` delete, `!` conflict). */
export function formatPlan(plan: AlarmPlan): string {
  const lines = [
    ...plan.create.map((d) => `+ ${d.AlarmName}`),
    ...plan.update.map((u) => `~ ${u.definition.AlarmName} (${u.changed.join(", ")})`),
    ...plan.delete.map((d) => `- ${d.name}`),
    ...plan.conflicts.map((n) => `! ${n} (exists without the ownership tag: not touched)`),
  ];
  const summary = `${plan.create.length} to create, ${plan.update.length} to update, ${plan.delete.length} to delete, ${plan.unchanged.length} unchanged, ${plan.foreign.length} not owned (ignored), ${plan.conflicts.length} conflict(s)`;
  return `${lines.length > 0 ? `${lines.join("\n")}\n` : ""}${summary}\n`;
}
