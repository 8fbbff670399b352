/** One metric value as the collector produces it; batching into PutMetricData happens later. */
export type MetricPoint = {
  name: string;
  /** Name → value; ≤ 30 entries (PutMetricData limit). Empty = no dimensions. */
  dimensions: Readonly<Record<string, string>>;
  timestamp: Date;
  value: number;
  unit: "None" | "Count" | "Seconds";
};

export type PublishResult = {
  /** PutMetricData requests sent (each a success). */
  requests: number;
  /** MetricDatum entries sent. */
  datums: number;
  /** Values sent (points). */
  values: number;
  /** Throttled attempts that were retried. */
  throttledRetries: number;
};

/** Where metrics go. The CloudWatch one is thin; tests and `--dry-run` use the in-memory one. */
export interface MetricPublisher {
  publish(points: readonly MetricPoint[]): Promise<PublishResult>;
}
