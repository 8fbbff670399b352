/** Keeps published points in memory: for tests, `--dry-run` and the offline demo. */
import { batchMetricPoints } from "./batch";
import type { MetricPoint, MetricPublisher, PublishResult } from "./types";

export type MemoryPublisher = MetricPublisher & { readonly points: MetricPoint[] };

export function createMemoryPublisher(): MemoryPublisher {
  const points: MetricPoint[] = [];
  return {
    points,
    async publish(batch: readonly MetricPoint[]): Promise<PublishResult> {
      const requests = batchMetricPoints(batch);
      points.push(...batch);
      return {
        requests: requests.length,
        datums: requests.reduce((n, r) => n + r.length, 0),
        values: batch.length,
        throttledRetries: 0,
      };
    },
  };
}
