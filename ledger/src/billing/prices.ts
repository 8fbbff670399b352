/**
 * Prices added through the API (origin "api") and the explicit reprice of OPEN months: usage rows
 * of open months get the price version PriceBook.find picks now; closed months are never touched.
 */

import { and, desc, eq } from "drizzle-orm";
import { type Catalog, catalogEntrySchema, expandCatalog } from "../pricing/catalog";
import { type Price, PriceBook } from "../pricing/price-book";
import { nextDay, rebuildDaily } from "../rollup/daily";
import { epochHour } from "../rollup/write";
import type { Db } from "../store/db";
import { prices } from "../store/schema";
import { BillingError } from "./errors";
import { isMonth, monthBounds, monthDays, monthsBetween } from "./months";
import { closedMonthSet } from "./period-status";

export type NewPrice = {
  model: string;
  scopes: ("in_region" | "geographic" | "global")[];
  regions?: string[];
  /** UTC day YYYY-MM-DD. */
  effectiveFrom: string;
  /** USD per 1M tokens, decimal strings with at most 6 decimals. */
  input: string;
  output: string;
  cacheRead: string;
  cacheWrite: string;
  source?: string;
};

/**
 * Adds a price (one row per scope × region) with origin "api". Re-adding identical content is a
 * no-op that returns the existing rows. Reprices nothing: call `repriceOpenPeriods` for that.
 * @example addPrice(db, { model: "anthropic.claude-x", scopes: ["in_region"], effectiveFrom: "2026-10-01", input: "3", output: "15", cacheRead: "0.3", cacheWrite: "3.75" })
 */
export function addPrice(db: Db, input: NewPrice, now = new Date()): Price[] {
  const entry = catalogEntrySchema.safeParse({
    model: input.model,
    scopes: input.scopes,
    regions: input.regions ?? ["*"],
    effective_from: input.effectiveFrom,
    input: input.input,
    output: input.output,
    cache_read: input.cacheRead,
    cache_write: input.cacheWrite,
    source: input.source ?? "api",
  });
  if (!entry.success) {
    const issue = entry.error.issues[0];
    throw new BillingError(
      "bad_request",
      `${issue?.path.join(".") ?? "price"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const catalog: Catalog = { currency: "USD", unit: "per_million_tokens", sources: {}, prices: [entry.data] };
  const rows = expandCatalog(catalog, "api");
  const addedAt = now.toISOString();
  const out: Price[] = [];
  db.$client.transaction(() => {
    for (const row of rows) {
      db.insert(prices)
        .values({ ...row, addedAt })
        .onConflictDoNothing({ target: prices.contentHash })
        .run();
      const stored = db.select().from(prices).where(eq(prices.contentHash, row.contentHash)).get();
      if (stored) out.push(stored);
    }
  })();
  return out;
}

export type RepriceResult = {
  fromMonth: string;
  toMonth: string;
  repricedMonths: string[];
  skippedClosedMonths: string[];
  hourlyRowsChanged: number;
  /** usage_facts rows (users, identities, metadata) whose price version changed. */
  facetRowsChanged: number;
};

/**
 * Re-resolves the price version of every usage row in the OPEN months of [fromMonth, toMonth]
 * (inclusive) with the current price book. Closed months are skipped and listed.
 * @example repriceOpenPeriods(db, { fromMonth: "2026-10", toMonth: "2026-11" })
 */
export function repriceOpenPeriods(db: Db, range: { fromMonth: string; toMonth: string }): RepriceResult {
  if (!isMonth(range.fromMonth) || !isMonth(range.toMonth))
    throw new BillingError("bad_request", "from/to: expected YYYY-MM");
  if (range.fromMonth > range.toMonth) throw new BillingError("bad_request", "from must not be after to");
  const months = monthsBetween(range.fromMonth, range.toMonth);
  if (months.length > 120) throw new BillingError("bad_request", "at most 120 months at a time");
  const book = PriceBook.load(db);
  const client = db.$client;
  const result: RepriceResult = {
    fromMonth: range.fromMonth,
    toMonth: range.toMonth,
    repricedMonths: [],
    skippedClosedMonths: [],
    hourlyRowsChanged: 0,
    facetRowsChanged: 0,
  };
  const hourlyRows = client.prepare(
    `SELECT h.hour AS t, h.dims_id, h.source, h.price_id, d.base_model, d.scope, d.region
     FROM usage_hourly_rows h JOIN usage_dims d ON d.id = h.dims_id WHERE h.hour >= ? AND h.hour < ?`,
  );
  type HourlyPriceRow = Omit<FactPriceRow, "hour" | "attrs_id"> & { t: string };
  const updateHourly = client.prepare(
    "UPDATE usage_hourly_rows SET price_id = ? WHERE hour = ? AND dims_id = ? AND source = ?",
  );
  // One day at a time: a day's fact rows are held, then updated by their key.
  const factRows = client.prepare(
    `SELECT f.hour, f.dims_id, f.attrs_id, f.source, f.price_id, d.base_model, d.scope, d.region
     FROM usage_facts f JOIN usage_dims d ON d.id = f.dims_id WHERE f.hour >= ? AND f.hour < ?`,
  );
  const updateFact = client.prepare(
    "UPDATE usage_facts SET price_id = ? WHERE hour = ? AND dims_id = ? AND attrs_id = ? AND source = ?",
  );
  type FactPriceRow = {
    hour: number;
    dims_id: number;
    attrs_id: number;
    source: string;
    price_id: number | null;
    base_model: string;
    scope: string;
    region: string | null;
  };
  client.transaction(() => {
    // Read inside the transaction so a close cannot slip in between.
    const closed = closedMonthSet(db);
    for (const month of months) {
      if (closed.has(month)) {
        result.skippedClosedMonths.push(month);
        continue;
      }
      result.repricedMonths.push(month);
      const { start, end } = monthBounds(month);
      const days = monthDays(month);
      for (const row of hourlyRows.all(start, end) as HourlyPriceRow[]) {
        const id = book.find(row.base_model, row.scope, row.region, row.t.slice(0, 10))?.id ?? null;
        if (id !== row.price_id)
          result.hourlyRowsChanged += updateHourly.run(id, row.t, row.dims_id, row.source).changes;
      }
      // usage_daily is derived from usage_hourly: bring the month's days back in step.
      rebuildDaily(client, days.from, days.to);
      for (let day = days.from; day < days.to; day = nextDay(day)) {
        for (const row of factRows.all(epochHour(day), epochHour(nextDay(day))) as FactPriceRow[]) {
          const id = book.find(row.base_model, row.scope, row.region, day)?.id ?? null;
          if (id !== row.price_id)
            result.facetRowsChanged += updateFact.run(
              id,
              row.hour,
              row.dims_id,
              row.attrs_id,
              row.source,
            ).changes;
        }
      }
    }
  })();
  return result;
}

/** Price rows, newest effective date first. @example listPrices(db, { origin: "api" }) */
export function listPrices(db: Db, filter: { model?: string; origin?: string } = {}): Price[] {
  return db
    .select()
    .from(prices)
    .where(
      and(
        filter.model === undefined ? undefined : eq(prices.model, filter.model),
        filter.origin === undefined ? undefined : eq(prices.origin, filter.origin),
      ),
    )
    .orderBy(prices.model, prices.scope, prices.region, desc(prices.effectiveFrom), desc(prices.id))
    .all();
}
