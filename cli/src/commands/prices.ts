import { readFileSync } from "node:fs";
import {
  addPrice,
  applyPriceSync,
  BillingError,
  buildCatalogRows,
  daySchema,
  diffPriceRows,
  formatMicros,
  itemsFromOfferFile,
  listPrices,
  loadModelNames,
  monthSchema,
  PriceBook,
  type PriceListItem,
  type PriceSyncChange,
  parsePriceList,
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
  origin: z.enum(["catalog", "pricelist", "user", "api"]).optional(),
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
const syncSchema = z.object({
  db: z.string().min(1).optional(),
  region: z.string().default(""),
  fromFile: z.string().min(1).optional(),
  dryRun: z.boolean().default(false),
  endpoint: z.string().url().optional(),
  pricingRegion: z.string().default("us-east-1"),
  maxAttempts: z.coerce.number().int().min(1).max(20).default(5),
  format: z.enum(["text", "json"]).default("text"),
});

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
  summary: "list and add prices, sync from the AWS Price List, reprice open months, list unpriced models",
  usage:
    "chargeback prices list [--model <id>] [--origin catalog|user|api] [--format table|json] [--db <file>]\n" +
    "       chargeback prices add --model <id> --effective-from YYYY-MM-DD --input <usd/1M> --output <usd/1M>\n" +
    "            [--cache-read <usd/1M>] [--cache-write <usd/1M>] [--scope in_region,geographic,global] [--region *] [--reprice]\n" +
    "       chargeback prices reprice --from YYYY-MM --to YYYY-MM   (open months only)\n" +
    "       chargeback prices unpriced --from YYYY-MM-DD --to YYYY-MM-DD\n" +
    "       chargeback prices sync [--region r,…] [--from-file <offer index.json|index.csv>] [--dry-run] [--format text|json]\n" +
    "            [--pricing-region us-east-1|ap-south-1] [--endpoint <url>] [--max-attempts N (5)]   (AWS Price List → dated rows; applying reprices open months only)",
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
    if (sub === "sync") {
      const a = parseCommandArgs(
        rest,
        {
          db: s,
          region: s,
          "from-file": s,
          "dry-run": { type: "boolean" },
          endpoint: s,
          "pricing-region": s,
          "max-attempts": s,
          format: s,
        },
        syncSchema,
      );
      const regions = a.region
        .split(",")
        .map((r) => r.trim())
        .filter(Boolean);
      let items: PriceListItem[];
      let origin: string;
      if (a.fromFile) {
        try {
          items = itemsFromOfferFile(readFileSync(a.fromFile, "utf8"));
        } catch (error) {
          throw new UsageError(
            `--from-file ${a.fromFile}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        origin = `pricelist-file ${a.fromFile}`;
      } else {
        const { createPricingClient, fetchBedrockPriceList, getProductsApi } = await import(
          "@bedrock-chargeback/collector/sources"
        );
        const endpoint = a.endpoint ?? io.config.awsEndpoint;
        const client = createPricingClient({
          region: a.pricingRegion,
          maxAttempts: a.maxAttempts,
          ...(endpoint ? { endpoint } : {}),
        });
        const fetched = await fetchBedrockPriceList(getProductsApi(client), regions);
        items = fetched.items;
        origin = `pricelist-api ${io.now().toISOString().slice(0, 10)}`;
        io.stderr(`prices sync: ${fetched.items.length} Price List items in ${fetched.pages} page(s)\n`);
      }
      // An item without an effectiveDate is in force on the day it was read.
      const parsed = parsePriceList(items, loadModelNames(), {
        defaultEffectiveFrom: io.now().toISOString().slice(0, 10),
        ...(regions.length > 0 ? { regions } : {}),
      });
      const built = buildCatalogRows(parsed.prices, origin);
      const db = openExistingStore(a.db ?? io.config.dbPath);
      try {
        const changes = diffPriceRows(db, built.entries, io.now().toISOString().slice(0, 10));
        const applied = a.dryRun ? undefined : applyPriceSync(db, changes, io.now());
        const report = {
          dry_run: a.dryRun,
          items: items.length,
          ignored_not_token_skus: parsed.ignored,
          changes,
          unknown_skus: parsed.unknown,
          incomplete: built.incomplete,
          not_applicable: built.notApplicable.map((p) => ({
            sku: p.sku,
            usagetype: p.usagetype,
            model: p.model,
            region: p.region,
            bucket: p.bucket,
            tier: p.tier,
            usd_per_million: p.usdPerMillion,
          })),
          ...(applied ? { inserted: applied.inserted, reprice: applied.reprice ?? null } : {}),
        };
        io.stdout(a.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatSync(report, changes));
        return parsed.unknown.length > 0 || built.incomplete.length > 0 ? 3 : 0;
      } finally {
        db.$client.close();
      }
    }
    throw new UsageError(
      `unknown subcommand ${JSON.stringify(sub ?? "")}: list, add, reprice, unpriced or sync`,
    );
  },
};

function formatSync(
  r: {
    dry_run: boolean;
    items: number;
    ignored_not_token_skus: number;
    unknown_skus: { sku: string; usagetype: string; name: string; reason: string }[];
    incomplete: { model: string; region: string; scope: string; reason: string }[];
    not_applicable: unknown[];
    inserted?: number;
    reprice?: { repricedMonths: string[]; skippedClosedMonths: string[] } | null;
  },
  changes: PriceSyncChange[],
): string {
  const usd = (m: number) => formatMicros(BigInt(m));
  const lines = [
    `prices sync${r.dry_run ? " (dry run: nothing written)" : ""}: ${r.items} items, ${r.ignored_not_token_skus} not per-token (ignored), ${r.not_applicable.length} batch/flex/priority/latency-optimized/1-hour-cache prices not applicable to logged usage`,
  ];
  for (const c of changes) {
    if (c.kind === "unchanged") continue;
    const p = c.proposed;
    const was = c.current
      ? ` (was in ${usd(c.current.input)} out ${usd(c.current.output)} cache r ${usd(c.current.cacheRead)} w ${usd(c.current.cacheWrite)}, ${c.current.version})`
      : "";
    lines.push(
      `  ${c.kind.toUpperCase().padEnd(7)} ${c.model} ${c.scope} ${c.region} from ${c.effectiveFrom}: in ${p.input} out ${p.output} cache r ${p.cacheRead} w ${p.cacheWrite}${was}`,
    );
  }
  lines.push(`  unchanged: ${changes.filter((c) => c.kind === "unchanged").length}`);
  for (const u of r.unknown_skus)
    lines.push(`  UNKNOWN SKU ${u.sku} ${u.usagetype} (${u.name || "no name"}): ${u.reason}`);
  for (const i of r.incomplete) lines.push(`  LEFT OUT ${i.model} ${i.region} ${i.scope}: ${i.reason}`);
  if (r.inserted !== undefined) {
    lines.push(`  added ${r.inserted} price row(s)`);
    if (r.reprice)
      lines.push(
        `  repriced open months: ${r.reprice.repricedMonths.join(", ") || "-"}; closed months untouched: ${r.reprice.skippedClosedMonths.join(", ") || "-"}`,
      );
  }
  return `${lines.join("\n")}\n`;
}
