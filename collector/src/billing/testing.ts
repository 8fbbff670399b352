/** Test helpers for the billing domain and the API: a store with simple prices and usage rows. */

import { PriceBook } from "../pricing/price-book";
import type { Counters, FacetRow, HourlyRow } from "../rollup/types";
import { addRollupRows } from "../rollup/write";
import { createDb, type Db } from "../store/db";
import { addPrice } from "./prices";

/** Model priced by `testDb`: $3 / $15 / $0.30 / $3.75 per 1M tokens from 2026-01-01. */
export const TEST_MODEL = "anthropic.claude-test";
/** A model with no price. */
export const UNPRICED_MODEL = "acme.mystery-model";

export function testDb(): Db {
  const db = createDb(":memory:");
  addPrice(db, {
    model: TEST_MODEL,
    scopes: ["in_region"],
    effectiveFrom: "2026-01-01",
    input: "3.00",
    output: "15.00",
    cacheRead: "0.30",
    cacheWrite: "3.75",
    source: "test",
  });
  return db;
}

export type UsageInput = {
  hour: string;
  tenant?: string | null;
  application?: string | null;
  costCenter?: string | null;
  model?: string;
  region?: string;
  identity?: string | null;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  requests?: number;
  errors?: number;
};

/** Adds usage rows (hourly + identity facet), priced with the store's current price book. */
export function addUsage(db: Db, rows: readonly UsageInput[]): void {
  const prices = PriceBook.load(db);
  const hourly: HourlyRow[] = [];
  const facets: FacetRow[] = [];
  for (const r of rows) {
    const dims = {
      accountId: "111122223333",
      region: r.region ?? "us-east-1",
      tenantId: r.tenant === undefined ? "acme" : r.tenant,
      applicationName: r.application === undefined ? "support" : r.application,
      costCenter: r.costCenter === undefined ? "CC-1" : r.costCenter,
      environment: "production",
      team: "cx",
      modelId: r.model ?? TEST_MODEL,
    };
    const counters: Counters = {
      requests: r.requests ?? 1,
      errors: r.errors ?? 0,
      inputTokens: r.input ?? 0,
      outputTokens: r.output ?? 0,
      cacheReadTokens: r.cacheRead ?? 0,
      cacheWriteTokens: r.cacheWrite ?? 0,
    };
    hourly.push({ hour: r.hour, dims, counters });
    facets.push({
      day: r.hour.slice(0, 10),
      dims,
      facet: "identity",
      value: r.identity ?? "arn:aws:iam::111122223333:role/app",
      counters,
    });
  }
  db.$client.transaction(() => addRollupRows({ db, source: "raw", prices }, hourly, facets))();
}
