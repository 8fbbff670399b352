/**
 * Sends metric points with PutMetricData. The client is passed in (configure its standard retry
 * strategy there, e.g. `maxAttempts`); on top of that, a request the SDK gave up on because of
 * throttling is retried here with exponential backoff and full jitter, since a collector run
 * publishing a few thousand metrics should slow down rather than lose them.
 */
import { CloudWatchClient, PutMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type BatchLimits, batchMetricPoints, PUT_METRIC_DATA_LIMITS } from "./batch";
import { DEFAULT_METRIC_NAMESPACE } from "./names";
import type { MetricPoint, MetricPublisher, PublishResult } from "./types";

export type CloudWatchPublisherOptions = {
  client: Pick<CloudWatchClient, "send">;
  namespace?: string;
  /** Attempts per request on throttling, the first included. Default 5. */
  maxThrottleAttempts?: number;
  /** First backoff, ms; doubles each attempt up to `maxDelayMs`. Default 250. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  limits?: BatchLimits;
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1); injectable for deterministic tests. */
  random?: () => number;
};

/** A request that failed; `sentRequests` went through before it (CloudWatch has no rollback). */
export class MetricPublishError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly sentRequests: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const THROTTLING_NAMES = new Set([
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
]);

function field(error: unknown, key: string): unknown {
  return typeof error === "object" && error !== null && key in error ? Reflect.get(error, key) : undefined;
}

/** Throttling as the SDK reports it: the error name, HTTP 429 or the `$retryable.throttling` flag. */
export function isThrottlingError(error: unknown): boolean {
  const name = field(error, "name");
  if (typeof name === "string" && THROTTLING_NAMES.has(name)) return true;
  const status = field(field(error, "$metadata"), "httpStatusCode");
  if (status === 429) return true;
  return field(field(error, "$retryable"), "throttling") === true;
}

function isServerError(error: unknown): boolean {
  const status = field(field(error, "$metadata"), "httpStatusCode");
  return typeof status === "number" && status >= 500;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const publisher = createCloudWatchPublisher({ client: new CloudWatchClient({ maxAttempts: 3 }) });
 * await publisher.publish([{ name: "Tokens", dimensions: {}, timestamp: hour, value: 1200, unit: "Count" }]);
 */
export function createCloudWatchPublisher(options: CloudWatchPublisherOptions): MetricPublisher {
  const namespace = options.namespace ?? DEFAULT_METRIC_NAMESPACE;
  const maxAttempts = options.maxThrottleAttempts ?? 5;
  const baseDelay = options.baseDelayMs ?? 250;
  const maxDelay = options.maxDelayMs ?? 20_000;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  return {
    async publish(points: readonly MetricPoint[]): Promise<PublishResult> {
      const batches = batchMetricPoints(points, options.limits ?? PUT_METRIC_DATA_LIMITS);
      const result: PublishResult = { requests: 0, datums: 0, values: 0, throttledRetries: 0 };
      for (const batch of batches) {
        for (let attempt = 1; ; attempt++) {
          try {
            await options.client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: batch }));
            break;
          } catch (error) {
            const throttled = isThrottlingError(error);
            if (!throttled || attempt >= maxAttempts) {
              const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
              throw new MetricPublishError(
                `PutMetricData failed after ${attempt} attempt(s) (${result.requests}/${batches.length} requests sent): ${reason}`,
                throttled || isServerError(error),
                result.requests,
                { cause: error },
              );
            }
            result.throttledRetries += 1;
            await sleep(Math.floor(random() * Math.min(maxDelay, baseDelay * 2 ** (attempt - 1))));
          }
        }
        result.requests += 1;
        result.datums += batch.length;
        for (const datum of batch) {
          result.values += datum.Counts
            ? datum.Counts.reduce((a, b) => a + b, 0)
            : (datum.Values?.length ?? 0);
        }
      }
      return result;
    },
  };
}

/**
 * The real publisher for a region/endpoint, for callers without their own AWS SDK dependency
 * (the CLI's `ingest --publish-metrics`). SDK standard retry (5 attempts) plus the throttling retry above.
 */
export function createRegionalCloudWatchPublisher(options: {
  region?: string;
  endpoint?: string;
  namespace?: string;
}): MetricPublisher {
  const client = new CloudWatchClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    maxAttempts: 5,
    retryMode: "standard",
  });
  return createCloudWatchPublisher({ client, namespace: options.namespace });
}
