import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { mockClient } from "aws-sdk-client-mock";
import type {} from "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { createCloudWatchPublisher, isThrottlingError, MetricPublishError } from "./cloudwatch-publisher";
import type { MetricPoint } from "./types";

const cw = mockClient(CloudWatchClient);
const at = new Date("2026-11-02T10:00:00Z");
const points = (n: number): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    name: "Tokens",
    dimensions: { Tenant: `t${i}` },
    timestamp: at,
    value: i,
    unit: "Count",
  }));

function throttle(): Error {
  return Object.assign(new Error("Rate exceeded"), {
    name: "Throttling",
    $metadata: { httpStatusCode: 400 },
  });
}

beforeEach(() => cw.reset());

describe("createCloudWatchPublisher", () => {
  it("sends 2,500 metrics as 3 PutMetricData requests in the configured namespace", async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const publisher = createCloudWatchPublisher({
      client: new CloudWatchClient({ region: "us-east-1" }),
      namespace: "Acme/Chargeback",
    });
    const result = await publisher.publish(points(2500));
    expect(result).toEqual({ requests: 3, datums: 2500, values: 2500, throttledRetries: 0 });
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 3);
    const sizes = cw.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input.MetricData?.length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(cw).toHaveReceivedNthCommandWith(PutMetricDataCommand, 1, { Namespace: "Acme/Chargeback" });
  });

  it("defaults the namespace to BedrockChargeback", async () => {
    cw.on(PutMetricDataCommand).resolves({});
    await createCloudWatchPublisher({ client: new CloudWatchClient({ region: "us-east-1" }) }).publish(
      points(1),
    );
    expect(cw).toHaveReceivedCommandWith(PutMetricDataCommand, { Namespace: "BedrockChargeback" });
  });

  it("retries a throttled request with growing backoff, then succeeds", async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves({});
    const sleeps: number[] = [];
    const publisher = createCloudWatchPublisher({
      client: new CloudWatchClient({ region: "us-east-1" }),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      baseDelayMs: 100,
    });
    const result = await publisher.publish(points(10));
    expect(result.throttledRetries).toBe(2);
    expect(result.requests).toBe(1);
    expect(sleeps).toEqual([50, 100]);
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 3);
  });

  it("gives up after maxThrottleAttempts with a retryable error naming what was sent", async () => {
    cw.on(PutMetricDataCommand).resolvesOnce({}).rejects(throttle());
    const publisher = createCloudWatchPublisher({
      client: new CloudWatchClient({ region: "us-east-1" }),
      sleep: async () => {},
      maxThrottleAttempts: 3,
    });
    const error = await publisher.publish(points(1500)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricPublishError);
    if (!(error instanceof MetricPublishError)) return;
    expect(error.retryable).toBe(true);
    expect(error.sentRequests).toBe(1);
    expect(error.message).toMatch(/after 3 attempt\(s\) \(1\/2 requests sent\)/);
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 4);
  });

  it("does not retry a validation error", async () => {
    cw.on(PutMetricDataCommand).rejects(
      Object.assign(new Error("bad"), { name: "InvalidParameterValue", $metadata: { httpStatusCode: 400 } }),
    );
    const publisher = createCloudWatchPublisher({
      client: new CloudWatchClient({ region: "us-east-1" }),
      sleep: async () => {},
    });
    const error = await publisher.publish(points(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MetricPublishError);
    expect(error instanceof MetricPublishError && error.retryable).toBe(false);
    expect(cw).toHaveReceivedCommandTimes(PutMetricDataCommand, 1);
  });

  it("recognizes throttling by name, status 429 and the SDK's $retryable flag", () => {
    expect(isThrottlingError(throttle())).toBe(true);
    expect(isThrottlingError({ name: "X", $metadata: { httpStatusCode: 429 } })).toBe(true);
    expect(isThrottlingError({ name: "X", $retryable: { throttling: true } })).toBe(true);
    expect(isThrottlingError(new Error("boom"))).toBe(false);
  });
});
