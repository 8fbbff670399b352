/**
 * `chargeback experiments [<id>]`: the A/B experiments in the store (requests tagged with an
 * experiment and a variant metadata key), or one experiment's variants compared on cost per call
 * (Welch's t interval; ledger/src/report/experiments.ts).
 */
import {
  DEFAULT_EXPERIMENT_KEYS,
  daySchema,
  type ExperimentReport,
  experimentReport,
  formatMicros,
  listExperiments,
  PriceBook,
  roundPicoToMicros,
  UsageQueryError,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const metadataKey = z.string().regex(/^[A-Za-z0-9 _.:/=+@#$,-]{1,256}$/, "expected a metadata key");
const argsSchema = z
  .object({
    db: z.string().min(1).optional(),
    from: daySchema,
    to: daySchema,
    experimentKey: metadataKey.default(DEFAULT_EXPERIMENT_KEYS.experiment),
    variantKey: metadataKey.default(DEFAULT_EXPERIMENT_KEYS.variant),
    baseline: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
    format: z.enum(["json", "table"]).default("table"),
  })
  .refine((a) => a.from < a.to, { path: ["to"], message: "must be after --from (--to is exclusive)" })
  .refine((a) => a.experimentKey !== a.variantKey, {
    path: ["variantKey"],
    message: "must differ from --experiment-key",
  });

const usd = (micros: number | null, digits = 6) =>
  micros === null ? "-" : `${micros < 0 ? "-" : ""}$${(Math.abs(micros) / 1e6).toFixed(digits)}`;

/** One experiment as a table: per variant, then each comparison with the baseline. */
export function formatExperiment(r: ExperimentReport): string {
  const header = [
    "variant",
    "calls",
    "errors",
    "error rate",
    "tokens/req",
    "cost/call",
    "cost/success",
    "latency ms",
    "cost",
  ];
  const body = r.variants.map((v) => [
    v.variant ?? "(none)",
    String(v.calls),
    String(v.totals.errors),
    v.errorRate === null ? "-" : `${(v.errorRate * 100).toFixed(2)} %`,
    v.tokensPerRequest === null ? "-" : v.tokensPerRequest.toFixed(1),
    usd(v.costPerCallMicros),
    usd(v.costPerSuccessMicros),
    v.latencyMs === null ? "-" : v.latencyMs.toFixed(0),
    `$${formatMicros(roundPicoToMicros(v.totals.costPico), 2)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  const out = [`experiment ${r.id} (baseline ${r.baseline ?? "(none)"})`, line(header), ...body.map(line)];
  for (const c of r.comparisons) {
    const w = c.welch;
    out.push(
      w === null
        ? `${c.variant ?? "(none)"} vs ${c.baseline ?? "(none)"}: no interval (${r.unpriced ? "unpriced usage" : "fewer than 2 calls or no spread"})`
        : `${c.variant ?? "(none)"} vs ${c.baseline ?? "(none)"}: cost per call ${w.diff >= 0 ? "+" : ""}${usd(w.diff)} (95 % Welch interval ${usd(w.low)} .. ${usd(w.high)}, df ${w.df.toFixed(0)}): ${w.significant ? "larger than the noise" : "within the noise"}`,
    );
  }
  return `${out.join("\n")}\n`;
}

export const experimentsCommand: Command = {
  name: "experiments",
  summary: "A/B experiments: variants compared on errors, tokens and cost per call (Welch interval)",
  usage:
    "chargeback experiments [<id>] --db <file> --from YYYY-MM-DD --to YYYY-MM-DD [--tenant T]\n" +
    "       [--experiment-key experiment_id] [--variant-key variant] [--baseline V] [--format table|json]",
  async run(argv, io) {
    const [first, ...rest] = argv;
    const id = first !== undefined && !first.startsWith("-") ? first : undefined;
    const args = parseCommandArgs(
      id === undefined ? argv : rest,
      {
        db: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        "experiment-key": { type: "string" },
        "variant-key": { type: "string" },
        baseline: { type: "string" },
        tenant: { type: "string" },
        format: { type: "string" },
      },
      argsSchema,
    );
    const db = openExistingStore(args.db ?? io.config.dbPath);
    try {
      const prices = PriceBook.load(db);
      const range = {
        from: args.from,
        to: args.to,
        keys: { experiment: args.experimentKey, variant: args.variantKey },
        ...(args.tenant ? { filters: { tenant: [args.tenant] } } : {}),
      };
      if (id === undefined) {
        const list = listExperiments(db, prices, range);
        if (args.format === "json")
          io.stdout(
            `${JSON.stringify(
              list.map((e) => ({
                experiment_id: e.id,
                variants: e.variants,
                requests: e.totals.requests,
                errors: e.totals.errors,
                cost_usd: Number(formatMicros(roundPicoToMicros(e.totals.costPico))),
              })),
              null,
              2,
            )}\n`,
          );
        else
          io.stdout(
            list.length === 0
              ? "no experiments in this range\n"
              : `${list
                  .map(
                    (e) =>
                      `${e.id}  variants ${e.variants.map((v) => v ?? "(none)").join(", ")}  ${e.totals.requests + e.totals.errors} calls  $${formatMicros(roundPicoToMicros(e.totals.costPico), 2)}`,
                  )
                  .join("\n")}\n`,
          );
        return 0;
      }
      const report = experimentReport(db, prices, id, {
        ...range,
        ...(args.baseline ? { baseline: args.baseline } : {}),
      });
      if (!report) {
        io.stderr(`no usage of experiment ${JSON.stringify(id)} from ${args.from} to ${args.to}\n`);
        return 1;
      }
      if (args.format === "json")
        io.stdout(`${JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
      else io.stdout(formatExperiment(report));
      return 0;
    } catch (error) {
      if (error instanceof UsageQueryError) throw new UsageError(error.message);
      throw error;
    } finally {
      db.$client.close();
    }
  },
};
