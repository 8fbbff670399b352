import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import type { UsageRecord } from "./usage.js";

/**
 * Where client-side invocation metrics go. Off by default; `createCloudWatchMetricsSink` is the real
 * implementation, and tests use an in-memory one.
 */
export interface MetricsSink {
  record(usage: UsageRecord): void;
  /** Sends anything buffered. Call it on shutdown. */
  flush(): Promise<void>;
}

/** Options of the CloudWatch sink. */
export interface CloudWatchMetricsSinkOptions {
  readonly client: CloudWatchClient;
  /** Default "BedrockChargeback/Wrapper". */
  readonly namespace?: string;
  /** Flush automatically once this many invocations are buffered. Default 20 (40 data points). */
  readonly batchSize?: number;
  /** Called when PutMetricData fails; metrics never fail a Bedrock call. */
  readonly onError?: (error: unknown) => void;
}

/**
 * Publishes `Invocations` (Count) and `InvocationDuration` (Milliseconds) per call, with dimensions
 * `ModelId` and `Status`. Tenant ids are deliberately not dimensions: they have high cardinality and
 * every dimension combination is a billed custom metric (docs/aws-facts.md §6).
 *
 * @example
 * const metrics = createCloudWatchMetricsSink({ client: new CloudWatchClient({ region: "us-east-1" }) });
 * const bedrock = createChargebackClient({ region: "us-east-1", metrics });
 * process.on("beforeExit", () => metrics.flush());
 */
export function createCloudWatchMetricsSink(options: CloudWatchMetricsSinkOptions): MetricsSink {
  const namespace = options.namespace ?? "BedrockChargeback/Wrapper";
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 20, 500));
  let buffer: MetricDatum[] = [];
  let pending: Promise<void> = Promise.resolve();

  const send = (data: MetricDatum[]): Promise<void> =>
    options.client
      .send(new PutMetricDataCommand({ Namespace: namespace, MetricData: data }))
      .then(() => undefined)
      .catch((error: unknown) => options.onError?.(error));

  const flush = (): Promise<void> => {
    if (buffer.length > 0) {
      const data = buffer;
      buffer = [];
      pending = pending.then(() => send(data));
    }
    return pending;
  };

  return {
    record(usage) {
      const dimensions = [
        { Name: "ModelId", Value: usage.modelId },
        { Name: "Status", Value: usage.status },
      ];
      const timestamp = new Date(usage.startedAt);
      buffer.push(
        { MetricName: "Invocations", Dimensions: dimensions, Unit: "Count", Value: 1, Timestamp: timestamp },
        {
          MetricName: "InvocationDuration",
          Dimensions: dimensions,
          Unit: "Milliseconds",
          Value: usage.latencyMs,
          Timestamp: timestamp,
        },
      );
      if (buffer.length >= batchSize * 2) void flush();
    },
    flush,
  };
}

/**
 * An in-memory sink that keeps every record; for tests and local development.
 *
 * @example
 * const metrics = createMemoryMetricsSink(); // … later: metrics.records.length
 */
export function createMemoryMetricsSink(): MetricsSink & { readonly records: UsageRecord[] } {
  const records: UsageRecord[] = [];
  return {
    records,
    record(usage) {
      records.push(usage);
    },
    flush: () => Promise.resolve(),
  };
}
