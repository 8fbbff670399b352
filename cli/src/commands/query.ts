/**
 * `chargeback query <name>`: the console collection (and the collector's own rollup queries and
 * the Athena DDL) — printed with --print for pasting into the console, or run against Logs
 * Insights / Athena with the rows printed. Never truncates silently.
 */

import {
  AthenaSession,
  athenaApi,
  createAwsClients,
  DEFAULT_ATHENA_OPTIONS,
  DEFAULT_INSIGHTS_OPTIONS,
  formatScanCost,
  InsightsSession,
  logsInsightsApi,
  systemClock,
} from "@bedrock-chargeback/collector/sources";
import { parseTimeBound } from "@bedrock-chargeback/ledger";
import {
  athenaRecords,
  buildAthenaDdl,
  buildAthenaFacetSql,
  buildAthenaRollupSql,
  buildConsoleQuery,
  buildInsightsFacetQuery,
  buildInsightsRollupQuery,
  CONSOLE_QUERIES,
  type Engine,
  toInsightsRecords,
} from "@bedrock-chargeback/queries";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { metadataMappingOf } from "./collect";

const HOUR_MS = 3_600_000;

const argsSchema = z.object({
  engine: z.enum(["logs-insights", "athena"]).optional(),
  print: z.boolean().default(false),
  list: z.boolean().default(false),
  from: z.string().optional(),
  to: z.string().optional(),
  top: z.coerce.number().int().min(1).max(10_000).optional(),
  minInputTokens: z.coerce.number().int().min(0).optional(),
  bucketSize: z.coerce.number().int().min(1).optional(),
  experimentKey: z.string().optional(),
  variantKey: z.string().optional(),
  application: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  environment: z.string().min(1).optional(),
  costCenter: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  metadataKeys: z.string().default(""),
  logGroup: z.array(z.string().min(1)).max(50).default([]),
  limit: z.coerce.number().int().min(1).max(10_000).default(10_000),
  workgroup: z.string().min(1).default("primary"),
  outputLocation: z.string().optional(),
  catalog: z.string().min(1).default("AwsDataCatalog"),
  database: z.string().min(1).default("bedrock_logs"),
  table: z.string().min(1).default("bedrock_invocation_logs"),
  bucket: z.string().optional(),
  keyPrefix: z.string().optional(),
  account: z.string().optional(),
  region: z.string().optional(),
  endpoint: z.string().url().optional(),
  format: z.enum(["table", "json"]).default("table"),
});
type Args = z.infer<typeof argsSchema>;

/** `YYYY-MM-DD` or an hour → `YYYY-MM-DDTHH:00:00Z`. */
function hourOf(value: string, flag: string): string {
  const parsed = parseTimeBound(value);
  if (!parsed.ok) throw new UsageError(`${flag} ${JSON.stringify(value)}: ${parsed.message}`);
  return value.length === 10 ? `${value}T00:00:00Z` : value;
}

function windowOf(args: Args, now: Date): { from: string; to: string } {
  const nextHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS;
  const to = args.to ? hourOf(args.to, "--to") : new Date(nextHour).toISOString().replace(".000", "");
  const from = args.from
    ? hourOf(args.from, "--from")
    : new Date(Date.parse(to) - 24 * HOUR_MS).toISOString().replace(".000", "");
  if (from >= to) throw new UsageError("--from must be before --to");
  return { from, to };
}

/** The collector's own queries and the DDL, printable by name. */
function builtIn(
  name: string,
  engine: Engine,
  args: Args,
  window: { from: string; to: string },
): string | undefined {
  const metadataKeys = metadataMappingOf(args.metadataKeys);
  const athena = {
    database: args.database,
    table: args.table,
    from: window.from,
    to: window.to,
    metadataKeys,
  };
  if (name === "athena-ddl") {
    if (!args.bucket || !args.account || !args.region)
      throw new UsageError("athena-ddl needs --bucket, --account and --region");
    return buildAthenaDdl({
      database: args.database,
      table: args.table,
      bucket: args.bucket,
      keyPrefix: args.keyPrefix ?? "",
      accountId: args.account,
      region: args.region,
    });
  }
  if (name === "rollup")
    return engine === "athena" ? buildAthenaRollupSql(athena) : buildInsightsRollupQuery({ metadataKeys });
  if (name === "rollup-facets")
    return engine === "athena" ? buildAthenaFacetSql(athena) : buildInsightsFacetQuery({ metadataKeys });
  return undefined;
}

