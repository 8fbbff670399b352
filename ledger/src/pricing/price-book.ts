/**
 * Which price applies to usage: the row for (base model, scope, region or "*") with the latest
 * effective day on or before the usage day; on the same day a user override beats the catalog,
 * then the most recently added row wins. No row → unpriced (docs/rules.md rule 3), never zero.
 */

import type { Db } from "../store/db";
import { prices } from "../store/schema";
import { type Catalog, expandCatalog, type PriceOrigin } from "./catalog";

export type Price = typeof prices.$inferSelect;

// A Price List row (`prices sync`) beats the shipped catalog on the same day; API and user rows beat both.
const ORIGIN_RANK: Record<string, number> = { catalog: 0, pricelist: 1, api: 2, user: 3 };

/** Inserts the catalog's rows that the store does not have yet. Returns how many were new. */
export function syncCatalog(db: Db, catalog: Catalog, origin: PriceOrigin, now = new Date()): number {
  // Every command syncs the shipped catalog, which is nearly always in the store already: one
  // read of the hashes, and only new rows through the query builder.
  const stored = new Set(
    db
      .select({ hash: prices.contentHash })
      .from(prices)
      .all()
      .map((p) => p.hash),
  );
  const rows = expandCatalog(catalog, origin).filter((row) => !stored.has(row.contentHash));
  if (rows.length === 0) return 0;
  const addedAt = now.toISOString();
  let inserted = 0;
  db.transaction((tx) => {
    for (const row of rows) {
      const result = tx
        .insert(prices)
        .values({ ...row, addedAt })
        .onConflictDoNothing({ target: prices.contentHash })
        .run();
      inserted += result.changes;
    }
  });
  return inserted;
}

export class PriceBook {
  private readonly byModelScope = new Map<string, Price[]>();
  private readonly byId = new Map<number, Price>();
  private readonly memo = new Map<string, Price | undefined>();

  constructor(rows: readonly Price[]) {
    for (const row of rows) {
      this.byId.set(row.id, row);
      const key = `${row.model}\u0000${row.scope}`;
      const list = this.byModelScope.get(key) ?? [];
      list.push(row);
      this.byModelScope.set(key, list);
    }
    for (const list of this.byModelScope.values()) {
      list.sort(
        (a, b) =>
          b.effectiveFrom.localeCompare(a.effectiveFrom) ||
          (ORIGIN_RANK[b.origin] ?? 0) - (ORIGIN_RANK[a.origin] ?? 0) ||
          b.id - a.id,
      );
    }
  }

  static load(db: Db): PriceBook {
    return new PriceBook(db.select().from(prices).all());
  }

  get(id: number): Price | undefined {
    return this.byId.get(id);
  }

  /** The price for usage on `day` (YYYY-MM-DD), or undefined when the model is unpriced. */
  find(baseModel: string, scope: string, region: string | null, day: string): Price | undefined {
    const memoKey = `${baseModel}\u0000${scope}\u0000${region ?? ""}\u0000${day}`;
    if (this.memo.has(memoKey)) return this.memo.get(memoKey);
    const list = this.byModelScope.get(`${baseModel}\u0000${scope}`) ?? [];
    const regional = list.find((p) => p.effectiveFrom <= day && p.region === region);
    const found = regional ?? list.find((p) => p.effectiveFrom <= day && p.region === "*");
    this.memo.set(memoKey, found);
    return found;
  }
}

/** A stable, human-readable name for a price row, recorded with every priced figure. */
export function priceVersion(price: Price): string {
  return `p${price.id}:${price.model}:${price.scope}:${price.region}:${price.effectiveFrom}`;
}
