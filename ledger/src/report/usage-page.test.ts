import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addUsage, testDb, UNPRICED_MODEL, type UsageInput } from "../billing/testing";
import type { Dimension } from "../dimensions";
import { PriceBook } from "../pricing/price-book";
import { type Granularity, queryUsage, queryUsagePage, totalOf, type UsageRow } from "./usage";

const keyOf = (r: UsageRow) => JSON.stringify([r.period ?? null, r.keys]);
const comparable = (r: UsageRow) => ({
  ...r,
  unpricedModels: [...r.unpricedModels].sort(),
  priceIds: [...r.priceIds].sort(),
});

const usage = fc.record({
  hour: fc.constantFrom(
    "2026-10-01T00:00:00Z",
    "2026-10-01T05:00:00Z",
    "2026-10-09T23:00:00Z",
    "2026-11-02T01:00:00Z",
  ),
  tenant: fc.constantFrom("a", "b", "c", null),
  application: fc.constantFrom("x", "y", null),
  costCenter: fc.constantFrom("CC-1", null),
  model: fc.constantFrom("anthropic.claude-test", UNPRICED_MODEL),
  input: fc.integer({ min: 0, max: 5_000_000 }),
  output: fc.integer({ min: 0, max: 500_000 }),
  requests: fc.integer({ min: 1, max: 9 }),
}) satisfies fc.Arbitrary<UsageInput>;

describe("queryUsagePage", () => {
  it("pages, concatenated, are exactly the whole breakdown; every page carries the whole total", () => {
    fc.assert(
      fc.property(
        fc.array(usage, { minLength: 1, maxLength: 40 }),
        fc.subarray<Dimension>(["tenant", "application", "cost_center", "model"]),
        fc.constantFrom<Granularity | undefined>(undefined, "hour", "day", "month"),
        fc.integer({ min: 1, max: 7 }),
        (rows, by, granularity, limit) => {
          const db = testDb();
          addUsage(db, rows);
          const prices = PriceBook.load(db);
          const query = {
            from: "2026-10-01",
            to: "2026-12-01",
            by,
            ...(granularity ? { granularity } : {}),
          };
          const all = queryUsage(db, prices, query);
          const seen: UsageRow[] = [];
          for (let offset = 0, pages = 0; ; pages++) {
            expect(pages).toBeLessThan(100);
            const page = queryUsagePage(db, prices, query, { offset, limit });
            expect(page.rows.length).toBeLessThanOrEqual(limit);
            expect(page.total).toEqual({
              ...totalOf(all),
              unpricedModels: expect.arrayContaining(totalOf(all).unpricedModels),
              priceIds: expect.arrayContaining(totalOf(all).priceIds),
            });
            seen.push(...page.rows);
            offset += page.rows.length;
            if (!page.hasMore) break;
            expect(page.rows.length).toBe(limit);
          }
          expect(seen.map(keyOf)).toEqual([...new Set(seen.map(keyOf))]);
          const byKey = (a: UsageRow, b: UsageRow) => keyOf(a).localeCompare(keyOf(b));
          expect([...seen].sort(byKey).map(comparable)).toEqual([...all].sort(byKey).map(comparable));
          db.$client.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it("orders by period, then the group values with missing (null) first", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-02T00:00:00Z", tenant: "b", input: 1 },
      { hour: "2026-10-01T00:00:00Z", tenant: "b", input: 1 },
      { hour: "2026-10-01T00:00:00Z", tenant: null, input: 1 },
      { hour: "2026-10-01T00:00:00Z", tenant: "a", input: 1 },
    ]);
    const page = queryUsagePage(
      db,
      PriceBook.load(db),
      { from: "2026-10-01", to: "2026-11-01", by: ["tenant"], granularity: "day" },
      { offset: 0, limit: 10 },
    );
    expect(page.rows.map((r) => [r.period, r.keys.tenant])).toEqual([
      ["2026-10-01", null],
      ["2026-10-01", "a"],
      ["2026-10-01", "b"],
      ["2026-10-02", "b"],
    ]);
    expect(page.hasMore).toBe(false);
  });
});
