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
import { rebuildDaily } from "../rollup/daily";
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
  const hourly = client.prepare(
    "SELECT rowid, region, hour AS t FROM usage_hourly WHERE scope = 'unresolved' AND model_id = ? AND hour >= ? AND hour < ?",
  );
  const facets = client.prepare(
    "SELECT rowid, region, day AS t FROM usage_daily_facets WHERE scope = 'unresolved' AND model_id = ? AND day >= ? AND day < ?",
  );
  const setHourly = client.prepare(
    "UPDATE usage_hourly SET base_model = ?, scope = ?, price_id = ? WHERE rowid = ?",
  );
  const setFacet = client.prepare(
    "UPDATE usage_daily_facets SET base_model = ?, scope = ?, price_id = ? WHERE rowid = ?",
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
      type Row = { rowid: number; region: string | null; t: string };
      for (const row of hourly.all(arn, `${days.from}T`, `${days.to}T`) as Row[]) {
        const price = book.find(model.baseModel, model.scope, row.region, row.t.slice(0, 10));
        result.hourlyRowsChanged += setHourly.run(
          model.baseModel,
          model.scope,
          price?.id ?? null,
          row.rowid,
        ).changes;
      }
      for (const row of facets.all(arn, days.from, days.to) as Row[]) {
        const price = book.find(model.baseModel, model.scope, row.region, row.t);
        result.facetRowsChanged += setFacet.run(
          model.baseModel,
          model.scope,
          price?.id ?? null,
          row.rowid,
        ).changes;
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
