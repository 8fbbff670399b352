import {
  createDirSource,
  createS3Client,
  createS3Source,
  type IngestSummary,
  ingestObjects,
  type ObjectSource,
} from "@bedrock-chargeback/collector";
import {
  createDb,
  type MetadataMapping,
  PriceBook,
  parseMetadataMapping,
  type ReresolveResult,
  reresolveProfiles,
  storedProfileMappings,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { metricsArgs, publishRunMetrics } from "../metrics";
import { loadProfileMap, syncPrices } from "../store";

const argsSchema = z
  .object({
    source: z.enum(["dir", "s3"]).default("dir"),
    path: z.string().min(1).optional(),
    bucket: z.string().min(1).optional(),
    prefix: z.string().default(""),
    endpoint: z.string().url().optional(),
    region: z.string().optional(),
    db: z.string().min(1).optional(),
    prices: z.string().min(1).optional(),
    profiles: z.string().min(1).optional(),
    profileLookup: z.enum(["auto", "api", "off"]).default("auto"),
    batchRecords: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    threads: z.coerce.number().int().min(1).max(64).optional(),
    dedupeWindowHours: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 366)
      .default(168),
    metadataKeys: z.string().default(""),
    readAttempts: z.coerce.number().int().min(1).max(20).default(4),
    retryDelayMs: z.coerce.number().int().min(0).max(60_000).default(250),
    progress: z.boolean().default(false),
    format: z.enum(["text", "json"]).default("text"),
    ...metricsArgs.schema,
  })
  .superRefine((a, ctx) => {
    if (a.source === "dir" && !a.path)
      ctx.addIssue({ code: "custom", path: ["path"], message: "required with --source dir" });
    if (a.source === "s3" && !a.bucket)
      ctx.addIssue({ code: "custom", path: ["bucket"], message: "required with --source s3" });
  });

export const ingestCommand: Command = {
  name: "ingest",
  summary: "read Bedrock invocation log objects (folder or S3) into the store, exactly once",
  usage:
    "chargeback ingest --source dir --path <folder> [--db <file>] | --source s3 --bucket <b> [--prefix <p>] [--endpoint <url>] [--region <r>]\n" +
    "       [--prices <file>] [--profiles <file>] [--profile-lookup auto|api|off] [--metadata-keys tenant=customer_id,…] [--batch-records N] [--threads N] [--dedupe-window-hours N] [--progress] [--format text|json]\n" +
    "       [--read-attempts N (4)] [--retry-delay-ms N (250; the n-th retry waits up to N·2^(n-1) ms, at most 5 s)]\n" +
    "       exit: 0 ok, 1 failed or incomplete (objects left unread or listing incomplete: run again), 3 some input quarantined\n" +
    `       ${metricsArgs.usage}`,
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        source: { type: "string" },
        path: { type: "string" },
        bucket: { type: "string" },
        prefix: { type: "string" },
        endpoint: { type: "string" },
        region: { type: "string" },
        db: { type: "string" },
        prices: { type: "string" },
        profiles: { type: "string" },
        "profile-lookup": { type: "string" },
        "batch-records": { type: "string" },
        threads: { type: "string" },
        "dedupe-window-hours": { type: "string" },
        "metadata-keys": { type: "string" },
        "read-attempts": { type: "string" },
        "retry-delay-ms": { type: "string" },
        progress: { type: "boolean" },
        format: { type: "string" },
        ...metricsArgs.options,
      },
      argsSchema,
    );
    // The run itself on a thread with a heap sized for its batch (thread.ts), so the process's
    // RSS follows the live data instead of V8's appetite on the main thread. Only the arguments'
    // shape is checked here: the folder, the S3 client and the mapping are made once, there.
    if (io.runOnThread) return io.runOnThread(ingestHeapMb(args.batchRecords));
    const retry = { attempts: args.readAttempts, baseDelayMs: args.retryDelayMs, maxDelayMs: 5_000 };
    let objects: ObjectSource;
    if (args.source === "dir") {
      try {
        objects = await createDirSource(args.path ?? "");
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    } else {
      const region = args.region ?? io.config.region;
      if (!region) throw new UsageError("--region (or AWS_REGION) is required with --source s3");
      const endpoint = args.endpoint ?? io.config.awsEndpoint;
      const client = await createS3Client({ region, endpoint });
      objects = createS3Source({ client, bucket: args.bucket ?? "", prefix: args.prefix, retry });
    }
    const profileFile = loadProfileMap(args.profiles);
    let mapping: MetadataMapping;
    try {
      mapping = parseMetadataMapping(args.metadataKeys);
    } catch (error) {
      throw new UsageError(`--metadata-keys: ${error instanceof Error ? error.message : String(error)}`);
    }
    const db = createDb(args.db ?? io.config.dbPath);
    try {
      syncPrices(db, args.prices, io.now());
      // Mappings stored earlier (`profiles map`, GetInferenceProfile results), the file on top.
      const profiles = new Map([...storedProfileMappings(db), ...(profileFile ?? [])]);
      const showProgress = args.progress || io.stderrIsTTY;
      let summary: IngestSummary;
      try {
        summary = await ingestObjects({
          db,
          objects,
          prices: PriceBook.load(db),
          applicationProfiles: profiles,
          mapping,
          batchRecords: args.batchRecords,
          threads: args.threads,
          dedupeWindowHours: args.dedupeWindowHours,
          retry,
          now: io.now,
          onProgress: showProgress
            ? (p) =>
                io.stderr(
                  `${io.stderrIsTTY ? "\r" : ""}ingest: ${p.objectsDone} objects, ${p.objectsSkipped} already ingested, ${p.records} records, ${(p.bytesRead / 1e6).toFixed(1)} MB, ${p.committedBatches} batches committed${io.stderrIsTTY ? "" : "\n"}`,
                )
            : undefined,
        });
      } catch (error) {
        await publishRunMetrics(io, db, { ...args, region: args.region }, { failed: true });
        throw error;
      }
      if (showProgress && io.stderrIsTTY) io.stderr("\n");
      const lookup =
        args.profileLookup === "auto" ? (io.config.awsCredentialsHint ? "api" : "off") : args.profileLookup;
      // Only when this run left profile usage unresolved, or a mapping file may fix older rows:
      // the look-up scans the store's unresolved rows.
      const unresolvedArn = summary.unpricedModels.some((m) => m.model.startsWith("arn:"));
      const profileResult = !(unresolvedArn || profileFile)
        ? undefined
        : await resolveNewProfiles(
            db,
            profiles,
            profileFile,
            lookup,
            args.region ?? io.config.region,
            args.endpoint ?? io.config.awsEndpoint,
            io.now,
          );
      if (profileResult) summary = await refreshUnpriced(summary, db);
      io.stdout(
        args.format === "json"
          ? `${JSON.stringify(profileResult ? { ...summary, profiles: profileResult } : summary, null, 2)}\n`
          : formatSummary(summary) + formatProfiles(profileResult),
      );
      // Objects left unread count as a collector failure, so the alarm fires if it persists.
      await publishRunMetrics(
        io,
        db,
        { ...args, region: args.region },
        { failed: summary.status === "incomplete" },
      );
      if (summary.status === "incomplete") {
        io.stderr(
          `error: ingest incomplete: ${summary.objectsUnread} object(s) could not be read${summary.unlisted.length > 0 ? " and the listing is incomplete" : ""}; they are not in the ledger, so the next run reads them\n`,
        );
        return 1;
      }
      return summary.status === "ok" ? 0 : 3;
    } finally {
      db.$client.close();
    }
  },
};

