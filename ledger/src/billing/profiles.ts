/**
 * Application inference profile mappings kept in the store, and re-resolving the usage logged
 * under a profile ARN that was unmapped when it was ingested (docs/rules.md rules 2 and 4): the
 * rows of OPEN months get the model, scope and price version the mapping gives now; closed
 * months are never touched. The mappings live in the checkpoints table under the source the
 * collector's GetInferenceProfile cache uses (collector/src/sources/inference-profiles.ts), so
 * `collect`, `ingest` and `profiles map` share one table.
 */
import { and, eq } from "drizzle-orm";
import { resolveModel } from "../models/resolve-model";
import { PriceBook } from "../pricing/price-book";
import { ADD_COUNTERS, ADD_MOMENTS, COUNTER_COLUMNS, MOMENT_COLUMNS } from "../rollup/columns";
import { nextDay, rebuildDaily } from "../rollup/daily";
import { epochHour } from "../rollup/write";
import type { Db } from "../store/db";
import { checkpoints } from "../store/schema";
import { BillingError } from "./errors";
import { monthDays } from "./months";
import { closedMonthSet } from "./period-status";

/** The checkpoints `source` of stored profile mappings (shared with the collector's cache). */
export const PROFILE_MAPPING_SOURCE = "inference-profiles";
const APP_PROFILE = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:application-inference-profile\/.+$/;

/** Every stored mapping, ARN → model id or system profile id. */
export function storedProfileMappings(db: Db): Map<string, string> {
  const rows = db
    .select({ name: checkpoints.name, value: checkpoints.value })
    .from(checkpoints)
    .where(eq(checkpoints.source, PROFILE_MAPPING_SOURCE))
    .all();
  return new Map(rows.map((r) => [r.name, r.value]));
}

/** Stores (or replaces) one mapping. The target must resolve to a base model, never to an ARN. */
export function storeProfileMapping(db: Db, arn: string, modelId: string, now = new Date()): void {
  if (!APP_PROFILE.test(arn))
    throw new BillingError(
      "bad_request",
      `${JSON.stringify(arn)} is not an application inference profile ARN`,
    );
  const target = resolveModel(modelId);
  if (target.scope === "unresolved" || modelId.startsWith("arn:"))
    throw new BillingError(
      "bad_request",
      `${JSON.stringify(modelId)} is not a model id or system inference profile id`,
    );
  const updatedAt = now.toISOString();
  db.insert(checkpoints)
    .values({ source: PROFILE_MAPPING_SOURCE, name: arn, value: modelId, updatedAt })
    .onConflictDoUpdate({
      target: [checkpoints.source, checkpoints.name],
      set: { value: modelId, updatedAt },
    })
    .run();
}

export function deleteProfileMapping(db: Db, arn: string): boolean {
  return (
    db
      .delete(checkpoints)
      .where(and(eq(checkpoints.source, PROFILE_MAPPING_SOURCE), eq(checkpoints.name, arn)))
      .run().changes > 0
  );
}

export type ReresolveResult = {
  /** ARNs that had unresolved usage and a mapping. */
  arns: string[];
  reresolvedMonths: string[];
  skippedClosedMonths: string[];
  hourlyRowsChanged: number;
  facetRowsChanged: number;
};

/**
 * Gives the unresolved usage rows of every mapped ARN, in open months, the base model, scope and
 * price version the mapping yields today.
 * @example reresolveProfiles(db, storedProfileMappings(db))
 */