function formatRows(
  rows: Record<string, string | null>[],
  columns: readonly string[],
  format: "table" | "json",
): string {
  if (format === "json") return `${JSON.stringify(rows, null, 2)}\n`;
  const cells = [columns.map(String), ...rows.map((r) => columns.map((c) => r[c] ?? "(null)"))];
  const widths = columns.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  return `${cells
    .map((row) =>
      row
        .map((v, i) => v.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

export const queryCommand: Command = {
  name: "query",
  summary: "print or run a console query (Logs Insights / Athena), the rollup queries or the Athena DDL",
  usage:
    "chargeback query --list | chargeback query <name> [--engine logs-insights|athena] [--print]\n" +
    "       [--from YYYY-MM-DD[THH:00:00Z]] [--to …] [--top N] [--min-input-tokens N] [--bucket-size N] [--experiment-key k] [--variant-key k]\n" +
    "       [--application a] [--tenant t] [--environment e] [--cost-center c] [--model id] (filters: application-detail, filtered-breakdown)\n" +
    "       [--log-group <name> …] [--limit N] | [--workgroup wg] [--output-location s3://…] [--database db] [--table t]\n" +
    "       [--metadata-keys tenant=<key>,…] [--region r] [--endpoint url] [--format table|json]\n" +
    "       names: the console collection (--list), rollup, rollup-facets, athena-ddl (--bucket --account --region [--key-prefix])",
  async run(argv, io) {
    const [first, ...rest] = argv;
    const name = first && !first.startsWith("-") ? first : undefined;
    const args = parseCommandArgs(
      name ? rest : argv,
      {
        engine: { type: "string" },
        print: { type: "boolean" },
        list: { type: "boolean" },
        from: { type: "string" },
        to: { type: "string" },
        top: { type: "string" },
        "min-input-tokens": { type: "string" },
        "bucket-size": { type: "string" },
        "experiment-key": { type: "string" },
        "variant-key": { type: "string" },
        application: { type: "string" },
        tenant: { type: "string" },
        environment: { type: "string" },
        "cost-center": { type: "string" },
        model: { type: "string" },
        "metadata-keys": { type: "string" },
        "log-group": { type: "string", multiple: true },
        limit: { type: "string" },
        workgroup: { type: "string" },
        "output-location": { type: "string" },
        catalog: { type: "string" },
        database: { type: "string" },
        table: { type: "string" },
        bucket: { type: "string" },
        "key-prefix": { type: "string" },
        account: { type: "string" },
        region: { type: "string" },
        endpoint: { type: "string" },
        format: { type: "string" },
      },
      argsSchema,
    );
    if (args.list || !name) {
      const lines = CONSOLE_QUERIES.map((q) => {
        const engines = (["logs-insights", "athena"] as const).filter((e) => q[e]).join(", ");
        return `${q.name.padEnd(30)} ${q.title} [${engines}]\n${" ".repeat(31)}${q.description}`;
      });
      io.stdout(
        `${lines.join("\n")}\n${"rollup, rollup-facets".padEnd(30)} the collector's own rollup queries\n${"athena-ddl".padEnd(30)} CREATE EXTERNAL TABLE for the S3 logs\n`,
      );
      return name || args.list ? 0 : 2;
    }
    const listed = CONSOLE_QUERIES.find((q) => q.name === name);
    const engine: Engine =
      args.engine ??
      (listed && !listed["logs-insights"] ? "athena" : name === "athena-ddl" ? "athena" : "logs-insights");
    const window = windowOf(args, io.now());
    let text: string;
    let columns: readonly string[] = [];
    const special = builtIn(name, engine, args, window);
    if (special !== undefined) {
      if (!args.print)
        throw new UsageError(`${name} is printed, not run: add --print (collect runs the rollup)`);
      text = special;
    } else {
      try {
        const built = buildConsoleQuery(name, engine, {
          metadataKeys: metadataMappingOf(args.metadataKeys),
          database: args.database,
          table: args.table,
          from: window.from,
          to: window.to,
          ...(args.top === undefined ? {} : { top: args.top }),
          ...(args.minInputTokens === undefined ? {} : { minInputTokens: args.minInputTokens }),
          ...(args.bucketSize === undefined ? {} : { bucketSize: args.bucketSize }),
          ...(args.experimentKey === undefined ? {} : { experimentKey: args.experimentKey }),
          ...(args.variantKey === undefined ? {} : { variantKey: args.variantKey }),
          ...(args.application === undefined ? {} : { application: args.application }),
          ...(args.tenant === undefined ? {} : { tenant: args.tenant }),
          ...(args.environment === undefined ? {} : { environment: args.environment }),
          ...(args.costCenter === undefined ? {} : { costCenter: args.costCenter }),
          ...(args.model === undefined ? {} : { model: args.model }),
        });
        text = built.text;
        columns = built.columns;
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    }
    if (args.print) {
      io.stdout(`${text}\n`);
      return 0;
    }
    const region = args.region ?? io.config.region;
    if (!region) throw new UsageError("--region (or AWS_REGION) is required to run a query");
    const clients = createAwsClients({ region, endpoint: args.endpoint ?? io.config.awsEndpoint });
    const clock = { ...systemClock, now: io.now };
    let rows: Record<string, string | null>[];
    if (engine === "logs-insights") {
      if (args.logGroup.length === 0)
        throw new UsageError("--log-group is required with --engine logs-insights");
      const session = new InsightsSession(
        logsInsightsApi(clients.logs),
        { ...DEFAULT_INSIGHTS_OPTIONS, logGroupNames: args.logGroup, limit: args.limit },
        clock,
      );
      const run = await session.run(text, { startMs: Date.parse(window.from), endMs: Date.parse(window.to) });
      if (run.results.length >= args.limit) {
        io.stderr(
          `error: the query returned ${run.results.length} rows, the limit: results are truncated; narrow --from/--to or raise --limit\n`,
        );
        return 1;
      }
      rows = toInsightsRecords(run.results, columns);
      io.stderr(
        `query: scanned ${(session.bytesScanned / 1e9).toFixed(3)} GB, estimated ${formatScanCost(session.scanCostPico)}\n`,
      );
    } else {
      const session = new AthenaSession(
        athenaApi(clients.athena),
        {
          ...DEFAULT_ATHENA_OPTIONS,
          workgroup: args.workgroup,
          catalog: args.catalog,
          database: args.database,
          ...(args.outputLocation ? { outputLocation: args.outputLocation } : {}),
        },
        clock,
      );
      const run = await session.run(text, name);
      rows = athenaRecords(run.pages, columns);
      io.stderr(
        `query: scanned ${(session.bytesScanned / 1e6).toFixed(1)} MB, estimated ${formatScanCost(session.scanCostPico)}\n`,
      );
    }
    io.stdout(formatRows(rows, columns, args.format));
    return 0;
  },
};
