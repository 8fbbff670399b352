/**
 * `chargeback collect --source logs-insights|athena`: aggregate where the logs live and replace
 * this source's rollup rows in the window; `--watch` repeats every `--interval` seconds until
 * SIGINT. Each run prints what it scanned and what that cost.
 */

import {
  AthenaSession,
  athenaApi,
  athenaSource,
  bedrockControlApi,
  type CollectorSource,
  type CollectSummary,
  collectOnce,
  createAwsClients,
  DEFAULT_ATHENA_OPTIONS,
  DEFAULT_INSIGHTS_OPTIONS,
  formatScanCost,
  InferenceProfileResolver,
  InsightsSession,
  logsInsightsApi,
  logsInsightsSource,
  systemClock,
  watch,
} from "@bedrock-chargeback/collector/sources";
import {
  createDb,
  type MetadataMapping,
  PriceBook,
  parseMetadataMapping,
  parseMicros,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { periodicBackupArgs, startBackupsFromArgs } from "../backups";
import { type Command, UsageError } from "../io";
import { metricsArgs, publishRunMetrics } from "../metrics";
import { loadProfileMap, syncPrices } from "../store";

const intArg = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const collectArgsSchema = z
  .object({
    source: z.enum(["logs-insights", "athena"]),
    db: z.string().min(1).optional(),
    prices: z.string().min(1).optional(),
    profiles: z.string().min(1).optional(),
    region: z.string().optional(),
    endpoint: z.string().url().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    lookbackHours: intArg(0, 24 * 31).default(2),
    initialHours: intArg(1, 24 * 366).default(24),
    metadataKeys: z.string().default(""),
    logGroup: z.array(z.string().min(1)).max(50).default([]),
    limit: intArg(1, 10_000).default(10_000),
    windowHours: intArg(1, 24 * 31).default(24),
    maxConcurrent: intArg(1, 100).default(4),
    insightsPricePerGb: z.string().default("0.005"),
    workgroup: z.string().min(1).default("primary"),
    outputLocation: z
      .string()
      .regex(/^s3:\/\/.+/, "expected s3://bucket/prefix/")
      .optional(),
    catalog: z.string().min(1).default("AwsDataCatalog"),
    database: z.string().min(1).default("bedrock_logs"),
    table: z.string().min(1).default("bedrock_invocation_logs"),
    partitionLagHours: intArg(0, 168).default(3),
    athenaPricePerTb: z.string().default("5"),
    watch: z.boolean().default(false),
    interval: intArg(10, 86_400).default(300),
    format: z.enum(["text", "json"]).default("text"),
    ...metricsArgs.schema,
    ...periodicBackupArgs.schema,
  })
  .superRefine((a, ctx) => {
    if (a.source === "logs-insights" && a.logGroup.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["logGroup"],
        message: "required with --source logs-insights (repeatable)",
      });
    }
    if (a.backupTo && !a.watch)
      ctx.addIssue({ code: "custom", path: ["backupTo"], message: "periodic backups need --watch" });
  });

