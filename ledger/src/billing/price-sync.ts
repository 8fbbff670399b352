/**
 * `prices sync`: Price List catalog rows (ledger/src/pricing/price-list.ts) compared with the
 * prices in force, and applied as dated rows with origin "pricelist". Applying reprices OPEN
 * months only, through the one reprice rule (repriceOpenPeriods, docs/rules.md rule 4).
 */
import { sql } from "drizzle-orm";
import type { Catalog } from "../pricing/catalog";
import { parseMicros } from "../pricing/money";
import { type Price, PriceBook, priceVersion, syncCatalog } from "../pricing/price-book";
import type { CatalogRow } from "../pricing/price-list";
import type { Db } from "../store/db";
import { usageHourly } from "../store/schema";
import { type RepriceResult, repriceOpenPeriods } from "./prices";

export type PriceSyncChange = {
  kind: "new" | "changed" | "unchanged";
  model: string;
  scope: string;
  region: string;
  /** The day the row applies from: the Price List's, never before the row it replaces. */
  effectiveFrom: string;
  /** USD per 1M tokens. */
  proposed: { input: string; output: string; cacheRead: string; cacheWrite: string };
  /** The price in force today for that model, scope and region, if any. */
  current?: { version: string; input: number; output: number; cacheRead: number; cacheWrite: number };
  source: string;
};

const same = (p: Price, r: CatalogRow) =>
  BigInt(p.inputMicros) === parseMicros(r.input) &&
  BigInt(p.outputMicros) === parseMicros(r.output) &&
  BigInt(p.cacheReadMicros) === parseMicros(r.cache_read) &&
  BigInt(p.cacheWriteMicros) === parseMicros(r.cache_write);

/** Each row × scope × region against the price the store would use on `today` (YYYY-MM-DD). */
export function diffPriceRows(db: Db, rows: readonly CatalogRow[], today: string): PriceSyncChange[] {
  const book = PriceBook.load(db);
  const changes: PriceSyncChange[] = [];
  for (const row of rows) {
    for (const scope of row.scopes) {
      for (const region of row.regions) {
        const current = book.find(row.model, scope, region, today);
        const kind = !current ? "new" : same(current, row) ? "unchanged" : "changed";
        const effectiveFrom = current
          ? latest(current.effectiveFrom, row.effective_from)
          : row.effective_from;
        changes.push({
          kind,
          model: row.model,
          scope,
          region,
          effectiveFrom,
          proposed: {
            input: row.input,
            output: row.output,
            cacheRead: row.cache_read,
            cacheWrite: row.cache_write,
          },
          ...(current
            ? {
                current: {
                  version: priceVersion(current),
                  input: current.inputMicros,
                  output: current.outputMicros,
                  cacheRead: current.cacheReadMicros,
                  cacheWrite: current.cacheWriteMicros,
                },
              }
            : {}),
          source: row.source,
        });
      }
    }
  }
  return changes;
}

export type PriceSyncApplied = { inserted: number; reprice?: RepriceResult };

/**
 * Adds the new and changed rows (origin "pricelist") and reprices the open months from the
 * earliest affected month with usage to the current month. Closed months are never touched.
 */
export function applyPriceSync(
  db: Db,
  changes: readonly PriceSyncChange[],
  now = new Date(),
): PriceSyncApplied {
  const apply = changes.filter((c) => c.kind !== "unchanged");
  if (apply.length === 0) return { inserted: 0 };
  const catalog: Catalog = {
    currency: "USD",
    unit: "per_million_tokens",
    sources: {},
    prices: apply.map((c) => ({
      model: c.model,
      scopes: [c.scope as "in_region" | "geographic" | "global"],
      regions: [c.region],
      effective_from: c.effectiveFrom,
      input: c.proposed.input,
      output: c.proposed.output,
      cache_read: c.proposed.cacheRead,
      cache_write: c.proposed.cacheWrite,
      source: c.source,
    })),
  };
  const inserted = syncCatalog(db, catalog, "pricelist", now);
  const firstUsage = db
    .select({ hour: sql<string | null>`min(${usageHourly.hour})` })
    .from(usageHourly)
    .get()?.hour;
  if (!firstUsage) return { inserted };
  const earliest = apply.map((c) => c.effectiveFrom.slice(0, 7)).sort()[0] ?? firstUsage.slice(0, 7);
  const fromMonth = latest(earliest, firstUsage.slice(0, 7));
  const toMonth = latest(now.toISOString().slice(0, 7), fromMonth);
  return { inserted, reprice: repriceOpenPeriods(db, { fromMonth, toMonth }) };
}

/** The later of two ISO days or months. */
function latest(a: string, b: string): string {
  return a.localeCompare(b) > 0 ? a : b;
}
