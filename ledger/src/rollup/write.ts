/**
 * Adds rollup rows to the store (raw path: deltas) or replaces a source's window (collectors).
 * Each row gets its base model, scope and price version here, the one place that happens.
 * Raw prepared statements: this is the ingest hot path.
 */
import type { Statement } from "better-sqlite3";
import { type ApplicationProfileMap, resolveModel } from "../models/resolve-model";
import type { PriceBook } from "../pricing/price-book";
import type { Db } from "../store/db";
import { ADD_COUNTERS, COUNTER_COLUMNS, DIM_COLUMNS } from "./columns";
import { nextDay, rebuildDaily } from "./daily";
import { dimsKeyOf, type FacetRow, type HourlyRow, type RollupDims } from "./types";

export type RollupSource = "raw" | "logs-insights" | "athena";

export type WriteContext = {
  db: Db;
  source: RollupSource;
  prices: PriceBook;
  applicationProfiles?: ApplicationProfileMap;
  profilePrefixes?: readonly string[];
};

type Statements = { hourly: Statement; facet: Statement };
const statementCache = new WeakMap<object, Statements>();

function statements(db: Db): Statements {
  const client = db.$client;
  let s = statementCache.get(client);
  if (!s) {
    s = {
      hourly: client.prepare(
        `INSERT INTO usage_hourly (source, hour, dims_key, ${DIM_COLUMNS}, ${COUNTER_COLUMNS}, price_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, hour, dims_key) DO UPDATE SET ${ADD_COUNTERS}`,
      ),
      facet: client.prepare(
        `INSERT INTO usage_daily_facets (source, day, dims_key, facet, value_key, value, ${DIM_COLUMNS}, ${COUNTER_COLUMNS}, price_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (source, day, dims_key, facet, value_key) DO UPDATE SET ${ADD_COUNTERS}`,
      ),
    };
    statementCache.set(client, s);
  }
  return s;
}

const resolvedModels = new WeakMap<WriteContext, Map<string, ReturnType<typeof resolveModel>>>();

function resolveCached(ctx: WriteContext, modelId: string) {
  let cache = resolvedModels.get(ctx);
  if (!cache) {
    cache = new Map();
    resolvedModels.set(ctx, cache);
  }
  let model = cache.get(modelId);
  if (!model) {
    model = resolveModel(modelId, {
      applicationProfiles: ctx.applicationProfiles,
      prefixes: ctx.profilePrefixes,
    });
    cache.set(modelId, model);
  }
  return model;
}

function dimValues(ctx: WriteContext, dims: RollupDims, day: string) {
  const model = resolveCached(ctx, dims.modelId);
  const price = ctx.prices.find(model.baseModel, model.scope, dims.region, day);
  return {
    values: [
      dims.accountId,
      dims.region,
      dims.tenantId,
      dims.applicationName,
      dims.costCenter,
      dims.environment,
      dims.team,
      dims.modelId,
      model.baseModel,
      model.scope,
    ],
    priceId: price?.id ?? null,
  };
}

/** Adds rows to whatever the store holds. Call inside a transaction. */
/** Adds rows to whatever the store holds and rebuilds usage_daily for their days. Call inside a transaction. */
export function addRollupRows(
  ctx: WriteContext,
  hourly: Iterable<HourlyRow>,
  facets: Iterable<FacetRow>,
): void {
  for (const day of writeRows(ctx, hourly, facets))
    rebuildDaily(ctx.db.$client, day, nextDay(day), ctx.source);
}

/** Upserts the rows; returns the days of the hourly rows it wrote. */
function writeRows(ctx: WriteContext, hourly: Iterable<HourlyRow>, facets: Iterable<FacetRow>): Set<string> {
  const days = new Set<string>();
  const s = statements(ctx.db);
  for (const row of hourly) {
    const day = row.hour.slice(0, 10);
    days.add(day);
    const { values, priceId } = dimValues(ctx, row.dims, day);
    const c = row.counters;
    s.hourly.run(
      ctx.source,
      row.hour,
      row.dimsKey ?? dimsKeyOf(row.dims),
      ...values,
      c.requests,
      c.errors,
      c.inputTokens,
      c.outputTokens,
      c.cacheReadTokens,
      c.cacheWriteTokens,
      priceId,
    );
  }
  for (const row of facets) {
    const { values, priceId } = dimValues(ctx, row.dims, row.day);
    const c = row.counters;
    s.facet.run(
      ctx.source,
      row.day,
      row.dimsKey ?? dimsKeyOf(row.dims),
      row.facet,
      JSON.stringify(row.value),
      row.value,
      ...values,
      c.requests,
      c.errors,
      c.inputTokens,
      c.outputTokens,
      c.cacheReadTokens,
      c.cacheWriteTokens,
      priceId,
    );
  }
  return days;
}

export type ReplaceWindow = {
  /** Hours [fromHour, toHour) as `YYYY-MM-DDTHH:00:00Z`. */
  fromHour: string;
  toHour: string;
  hourly: Iterable<HourlyRow>;
  /** Days [fromDay, toDay) whose facet rows are replaced; omit to leave facets alone. */
  facetDays?: { fromDay: string; toDay: string; rows: Iterable<FacetRow> };
};

/**
 * Atomically replaces `ctx.source`'s rows in a window with freshly aggregated ones, so that
 * re-running a collector over the same window never double counts.
 */
export function replaceWindow(ctx: WriteContext, window: ReplaceWindow): void {
  const client = ctx.db.$client;
  client.transaction(() => {
    client
      .prepare("DELETE FROM usage_hourly WHERE source = ? AND hour >= ? AND hour < ?")
      .run(ctx.source, window.fromHour, window.toHour);
    if (window.facetDays) {
      client
        .prepare("DELETE FROM usage_daily_facets WHERE source = ? AND day >= ? AND day < ?")
        .run(ctx.source, window.facetDays.fromDay, window.facetDays.toDay);
    }
    writeRows(ctx, window.hourly, window.facetDays?.rows ?? []);
    const lastHour = new Date(Date.parse(window.toHour) - 3_600_000).toISOString();
    rebuildDaily(client, window.fromHour.slice(0, 10), nextDay(lastHour.slice(0, 10)), ctx.source);
  })();
}