export function reresolveProfiles(db: Db, mappings: ReadonlyMap<string, string>): ReresolveResult {
  const client = db.$client;
  const result: ReresolveResult = {
    arns: [],
    reresolvedMonths: [],
    skippedClosedMonths: [],
    hourlyRowsChanged: 0,
    facetRowsChanged: 0,
  };
  const book = PriceBook.load(db);
  const unresolved = client
    .prepare(
      "SELECT DISTINCT model_id AS arn, substr(hour, 1, 7) AS month FROM usage_hourly WHERE scope = 'unresolved' ORDER BY month, arn",
    )
    .all() as { arn: string; month: string }[];
  // usage_hourly_rows and usage_facts: the tuple's base model and scope live in usage_dims, so the
  // re-resolved rows move to the tuple's re-resolved dims id (merged into any row already there),
  // day by day for the price in force (docs/adr/0011-usage-facts.md, 0012-parallel-ingest.md).
  const unresolvedDims = client.prepare(
    "SELECT id, key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id FROM usage_dims WHERE scope = 'unresolved' AND model_id = ?",
  );
  const dimsIdOf = client.prepare("SELECT id FROM usage_dims WHERE key = ?").pluck();
  const addDims = client.prepare(
    "INSERT INTO usage_dims (key, account_id, region, tenant_id, application_name, cost_center, environment, team, model_id, base_model, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const moveFacts = client.prepare(
    `INSERT INTO usage_facts (hour, dims_id, attrs_id, source, grain, ${COUNTER_COLUMNS}, ${MOMENT_COLUMNS}, latency_ms, latency_count, price_id)
     SELECT hour, ?, attrs_id, source, grain, ${COUNTER_COLUMNS}, ${MOMENT_COLUMNS}, latency_ms, latency_count, ?
     FROM usage_facts WHERE dims_id = ? AND hour >= ? AND hour < ?
     ON CONFLICT (hour, dims_id, attrs_id, source) DO UPDATE SET ${ADD_COUNTERS}, ${ADD_MOMENTS},
       latency_ms = latency_ms + excluded.latency_ms, latency_count = latency_count + excluded.latency_count`,
  );
  const dropFacts = client.prepare("DELETE FROM usage_facts WHERE dims_id = ? AND hour >= ? AND hour < ?");
  const moveHourly = client.prepare(
    `INSERT INTO usage_hourly_rows (hour, dims_id, source, ${COUNTER_COLUMNS}, price_id)
     SELECT hour, ?, source, ${COUNTER_COLUMNS}, ? FROM usage_hourly_rows
     WHERE dims_id = ? AND hour >= ? AND hour < ?
     ON CONFLICT (hour, dims_id, source) DO UPDATE SET ${ADD_COUNTERS}`,
  );
  const dropHourly = client.prepare(
    "DELETE FROM usage_hourly_rows WHERE dims_id = ? AND hour >= ? AND hour < ?",
  );
  client.transaction(() => {
    // Read inside the transaction so a close cannot slip in between.
    const closed = closedMonthSet(db);
    const arns = new Set<string>();
    const months = new Set<string>();
    const skipped = new Set<string>();
    for (const { arn, month } of unresolved) {
      if (!mappings.has(arn)) continue;
      const model = resolveModel(arn, { applicationProfiles: mappings });
      if (model.scope === "unresolved") continue;
      if (closed.has(month)) {
        skipped.add(month);
        continue;
      }
      arns.add(arn);
      months.add(month);
      const days = monthDays(month);
      type DimsRow = { id: number; key: string; region: string | null } & Record<
        string,
        string | number | null
      >;
      for (const d of unresolvedDims.all(arn) as DimsRow[]) {
        const key = `${d.key.split("\u0001")[0]}\u0001${model.baseModel}\u0001${model.scope}`;
        const columns = [
          d.account_id,
          d.region,
          d.tenant_id,
          d.application_name,
          d.cost_center,
          d.environment,
          d.team,
          d.model_id,
        ];
        const id =
          (dimsIdOf.get(key) as number | undefined) ??
          Number(addDims.run(key, ...columns, model.baseModel, model.scope).lastInsertRowid);
        for (let day = days.from; day < days.to; day = nextDay(day)) {
          const price = book.find(model.baseModel, model.scope, d.region, day);
          const range = [epochHour(day), epochHour(nextDay(day))] as const;
          moveFacts.run(id, price?.id ?? null, d.id, ...range);
          result.facetRowsChanged += dropFacts.run(d.id, ...range).changes;
          const hours = [`${day}T`, `${nextDay(day)}T`] as const;
          moveHourly.run(id, price?.id ?? null, d.id, ...hours);
          result.hourlyRowsChanged += dropHourly.run(d.id, ...hours).changes;
        }
      }
    }
    for (const month of months) {
      const days = monthDays(month);
      rebuildDaily(client, days.from, days.to);
    }
    result.arns = [...arns].sort();
    result.reresolvedMonths = [...months].sort();
    result.skippedClosedMonths = [...skipped].sort();
  })();
  return result;
}
