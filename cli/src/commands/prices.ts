import {
  addPrice,
  BillingError,
  daySchema,
  formatMicros,
  listPrices,
  monthSchema,
  PriceBook,
  priceVersion,
  queryUsage,
  repriceOpenPeriods,
} from "@bedrock-chargeback/ledger";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const month = monthSchema;
const day = daySchema;
const scope = z.enum(["in_region", "geographic", "global"]);

const listSchema = z.object({
  db: z.string().min(1).optional(),
  model: z.string().optional(),
  origin: z.enum(["catalog", "user", "api"]).optional(),
  format: z.enum(["table", "json"]).default("table"),
});
const addSchema = z.object({
  db: z.string().min(1).optional(),
  model: z.string().min(1),
  scope: z.string().default("in_region"),
  region: z.string().default("*"),
  effectiveFrom: day,
  input: z.string(),
  output: z.string(),
  cacheRead: z.string().default("0"),
  cacheWrite: z.string().default("0"),
  source: z.string().optional(),
  reprice: z.boolean().default(false),
});
const repriceSchema = z.object({ db: z.string().min(1).optional(), from: month, to: month });
const unpricedSchema = z.object({ db: z.string().min(1).optional(), from: day, to: day });

function billing<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof BillingError && error.code === "bad_request") throw new UsageError(error.message);
    throw error;
  }
}

export const pricesCommand: Command = {
  name: "prices",
  summary: "list and add prices, reprice open months, list unpriced models",
  usage:
    "chargeback prices list [--model <id>] [--origin catalog|user|api] [--format table|json] [--db <file>]\n" +
    "       chargeback prices add --model <id> --effective-from YYYY-MM-DD --input <usd/1M> --output <usd/1M>\n" +
    "            [--cache-read <usd/1M>] [--cache-write <usd/1M>] [--scope in_region,geographic,global] [--region *] [--reprice]\n" +
    "       chargeback prices reprice --from YYYY-MM --to YYYY-MM   (open months only)\n" +
    "       chargeback prices unpriced --from YYYY-MM-DD --to YYYY-MM-DD",
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const s = { type: "string" } as const;
    if (sub === "list") {
      const a = parseCommandArgs(rest, { db: s, model: s, origin: s, format: s }, listSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const rows = listPrices(db, {
          ...(a.model ? { model: a.model } : {}),
          ...(a.origin ? { origin: a.origin } : {}),
        });
        if (a.format === "json") io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        else
          for (const p of rows) {
            const usd = (m: number) => formatMicros(BigInt(m));
            io.stdout(
              `${priceVersion(p)}  in ${usd(p.inputMicros)}  out ${usd(p.outputMicros)}  cache r ${usd(p.cacheReadMicros)}  w ${usd(p.cacheWriteMicros)}  (${p.origin})\n`,
            );
          }
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "add") {
      const a = parseCommandArgs(
        rest,
        {
          db: s,
          model: s,
          scope: s,
          region: s,
          "effective-from": s,
          input: s,
          output: s,
          "cache-read": s,
          "cache-write": s,
          source: s,
          reprice: { type: "boolean" },
        },
        addSchema,
      );
      const scopes = a.scope.split(",").map((x) => {
        const p = scope.safeParse(x.trim());
        if (!p.success)
          throw new UsageError(`--scope: ${JSON.stringify(x)} is not in_region, geographic or global`);
        return p.data;
      });
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const added = billing(() =>
          addPrice(
            db,
            {
              model: a.model,
              scopes,
              regions: a.region.split(",").map((r) => r.trim()),
              effectiveFrom: a.effectiveFrom,
              input: a.input,
              output: a.output,
              cacheRead: a.cacheRead,
              cacheWrite: a.cacheWrite,
              ...(a.source ? { source: a.source } : {}),
            },
            io.now(),
          ),
        );
        for (const p of added) io.stdout(`added ${priceVersion(p)}\n`);
        if (a.reprice) {
          const m = a.effectiveFrom.slice(0, 7);
          const nowMonth = io.now().toISOString().slice(0, 7);
          const r = repriceOpenPeriods(db, {
            fromMonth: m,
            toMonth: m.localeCompare(nowMonth) > 0 ? m : nowMonth,
          });
          io.stdout(`${JSON.stringify(r)}\n`);
        }
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "reprice") {
      const a = parseCommandArgs(rest, { db: s, from: s, to: s }, repriceSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const r = billing(() => repriceOpenPeriods(db, { fromMonth: a.from, toMonth: a.to }));
        io.stdout(`${JSON.stringify(r, null, 2)}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    if (sub === "unpriced") {
      const a = parseCommandArgs(rest, { db: s, from: s, to: s }, unpricedSchema);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const rows = queryUsage(db, PriceBook.load(db), {
          from: a.from,
          to: a.to,
          by: ["model"],
          filters: { price_id: [null] },
        });
        const out = rows
          .filter((r) => r.unpricedRequests > 0 || r.unpricedTokens > 0)
          .map((r) => ({
            model: r.keys.model ?? null,
            unpriced_requests: r.unpricedRequests,
            unpriced_tokens: r.unpricedTokens,
          }));
        io.stdout(`${JSON.stringify(out, null, 2)}\n`);
        return 0;
      } finally {
        db.$client.close();
      }
    }
    throw new UsageError(`unknown subcommand ${JSON.stringify(sub ?? "")}: list, add, reprice or unpriced`);
  },
};
