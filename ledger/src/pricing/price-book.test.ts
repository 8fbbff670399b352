import { describe, expect, it } from "vitest";
import { createDb } from "../store/db";
import { type Catalog, loadCatalog, SHIPPED_CATALOG_PATH } from "./catalog";
import { PriceBook, syncCatalog } from "./price-book";

const entry = (effective_from: string, input: string) => ({
  model: "vendor.model-v1",
  scopes: ["in_region" as const],
  regions: ["*"],
  effective_from,
  input,
  output: "2",
  cache_read: "0",
  cache_write: "0",
  source: "test",
});
const catalog = (prices: Catalog["prices"]): Catalog => ({
  currency: "USD",
  unit: "per_million_tokens",
  sources: {},
  prices,
});

describe("PriceBook", () => {
  it("picks the latest effective price on or before the day, and none before the first", () => {
    const db = createDb(":memory:");
    syncCatalog(db, catalog([entry("2026-01-01", "1"), entry("2026-06-01", "2")]), "catalog");
    const book = PriceBook.load(db);
    expect(book.find("vendor.model-v1", "in_region", "us-east-1", "2025-12-31")).toBeUndefined();
    expect(book.find("vendor.model-v1", "in_region", "us-east-1", "2026-05-31")?.inputMicros).toBe(1_000_000);
    expect(book.find("vendor.model-v1", "in_region", "us-east-1", "2026-06-01")?.inputMicros).toBe(2_000_000);
    expect(book.find("vendor.model-v1", "geographic", "us-east-1", "2026-06-01")).toBeUndefined();
  });

  it("lets a user override win over the catalog on the same day, and a regional row over '*'", () => {
    const db = createDb(":memory:");
    syncCatalog(db, catalog([entry("2026-01-01", "1")]), "user");
    syncCatalog(
      db,
      catalog([entry("2026-01-01", "5"), { ...entry("2026-01-01", "7"), regions: ["eu-west-1"] }]),
      "catalog",
    );
    const book = PriceBook.load(db);
    expect(book.find("vendor.model-v1", "in_region", "us-east-1", "2026-02-01")?.inputMicros).toBe(1_000_000);
    expect(book.find("vendor.model-v1", "in_region", "eu-west-1", "2026-02-01")?.inputMicros).toBe(7_000_000);
  });

  it("syncs idempotently", () => {
    const db = createDb(":memory:");
    const shipped = loadCatalog(SHIPPED_CATALOG_PATH);
    const first = syncCatalog(db, shipped, "catalog");
    expect(first).toBeGreaterThan(10);
    expect(syncCatalog(db, shipped, "catalog")).toBe(0);
  });

  it("ships a catalog where every row has all four buckets and names a known source", () => {
    const shipped = loadCatalog(SHIPPED_CATALOG_PATH);
    for (const p of shipped.prices) {
      // "key" or, for Price List rows, "key: <SKU> <SKU>…" (ledger/src/pricing/price-list.ts).
      for (const s of p.source.split(",").map((x) => x.trim().split(":")[0] ?? ""))
        expect(Object.keys(shipped.sources)).toContain(s);
    }
  });
});
