/**
 * Adds rollup rows to the store (raw path: deltas) or replaces a source's window (collectors).
 * Each row gets its base model, scope and price version here, the one place that happens.
 * Raw prepared statements: this is the ingest hot path.
 */
import type { Statement } from "better-sqlite3";
import { type ApplicationProfileMap, resolveModel } from "../models/resolve-model";
import type { PriceBook } from "../pricing/price-book";
import type { Db } from "../store/db";
import { ADD_COUNTERS, ADD_MOMENTS, COUNTER_COLUMNS, DIM_COLUMNS, MOMENT_COLUMNS } from "./columns";
import { nextDay, rebuildDaily } from "./daily";
import {
  addCounters,
  attrsKeyOf,
  type Counters,
  dimsKeyOf,
  type FactRow,
  type HourlyRow,
  MOMENT_COUNT,
  type RollupDims,
} from "./types";

export type RollupSource = "raw" | "logs-insights" | "athena";

export type WriteContext = {
  db: Db;
  source: RollupSource;
  prices: PriceBook;
  applicationProfiles?: ApplicationProfileMap;
  profilePrefixes?: readonly string[];
};

type Statements = {
  hourly: Statement;
  daily: Statement;
  monthly: Statement;
  fact: Statement;
  dimsId: Statement;
  addDims: Statement;
  attrsId: Statement;
  addAttrs: Statement;
};
const statementCache = new WeakMap<object, Statements>();

