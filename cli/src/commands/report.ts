import {
  type Dimension,
  daySchema,
  formatMicros,
  PriceBook,
  parseDimensionList,
  queryUsage,
  roundPicoToMicros,
  toCsv,
  totalOf,
  type UsageRow,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const argsSchema = z
  .object({
    db: z.string().min(1).optional(),
    from: daySchema,
    to: daySchema,
    by: z.string().default(""),
    format: z.enum(["json", "csv", "table"]).default("table"),
    source: z.enum(["raw", "logs-insights", "athena"]).optional(),
  })
  .refine((a) => a.from < a.to, { path: ["to"], message: "must be after --from (--to is exclusive)" });

/** One report line in the CLI contract's shape (docs/cli-contract.md). */
export type ReportLine = Record<string, string | number | null>;

export function toReportLines(rows: UsageRow[], by: readonly Dimension[]): ReportLine[] {
  return rows.map((row) => {
    const line: ReportLine = {};
    for (const d of by) line[d] = row.keys[d] ?? null;
    line.requests = row.requests;
    line.errors = row.errors;
    line.input_tokens = row.inputTokens;
    line.output_tokens = row.outputTokens;
    line.cache_read_input_tokens = row.cacheReadTokens;
    line.cache_write_input_tokens = row.cacheWriteTokens;
    line.cost_usd = Number(formatMicros(roundPicoToMicros(row.costPico)));
    line.unpriced_requests = row.unpricedRequests;
    return line;
  });
}

export const reportCommand: Command = {
  name: "report",
  summary: "usage and cost by any dimensions over a UTC date range",
  usage:
    "chargeback report --db <file> --from YYYY-MM-DD --to YYYY-MM-DD --by <dims> --format json|csv|table\n" +
    "       dims (comma-separated): tenant application cost_center environment team user model region account\n" +
    "       identity scope model_id meta:<key>; --from inclusive, --to exclusive, UTC",
  async run(argv, io) {
    const args = parseCommandArgs(
      argv,
      {
        db: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        by: { type: "string" },
        format: { type: "string" },
        source: { type: "string" },
      },
      argsSchema,
    );
    const parsedBy = parseDimensionList(args.by);
    if (!parsedBy.ok) throw new UsageError(`--by: ${parsedBy.message}`);
    const by = parsedBy.value;
    const db = openExistingStore(args.db ?? io.config.dbPath);
    try {
      let rows: UsageRow[];
      try {
        rows = queryUsage(db, PriceBook.load(db), {
          from: args.from,
          to: args.to,
          by,
          ...(args.source ? { sources: [args.source] } : {}),
        });
      } catch (error) {
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
      const lines = toReportLines(rows, by);
      if (args.format === "json") io.stdout(`${JSON.stringify(lines, null, 2)}\n`);
      else if (args.format === "csv")
        io.stdout(toCsv(lines.length > 0 ? Object.keys(lines[0] ?? {}) : [...by, ...COUNT_COLUMNS], lines));
      else io.stdout(formatTable(rows, by));
      return 0;
    } finally {
      db.$client.close();
    }
  },
};

const COUNT_COLUMNS = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_write_input_tokens",
  "cost_usd",
  "unpriced_requests",
];

const UNATTRIBUTED = "(unattributed)";

function formatTable(rows: UsageRow[], by: readonly Dimension[]): string {
  const total = totalOf(rows);
  const money = (pico: bigint) => `$${formatMicros(roundPicoToMicros(pico), 2)}`;
  const header = [
    ...by,
    "requests",
    "errors",
    "input",
    "output",
    "cache read",
    "cache write",
    "cost",
    "unpriced req",
  ];
  const body = rows.map((r) => [
    ...by.map((d) => r.keys[d] ?? UNATTRIBUTED),
    String(r.requests),
    String(r.errors),
    String(r.inputTokens),
    String(r.outputTokens),
    String(r.cacheReadTokens),
    String(r.cacheWriteTokens),
    money(r.costPico),
    String(r.unpricedRequests),
  ]);
  const footer = [
    ...by.map((_, i) => (i === 0 ? "TOTAL" : "")),
    String(total.requests),
    String(total.errors),
    String(total.inputTokens),
    String(total.outputTokens),
    String(total.cacheReadTokens),
    String(total.cacheWriteTokens),
    money(total.costPico),
    String(total.unpricedRequests),
  ];
  const all = [header, ...body, footer];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const numeric = (i: number) => i >= by.length;
  const fmt = (r: string[]) =>
    r.map((c, i) => (numeric(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const out = [fmt(header), rule, ...body.map(fmt), rule, fmt(footer)];
  if (total.unpricedRequests > 0) {
    out.push(
      "",
      `UNPRICED: ${total.unpricedRequests} requests on ${total.unpricedModels.join(", ")} have no price — counted above, not in cost.`,
    );
  }
  return `${out.join("\n")}\n`;
}
