import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createCloudWatchMetricsSink } from "./metrics.js";
import type { UsageRecord } from "./usage.js";

const cloudWatchMock = mockClient(CloudWatchClient);

function usage(overrides: Partial<UsageRecord> = {}): UsageRecord {
  return {
    operation: "Converse",
    modelId: "amazon.nova-lite-v1:0",
    requestedModelId: "amazon.nova-lite-v1:0",
    status: "success",
    errorName: undefined,
    complete: true,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadInputTokens: 0,
    cacheWriteInputTokens: 0,
    tokenSource: "converse-usage",
    latencyMs: 420,
    serverLatencyMs: 400,
    requestId: "r-1",
    metadata: { tenant_id: "acme" },
    failedAttempts: [],
    startedAt: "2026-11-24T10:00:00.000Z",
    ...overrides,
  };
}

beforeEach(() => cloudWatchMock.reset());

describe("createCloudWatchMetricsSink", () => {
  it("publishes invocation count and duration by model and status on flush", async () => {
    cloudWatchMock.on(PutMetricDataCommand).resolves({});
    const sink = createCloudWatchMetricsSink({ client: new CloudWatchClient({ region: "us-east-1" }) });
    sink.record(usage());
    sink.record(usage({ status: "error", latencyMs: 80 }));
    expect(cloudWatchMock).toHaveReceivedCommandTimes(PutMetricDataCommand, 0);

    await sink.flush();

    expect(cloudWatchMock).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    const input = cloudWatchMock.commandCalls(PutMetricDataCommand)[0]?.args[0].input;
    expect(input?.Namespace).toBe("BedrockChargeback/Wrapper");
    expect(input?.MetricData?.map((d) => [d.MetricName, d.Value, d.Unit, d.Dimensions?.[1]?.Value])).toEqual([
      ["Invocations", 1, "Count", "success"],
      ["InvocationDuration", 420, "Milliseconds", "success"],
      ["Invocations", 1, "Count", "error"],
      ["InvocationDuration", 80, "Milliseconds", "error"],
    ]);
    expect(input?.MetricData?.[0]?.Dimensions).toEqual([
      { Name: "ModelId", Value: "amazon.nova-lite-v1:0" },
      { Name: "Status", Value: "success" },
    ]);
    // Tenants are high-cardinality: never a metric dimension.
    expect(JSON.stringify(input)).not.toContain("acme");
  });

  it("flushes automatically at the batch size and reports failures without throwing", async () => {
    cloudWatchMock.on(PutMetricDataCommand).rejects(new Error("denied"));
    const errors: unknown[] = [];
    const sink = createCloudWatchMetricsSink({
      client: new CloudWatchClient({ region: "us-east-1" }),
      namespace: "Custom/NS",
      batchSize: 2,
      onError: (error) => errors.push(error),
    });
    sink.record(usage());
    sink.record(usage());
    await sink.flush();
    expect(cloudWatchMock).toHaveReceivedCommandWith(PutMetricDataCommand, { Namespace: "Custom/NS" });
    expect(cloudWatchMock).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
    expect(errors).toHaveLength(1);
  });
});