/**
 * The ingest thread's heap cap in MB: 64 for the code, the price book, the read-ahead window and
 * the statements, plus 1 KB per record of the batch (its accumulator holds at most one fact key
 * and one row of sums per record; measured in docs/adr/0012-parallel-ingest.md, "Memory").
 */
export function ingestHeapMb(batchRecords: number): number {
  return 64 + Math.ceil(batchRecords / 1_000);
}

const STATUS_LINE = {
  ok: "ok",
  partial: "finished with quarantined input",
  incomplete: "INCOMPLETE: some objects could not be read; run again to finish",
} as const;

function formatSummary(s: IngestSummary): string {
  const lines = [
    `ingest run ${s.runId}: ${STATUS_LINE[s.status]}`,
    `  objects:     ${s.objectsListed} listed, ${s.objectsIngested} ingested, ${s.objectsSkipped} already ingested, ${s.objectsRejected} rejected (read, nothing usable), ${s.objectsUnread} left unread for the next run`,
    `  records:     ${s.records} counted (${s.requests} requests, ${s.errors} errors), ${s.duplicates} duplicate deliveries ignored${s.notInvocationLogs > 0 ? `, ${s.notInvocationLogs} not ModelInvocationLog (skipped)` : ""}`,
    `  data:        ${s.dataFrom ?? "-"} .. ${s.dataUntil ?? "-"}, ${(s.bytesRead / 1e6).toFixed(1)} MB read`,
  ];
  if (s.unlisted.length > 0) {
    lines.push(
      `  LISTING INCOMPLETE: ${s.unlisted.length} place(s) could not be listed; objects there were not seen:`,
    );
    for (const u of s.unlisted)
      lines.push(`    ${u.location}: ${u.reason}${u.attempts > 1 ? ` (${u.attempts} tries)` : ""}`);
  }
  if (s.objectsUnread > 0) {
    lines.push(
      `  UNREAD:      ${s.objectsUnread} object(s) could not be read (not in the ledger; the next run reads them):`,
    );
    for (const u of s.unread)
      lines.push(`    ${u.location}: ${u.reason} (${u.attempts} ${u.attempts === 1 ? "try" : "tries"})`);
    if (s.objectsUnread > s.unread.length) lines.push(`    … ${s.objectsUnread - s.unread.length} more`);
  }
  if (s.retried.length > 0) {
    lines.push(`  retried:     ${s.retried.length} read(s) or listing page(s) failed and then succeeded:`);
    for (const r of s.retried) lines.push(`    ${r.location}: ${r.reason} (${r.attempts} tries)`);
  }
  for (const k of s.skipped) lines.push(`  skipped:     ${k.location}: ${k.count} line(s): ${k.reason}`);
  lines.push(`  quarantined: ${s.quarantined}`);
  for (const q of s.quarantine)
    lines.push(`    ${q.location}${q.line === null ? "" : `:${q.line}`}: ${q.reason}`);
  if (s.quarantined > s.quarantine.length)
    lines.push(`    … ${s.quarantined - s.quarantine.length} more in the store's quarantine table`);
  if (s.unpricedModels.length > 0) {
    lines.push(
      `  UNPRICED:    ${s.unpricedModels.length} model(s) have usage but no price (counted, not costed):`,
    );
    for (const m of s.unpricedModels) lines.push(`    ${m.model}: ${m.requests} requests`);
    lines.push("    add prices with --prices <file> (format: ledger/prices/bedrock-prices.json)");
  }
  return `${lines.join("\n")}\n`;
}

