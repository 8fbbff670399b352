/**
 * `--publish-metrics` for ingest and collect: after each run, publish the rollup metrics, the
 * collector lag and the run outcome to CloudWatch (the alarms in infra/ read them). Best effort:
 * a publishing failure is reported on stderr and never fails or undoes the run.
 */
import { type Db, PriceBook } from "@bedrock-chargeback/ledger";
import { z } from "zod";
import type { Io } from "./io";

/** The flags, shared by the commands that take them. */
export const metricsArgs = {
  schema: {
    publishMetrics: z.boolean().default(false),
    metricsDryRun: z.boolean().default(false),
    metricsNamespace: z.string().min(1).max(255).optional(),
  },
  options: {
    "publish-metrics": { type: "boolean" },
    "metrics-dry-run": { type: "boolean" },
    "metrics-namespace": { type: "string" },
  },
  usage: "[--publish-metrics [--metrics-namespace BedrockChargeback] [--metrics-dry-run]]",
} as const;

export type MetricsArgs = {
  publishMetrics: boolean;
  metricsDryRun: boolean;
  metricsNamespace?: string | undefined;
};

export async function publishRunMetrics(
  io: Io,
  db: Db,
  args: MetricsArgs & { region?: string | undefined; endpoint?: string | undefined },
  run: { failed: boolean },
): Promise<void> {
  if (!args.publishMetrics && !args.metricsDryRun) return;
  // Loaded only when asked for: the CloudWatch SDK stays out of every other run.
  const metrics = await import("@bedrock-chargeback/collector/metrics");
  const input = { db, prices: PriceBook.load(db), now: io.now(), run };
  try {
    if (args.metricsDryRun) {
      const points = metrics.collectIngestMetrics(input);
      io.stderr(
        `metrics (dry run): would publish ${points.length} values to ${args.metricsNamespace ?? metrics.DEFAULT_METRIC_NAMESPACE}\n`,
      );
      for (const p of points) io.stderr(`  ${JSON.stringify(p)}\n`);
      return;
    }
    const publisher = metrics.createRegionalCloudWatchPublisher({
      region: args.region ?? io.config.region,
      endpoint: args.endpoint ?? io.config.awsEndpoint,
      namespace: args.metricsNamespace,
    });
    const result = await metrics.publishIngestMetrics({ ...input, publisher });
    io.stderr(`metrics: published ${result.values} values in ${result.requests} PutMetricData requests\n`);
  } catch (error) {
    io.stderr(`warning: metrics not published: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
