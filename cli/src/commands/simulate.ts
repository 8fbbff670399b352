/**
 * `chargeback simulate`: writes a realistic Bedrock invocation-log corpus (S3 layout, gzip JSON
 * lines) and its ground truth into a folder, for the demo, tests and benchmarks.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { type SimulationSummary, simulate } from "@bedrock-chargeback/collector";
import { daySchema } from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";

const MAX_RECORDS = 50_000_000;

const argsSchema = z.object({
  out: z.string({ error: "required" }).min(1, "required"),
  from: daySchema.optional(),
  to: daySchema.optional(),
  records: z.coerce.number().int().min(1).max(MAX_RECORDS).default(20_000),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(42),
  bodies: z.boolean().default(false),
  "no-truth": z.boolean().default(false),
  curFormat: z.enum(["parquet", "csv"]).default("parquet"),
  noCur: z.boolean().default(false),
});

/** First day of the month `offset` months from `now`'s, UTC, as `YYYY-MM-DD`. */
function monthStart(now: Date, offset: number): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1)).toISOString().slice(0, 10);
}

async function isNonEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length > 0;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return false;
    throw new UsageError(`--out: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const count = (n: number) => n.toLocaleString("en-US");

function formatSummary(s: SimulationSummary): string {
  return (
    `Simulated ${count(s.records)} Bedrock invocation records (${count(s.errors)} failed, ${count(s.unattributed)} without requestMetadata) ` +
    `from ${s.from} to ${s.to} (${s.days} days, seed ${s.seed}) for ${s.accounts.length} accounts (${s.accounts.join(", ")}) ` +
    `in ${s.regions.join(", ")}: ${count(s.objects)} log objects, ${count(s.duplicateLines)} duplicate deliveries, ` +
    `${count(s.sidecars)} body sidecars, ${count(s.lateRecords)} records delivered into a later hour folder, ` +
    `${(s.bytes / 1e6).toFixed(1)} MB compressed, written to ${s.out}. ` +
    `${s.truthFile ? `Ground truth: ${s.truthFile}. ` : ""}Application inference profiles: ${s.profilesFile}.` +
    `${s.cur ? ` CUR 2.0 export (${s.cur.truth.format}, months ${s.cur.truth.months.map((m) => m.month).join(", ")}): ${s.cur.dir}, planted deltas in ${join(s.cur.dir, "cur-truth.json")}.` : ""}\n`
  );
}

export const simulateCommand: Command = {
  name: "simulate",
  summary: "write a simulated Bedrock invocation-log corpus (S3 layout) and its ground truth",
  usage:
    "chargeback simulate --out <dir> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--records N] [--seed N] [--bodies] [--no-truth]\n" +
    "       [--cur-format parquet|csv] [--no-cur]   (the matching CUR 2.0 export goes to <dir>/cur, its planted deltas to <dir>/cur/cur-truth.json)\n" +
    "       defaults: --from first day of last month, --to first day of this month (UTC), --records 20000, --seed 42",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        out: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        records: { type: "string" },
        seed: { type: "string" },
        bodies: { type: "boolean" },
        "no-truth": { type: "boolean" },
        "cur-format": { type: "string" },
        "no-cur": { type: "boolean" },
      },
      argsSchema,
    );
    const now = io.now();
    const from = args.from ?? monthStart(now, -1);
    const to = args.to ?? monthStart(now, 0);
    if (to <= from) throw new UsageError(`--to (${to}) must be after --from (${from})`);
    if (await isNonEmptyDir(args.out)) {
      throw new UsageError(
        `--out: ${args.out} is not empty; simulate into a new folder so the corpus and its ground truth match`,
      );
    }
    const progress = io.stderrIsTTY;
    const summary = await simulate({
      out: args.out,
      from,
      to,
      records: args.records,
      seed: args.seed,
      bodies: args.bodies,
      writeTruth: !args["no-truth"],
      ...(args.noCur ? {} : { cur: { dir: join(args.out, "cur"), format: args.curFormat } }),
      onProgress: progress
        ? (p) =>
            io.stderr(
              `\rsimulate: ${Math.floor((100 * p.hoursDone) / p.hoursTotal)}% (${count(p.records)} records, ${count(p.objects)} objects)`,
            )
        : undefined,
    });
    if (progress) io.stderr("\n");
    io.stdout(formatSummary(summary));
    return 0;
  },
};