type ProfileLookupResult = {
  lookup: "api" | "off";
  resolved: Record<string, string>;
  unresolved: { arn: string; reason: string }[];
  calls: number;
  reresolved: ReresolveResult;
};

/**
 * After the run: application-profile ARNs still unresolved in the store are resolved through
 * GetInferenceProfile (cached in the store, as `collect` does; when the lookup is on) or the
 * mapping file, and their usage in OPEN months re-resolved (docs/rules.md rule 2).
 */
async function resolveNewProfiles(
  db: ReturnType<typeof createDb>,
  known: ReadonlyMap<string, string>,
  file: ReadonlyMap<string, string> | undefined,
  lookup: "api" | "off",
  region: string | undefined,
  endpoint: string | undefined,
  now: () => Date,
): Promise<ProfileLookupResult | undefined> {
  const arns = (
    db.$client
      .prepare("SELECT DISTINCT model_id AS arn FROM usage_hourly WHERE scope = 'unresolved'")
      .all() as { arn: string }[]
  ).map((r) => r.arn);
  const { InferenceProfileResolver, isApplicationProfileArn, bedrockControlApi, createAwsClients } =
    await import("@bedrock-chargeback/collector/sources");
  const pending = arns.filter((a) => isApplicationProfileArn(a) && !known.has(a));
  if (pending.length === 0 && ![...known.keys()].some((k) => arns.includes(k))) return undefined;
  const api =
    lookup === "api"
      ? bedrockControlApi(
          createAwsClients({ region: region ?? "us-east-1", ...(endpoint ? { endpoint } : {}) }).bedrock,
        )
      : undefined;
  const resolver = new InferenceProfileResolver({
    ...(api ? { api } : {}),
    db,
    ...(file ? { fallback: file } : {}),
    now,
  });
  const resolution = await resolver.resolveAll(pending);
  const mappings = new Map([...known, ...resolution.resolved]);
  return {
    lookup,
    resolved: Object.fromEntries(resolution.resolved),
    unresolved: resolution.unresolved,
    calls: resolution.calls,
    reresolved: reresolveProfiles(db, mappings),
  };
}

/** The summary's unpriced list, read again from the store after a re-resolution. */
async function refreshUnpriced(
  summary: IngestSummary,
  db: ReturnType<typeof createDb>,
): Promise<IngestSummary> {
  const { unpricedModelsOfRun } = await import("@bedrock-chargeback/collector");
  return { ...summary, unpricedModels: unpricedModelsOfRun(db, summary) };
}

function formatProfiles(r: ProfileLookupResult | undefined): string {
  if (!r) return "";
  const lines = [
    `  profiles:    GetInferenceProfile ${r.lookup === "api" ? `on (${r.calls} call(s))` : "off (--profile-lookup api to enable)"}; re-resolved ${r.reresolved.hourlyRowsChanged} hourly row(s) in open months ${r.reresolved.reresolvedMonths.join(", ") || "-"}${r.reresolved.skippedClosedMonths.length > 0 ? `; closed months untouched: ${r.reresolved.skippedClosedMonths.join(", ")}` : ""}`,
  ];
  for (const [arn, model] of Object.entries(r.resolved)) lines.push(`    ${arn} → ${model}`);
  for (const u of r.unresolved)
    lines.push(`    UNRESOLVED ${u.arn}: ${u.reason} (map it: chargeback profiles map <arn> <model>)`);
  return `${lines.join("\n")}\n`;
}
