/**
 * An in-memory CloudWatch alarm store behind aws-sdk-client-mock: DescribeAlarms (prefix, paging),
 * PutMetricAlarm (tags on create only, as the service does), ListTagsForResource, DeleteAlarms.
 * For tests of plan/apply; not shipped in a code path.
 */
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type Tag,
} from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";

const ARN_PREFIX = "arn:aws:cloudwatch:us-east-1:111122223333:alarm:";

export type StoredAlarm = { alarm: MetricAlarm; tags: Tag[] };

export function createFakeCloudWatch(options: { pageSize?: number } = {}) {
  const mock = mockClient(CloudWatchClient);
  const alarms = new Map<string, StoredAlarm>();
  const pageSize = options.pageSize ?? 100;

  mock
    .on(DescribeAlarmsCommand)
    .callsFake((input: { AlarmNamePrefix?: string; NextToken?: string; MaxRecords?: number }) => {
      const names = [...alarms.keys()].filter((n) => n.startsWith(input.AlarmNamePrefix ?? "")).sort();
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const size = Math.min(pageSize, input.MaxRecords ?? 100);
      const page = names.slice(start, start + size);
      return {
        MetricAlarms: page.flatMap((n) => {
          const stored = alarms.get(n);
          return stored ? [structuredClone(stored.alarm)] : [];
        }),
        CompositeAlarms: [],
        ...(start + size < names.length ? { NextToken: String(start + size) } : {}),
      };
    });
  mock.on(PutMetricAlarmCommand).callsFake((input: MetricAlarm & { Tags?: Tag[] }) => {
    const name = input.AlarmName ?? "";
    const existing = alarms.get(name);
    const { Tags, ...rest } = input;
    // The service echoes empty lists for unset actions and dimensions.
    const alarm: MetricAlarm = {
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
      Dimensions: rest.Metrics ? undefined : [],
      ...structuredClone(rest),
      AlarmArn: `${ARN_PREFIX}${name}`,
      StateValue: existing?.alarm.StateValue ?? "INSUFFICIENT_DATA",
    };
    alarms.set(name, { alarm, tags: existing ? existing.tags : (Tags ?? []) });
    return {};
  });
  mock.on(ListTagsForResourceCommand).callsFake((input: { ResourceARN?: string }) => {
    const name = (input.ResourceARN ?? "").slice(ARN_PREFIX.length);
    const stored = alarms.get(name);
    if (!stored)
      throw Object.assign(new Error(`alarm ${name} not found`), { name: "ResourceNotFoundException" });
    return { Tags: structuredClone(stored.tags) };
  });
  mock.on(DeleteAlarmsCommand).callsFake((input: { AlarmNames?: string[] }) => {
    if ((input.AlarmNames ?? []).length > 100) throw new Error("DeleteAlarms takes at most 100 names");
    for (const n of input.AlarmNames ?? []) alarms.delete(n);
    return {};
  });

  return {
    mock,
    client: new CloudWatchClient({
      region: "us-east-1",
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
    }),
    alarms,
    /** Puts an alarm as someone else would have created it. */
    seed(alarm: MetricAlarm & { AlarmName: string }, tags: Tag[] = []) {
      alarms.set(alarm.AlarmName, { alarm: { ...alarm, AlarmArn: `${ARN_PREFIX}${alarm.AlarmName}` }, tags });
    },
  };
}