function statements(db: Db): Statements {
  const client = db.$client;
  let s = statementCache.get(client);
  if (!s) {
    s = {
      hourly: client.prepare(
        `INSERT INTO usage_hourly_rows (hour, dims_id, source, ${COUNTER_COLUMNS}, price_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (hour, dims_id, source) DO UPDATE SET ${ADD_COUNTERS}`,
      ),
      daily: client.prepare(
        `INSERT INTO usage_daily_rows (day, dims_id, source, price_key, ${COUNTER_COLUMNS}, price_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (day, dims_id, source, price_key) DO UPDATE SET ${ADD_COUNTERS}`,
      ),
      monthly: client.prepare(
        `INSERT INTO usage_monthly_rows (month, dims_id, source, price_key, ${COUNTER_COLUMNS}, price_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (month, dims_id, source, price_key) DO UPDATE SET ${ADD_COUNTERS}`,
      ),
      fact: client.prepare(
        `INSERT INTO usage_facts (hour, dims_id, attrs_id, source, grain, ${COUNTER_COLUMNS}, ${MOMENT_COLUMNS}, latency_ms, latency_count, price_id)
         VALUES (${Array.from({ length: 24 }, () => "?").join(", ")})
         ON CONFLICT (hour, dims_id, attrs_id, source) DO UPDATE SET ${ADD_COUNTERS}, ${ADD_MOMENTS},
           latency_ms = latency_ms + excluded.latency_ms, latency_count = latency_count + excluded.latency_count`,
      ),
      dimsId: client.prepare("SELECT id FROM usage_dims WHERE key = ?").pluck(),
      addDims: client.prepare(
        `INSERT INTO usage_dims (key, ${DIM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      attrsId: client.prepare("SELECT id FROM usage_attrs WHERE key = ?").pluck(),
      addAttrs: client.prepare(
        "INSERT INTO usage_attrs (key, user_id, identity_arn, meta) VALUES (?, ?, ?, ?)",
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

/**
 * Adds rows to whatever the store holds, and their sums to usage_daily_rows and
 * usage_monthly_rows (an addition needs no rebuild: the derived rows take the same deltas, keyed
 * as `rebuildDaily` keys them, so the three tables stay equal). Call inside a transaction.
 */
export function addRollupRows(
  ctx: WriteContext,
  hourly: Iterable<HourlyRow>,
  facts: Iterable<FactRow>,
): void {
  const s = statements(ctx.db);
  const days = writeRows(ctx, hourly, facts);
  const months = new Map<string, DayDelta>();
  for (const d of days.values()) {
    s.daily.run(d.period, d.dimsId, ctx.source, d.priceId ?? 0, ...countersOf(d.counters), d.priceId);
    const at = `${d.period.slice(0, 7)}\u0001${d.dimsId}\u0001${d.priceId ?? 0}`;
    const m = months.get(at);
    if (m) addCounters(m.counters, d.counters);
    else months.set(at, { ...d, period: d.period.slice(0, 7), counters: { ...d.counters } });
  }
  for (const m of months.values())
    s.monthly.run(m.period, m.dimsId, ctx.source, m.priceId ?? 0, ...countersOf(m.counters), m.priceId);
}

/** A tuple's usage summed over a day (or month) at one price: a delta for the derived tables. */
type DayDelta = {
  period: string;
  dimsId: number;
  priceId: number | null;
  counters: Counters;
};

function countersOf(c: Counters): number[] {
  return [c.requests, c.errors, c.inputTokens, c.outputTokens, c.cacheReadTokens, c.cacheWriteTokens];
}

/** Upserts the rows; returns the hourly rows' sums per day × tuple × price. */
function writeRows(
  ctx: WriteContext,
  hourly: Iterable<HourlyRow>,
  facts: Iterable<FactRow>,
): Map<string, DayDelta> {
  const days = new Map<string, DayDelta>();
  const s = statements(ctx.db);
  // Per call: a tuple's dictionary id and its price on a day. Ids are never cached across
  // transactions: an id inserted by a transaction that rolled back must not be reused.
  const dimsIds = new Map<string, number>();
  // By tuple, then day: a row's dimsKey is its group's one string, whose hash V8 keeps, where a
  // joined `${day}${dimsKey}` would be a new long string to hash per row.
  const resolved = new Map<string, Map<string, { dimsId: number; priceId: number | null }>>();
  const resolve = (dims: RollupDims, dimsKey: string, day: string) => {
    let byDay = resolved.get(dimsKey);
    if (!byDay) {
      byDay = new Map();
      resolved.set(dimsKey, byDay);
    }
    let r = byDay.get(day);
    if (!r) {
      const { values, priceId } = dimValues(ctx, dims, day);
      const key = `${dimsKey}\u0001${values[8]}\u0001${values[9]}`;
      let dimsId = dimsIds.get(key);
      if (dimsId === undefined) {
        dimsId =
          (s.dimsId.get(key) as number | undefined) ?? Number(s.addDims.run(key, ...values).lastInsertRowid);
        dimsIds.set(key, dimsId);
      }
      r = { dimsId, priceId };
      byDay.set(day, r);
    }
    return r;
  };
  for (const row of hourly) {
    const day = row.hour.slice(0, 10);
    const { dimsId, priceId } = resolve(row.dims, row.dimsKey ?? dimsKeyOf(row.dims), day);
    const c = row.counters;
    const at = `${day}\u0001${dimsId}\u0001${priceId ?? 0}`;
    const delta = days.get(at);
    if (delta) addCounters(delta.counters, c);
    else days.set(at, { period: day, dimsId, priceId, counters: { ...c } });
    s.hourly.run(
      row.hour,
      dimsId,
      ctx.source,
      c.requests,
      c.errors,
      c.inputTokens,
      c.outputTokens,
      c.cacheReadTokens,
      c.cacheWriteTokens,
      priceId,
    );
  }
  const attrsIds = new Map<string, number>();
  const noMoments = new Array<number>(MOMENT_COUNT).fill(0);
  for (const row of facts) {
    const { dimsId, priceId } = resolve(row.dims, row.dimsKey ?? dimsKeyOf(row.dims), row.hour.slice(0, 10));
    const { key: attrsKey, meta } = row.attrsKey ?? attrsKeyOf(row.attrs);
    let attrsId = attrsIds.get(attrsKey);
    if (attrsId === undefined) {
      attrsId =
        (s.attrsId.get(attrsKey) as number | undefined) ??
        Number(s.addAttrs.run(attrsKey, row.attrs.user, row.attrs.identity, meta).lastInsertRowid);
      attrsIds.set(attrsKey, attrsId);
    }
    const c = row.counters;
    s.fact.run(
      Date.parse(row.hour) / 3_600_000,
      dimsId,
      attrsId,
      ctx.source,
      row.grain,
      c.requests,
      c.errors,
      c.inputTokens,
      c.outputTokens,
      c.cacheReadTokens,
      c.cacheWriteTokens,
      ...(row.moments ?? noMoments),
      row.latencyMs ?? 0,
      row.latencyCount ?? 0,
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
  /** Days [fromDay, toDay) whose fact rows are replaced; omit to leave facts alone. */
  factDays?: { fromDay: string; toDay: string; rows: Iterable<FactRow> };
};

/**
 * Atomically replaces `ctx.source`'s rows in a window with freshly aggregated ones, so that
 * re-running a collector over the same window never double counts.
 */
export function replaceWindow(ctx: WriteContext, window: ReplaceWindow): void {
  const client = ctx.db.$client;
  client.transaction(() => {
    client
      .prepare("DELETE FROM usage_hourly_rows WHERE source = ? AND hour >= ? AND hour < ?")
      .run(ctx.source, window.fromHour, window.toHour);
    if (window.factDays) {
      client
        .prepare("DELETE FROM usage_facts WHERE hour >= ? AND hour < ? AND source = ?")
        .run(epochHour(window.factDays.fromDay), epochHour(window.factDays.toDay), ctx.source);
    }
    writeRows(ctx, window.hourly, window.factDays?.rows ?? []);
    const lastHour = new Date(Date.parse(window.toHour) - 3_600_000).toISOString();
    rebuildDaily(client, window.fromHour.slice(0, 10), nextDay(lastHour.slice(0, 10)), ctx.source);
  })();
}

/** A UTC day or hour as hours since 1970-01-01T00:00Z, the usage_facts hour. */
export function epochHour(bound: string): number {
  return Date.parse(bound.length === 10 ? `${bound}T00:00:00Z` : bound) / 3_600_000;
}