/** `tenant=customer_id,application=app` over the default mapping (same flag as `ingest`). */
export function metadataMappingOf(spec: string): MetadataMapping {
  try {
    return parseMetadataMapping(spec);
  } catch (error) {
    throw new UsageError(`--metadata-keys: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function money(text: string, flag: string): bigint {
  try {
    return parseMicros(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function formatCollectSummary(s: CollectSummary): string {
  const lines = [
    `collect ${s.source} run ${s.runId}: ${s.window.fromHour} .. ${s.window.toHour} (facets ${s.window.fromDay} .. ${s.window.toDay})`,
    `  rows:    ${s.hourlyRows} hourly, ${s.facetRows} daily facet; ${s.records} records (requests + errors)`,
    `  scanned: ${(s.bytesScanned / 1e9).toFixed(3)} GB in ${s.queries} queries, estimated ${formatScanCost(s.scanCostPico)}`,
  ];
  for (const p of s.unresolvedProfiles)
    lines.push(`  UNRESOLVED profile ${p.arn}: ${p.reason} (add it to --profiles)`);
  return `${lines.join("\n")}\n`;
}

export const collectCommand: Command = {
  name: "collect",
  summary: "roll up usage from CloudWatch Logs Insights or Athena into the store",
  usage:
    "chargeback collect --source logs-insights --log-group <name> [--log-group …] [--limit N] [--window-hours N] [--max-concurrent N]\n" +
    "       | --source athena [--workgroup wg] [--output-location s3://…] [--database db] [--table t] [--partition-lag-hours N]\n" +
    "       [--from YYYY-MM-DD[THH:00:00Z]] [--to …] [--lookback-hours 2] [--initial-hours 24] [--metadata-keys tenant=<key>,…]\n" +
    "       [--db <file>] [--prices <file>] [--profiles <file>] [--region r] [--endpoint url]\n" +
    "       [--insights-price-per-gb 0.005] [--athena-price-per-tb 5] [--watch --interval <seconds>] [--format text|json]\n" +
    `       ${metricsArgs.usage}\n` +
    `       ${periodicBackupArgs.usage} (with --watch)`,
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        source: { type: "string" },
        db: { type: "string" },
        prices: { type: "string" },
        profiles: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        "lookback-hours": { type: "string" },
        "initial-hours": { type: "string" },
        "metadata-keys": { type: "string" },
        "log-group": { type: "string", multiple: true },
        limit: { type: "string" },
        "window-hours": { type: "string" },
        "max-concurrent": { type: "string" },
        "insights-price-per-gb": { type: "string" },
        workgroup: { type: "string" },
        "output-location": { type: "string" },
        catalog: { type: "string" },
        database: { type: "string" },
        table: { type: "string" },
        "partition-lag-hours": { type: "string" },
        "athena-price-per-tb": { type: "string" },
        watch: { type: "boolean" },
        interval: { type: "string" },
        format: { type: "string" },
        ...metricsArgs.options,
        ...periodicBackupArgs.options,
      },
      collectArgsSchema,
    );
    const region = args.region ?? io.config.region;
    if (!region) throw new UsageError("--region (or AWS_REGION) is required");
    const clients = createAwsClients({ region, endpoint: args.endpoint ?? io.config.awsEndpoint });
    const metadataKeys = metadataMappingOf(args.metadataKeys);
    const clock = { ...systemClock, now: io.now };
    const fallback = loadProfileMap(args.profiles);
    const db = createDb(args.db ?? io.config.dbPath);
    try {
      syncPrices(db, args.prices, io.now());
      const profiles = new InferenceProfileResolver({
        api: bedrockControlApi(clients.bedrock),
        db,
        ...(fallback ? { fallback } : {}),
        now: io.now,
      });
      const makeSource = (): CollectorSource =>
        args.source === "logs-insights"
          ? logsInsightsSource(
              new InsightsSession(
                logsInsightsApi(clients.logs),
                {
                  ...DEFAULT_INSIGHTS_OPTIONS,
                  logGroupNames: args.logGroup,
                  limit: args.limit,
                  maxConcurrent: args.maxConcurrent,
                  microsPerGb: money(args.insightsPricePerGb, "--insights-price-per-gb"),
                },
                clock,
              ),
              { metadataKeys, windowHours: args.windowHours },
            )
          : athenaSource(
              new AthenaSession(
                athenaApi(clients.athena),
                {
                  ...DEFAULT_ATHENA_OPTIONS,
                  workgroup: args.workgroup,
                  ...(args.outputLocation ? { outputLocation: args.outputLocation } : {}),
                  catalog: args.catalog,
                  database: args.database,
                  microsPerTb: money(args.athenaPricePerTb, "--athena-price-per-tb"),
                },
                clock,
              ),
              { table: args.table, metadataKeys, partitionLagHours: args.partitionLagHours },
            );
      let first = true;
      const once = async () => {
        let summary: Awaited<ReturnType<typeof collectOnce>>;
        try {
          summary = await collectOnce(makeSource(), {
            db,
            prices: PriceBook.load(db),
            profiles,
            clock,
            lookbackHours: args.lookbackHours,
            initialHours: args.initialHours,
            // --from/--to apply to the first run only; later --watch runs follow the checkpoint.
            ...(first
              ? { ...(args.from ? { from: args.from } : {}), ...(args.to ? { to: args.to } : {}) }
              : {}),
          });
        } catch (error) {
          await publishRunMetrics(io, db, { ...args, region }, { failed: true });
          throw error;
        }
        first = false;
        await publishRunMetrics(io, db, { ...args, region }, { failed: false });
        io.stdout(
          args.format === "json"
            ? `${JSON.stringify(summary, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}\n`
            : formatCollectSummary(summary),
        );
      };
      if (!args.watch) {
        await once();
        return 0;
      }
      const backups = await startBackupsFromArgs(io, args.db ?? io.config.dbPath, { ...args, region });
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      try {
        const result = await watch(once, {
          intervalSeconds: args.interval,
          clock,
          signal: controller.signal,
          onError: (error) =>
            io.stderr(`collect: run failed: ${error instanceof Error ? error.message : String(error)}\n`),
        });
        io.stderr(`collect: stopped after ${result.runs} runs (${result.failures} failed)\n`);
        return result.failures > 0 ? 1 : 0;
      } finally {
        process.off("SIGINT", stop);
        await backups?.stop();
      }
    } finally {
      db.$client.close();
    }
  },
};
