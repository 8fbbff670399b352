import { describe, expect, it } from "vitest";
import { addPrice, repriceOpenPeriods } from "../billing/prices";
import { loadCatalog, SHIPPED_CATALOG_PATH } from "../pricing/catalog";
import { PriceBook, syncCatalog } from "../pricing/price-book";
import { normalizeRecord } from "../records/normalize";
import { createDb, type Db } from "../store/db";
import { invocationRecord } from "../testing/fixtures";
import { RollupAccumulator } from "./accumulate";
import { addRollupRows, replaceWindow, type WriteContext } from "./write";

const KEY = "source, dims_key, price_key";
const SUMS =
  "SUM(requests) r, SUM(errors) e, SUM(input_tokens) i, SUM(output_tokens) o, SUM(cache_read_tokens) cr, SUM(cache_write_tokens) cw";

/** usage_daily = Σ usage_hourly per day, usage_monthly = Σ usage_daily per month, no empty rows. */
function expectDerivedInStep(db: Db): void {
  const all = (sql: string) => db.$client.prepare(sql).all();
  expect(
    all(`SELECT day AS t, ${KEY}, ${SUMS} FROM usage_daily GROUP BY t, ${KEY} ORDER BY t, ${KEY}`),
  ).toEqual(
    all(
      `SELECT substr(hour, 1, 10) AS t, source, dims_key, COALESCE(price_id, 0) AS price_key, ${SUMS}
       FROM usage_hourly GROUP BY t, ${KEY} ORDER BY t, ${KEY}`,
    ),
  );
  expect(
    all(`SELECT month AS t, ${KEY}, ${SUMS} FROM usage_monthly GROUP BY t, ${KEY} ORDER BY t, ${KEY}`),
  ).toEqual(
    all(
      `SELECT substr(day, 1, 7) AS t, ${KEY}, ${SUMS} FROM usage_daily GROUP BY t, ${KEY} ORDER BY t, ${KEY}`,
    ),
  );
  expect(all("SELECT * FROM usage_monthly WHERE requests = 0 AND errors = 0")).toEqual([]);
}

/** A deterministic stream of records around a month boundary: tenants, models (one unpriced), errors. */
function records(seed: number, n: number, prefix: string): Record<string, unknown>[] {
  let x = seed;
  const rand = (k: number) => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    return x % k;
  };
  const models = ["us.anthropic.claude-haiku-4-5-20251001-v1:0", "amazon.nova-lite-v1:0", "acme.unpriced-v1"];
  const start = Date.parse("2026-09-28T00:00:00Z");
  return Array.from({ length: n }, (_, i) =>
    invocationRecord({
      requestId: `${prefix}-${i}`,
      timestamp: new Date(start + rand(8 * 24) * 3_600_000 + rand(3_600_000)).toISOString(),
      modelId: models[rand(models.length)],
      metadata: { tenant_id: `t${rand(4)}`, application_name: `app${rand(2)}` },
      ...(rand(10) === 0 ? { errorCode: "ThrottlingException" } : {}),
      input: {
        inputTokenCount: 1 + rand(1000),
        cacheReadInputTokenCount: rand(50),
        cacheWriteInputTokenCount: 0,
      },
      output: { outputTokenCount: rand(400) },
    }),
  );
}

function write(ctx: WriteContext, batch: Record<string, unknown>[]): void {
  const acc = new RollupAccumulator();
  for (const raw of batch) {
    const n = normalizeRecord(raw);
    if (n.kind !== "record") throw new Error(`bad fixture: ${JSON.stringify(n)}`);
    acc.add(n.record);
  }
  ctx.db.$client.transaction(() => addRollupRows(ctx, acc.hourlyRows(), acc.facetRows()))();
}

describe("derived day and month tables", () => {
  it("stay equal to the hourly table through adds, window replacements and a reprice", () => {
    const db = createDb(":memory:");
    syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
    const raw: WriteContext = { db, source: "raw", prices: PriceBook.load(db) };
    // Batches that each touch several days in two months, adding to rows earlier batches wrote.
    for (let b = 0; b < 5; b++) {
      write(raw, records(100 + b, 300, `b${b}`));
      expectDerivedInStep(db);
    }
    const monthTotal = () =>
      db.$client.prepare("SELECT SUM(requests) FROM usage_monthly WHERE source = 'raw'").pluck().get();
    expect(monthTotal()).toBe(
      db.$client.prepare("SELECT SUM(requests) FROM usage_hourly WHERE source = 'raw'").pluck().get(),
    );

    // A collector's window across the month boundary: written, then replaced by less, then by nothing.
    const athena: WriteContext = { db, source: "athena", prices: raw.prices };
    const rowsOf = (batch: Record<string, unknown>[]) => {
      const acc = new RollupAccumulator();
      for (const r of batch) {
        const n = normalizeRecord(r);
        if (n.kind === "record") acc.add(n.record);
      }
      return [...acc.hourlyRows()];
    };
    const window = { fromHour: "2026-09-29T00:00:00Z", toHour: "2026-10-03T00:00:00Z" };
    const inWindow = (rows: ReturnType<typeof rowsOf>) =>
      rows.filter((r) => r.hour >= window.fromHour && r.hour < window.toHour);
    replaceWindow(athena, { ...window, hourly: inWindow(rowsOf(records(7, 400, "a"))) });
    expectDerivedInStep(db);
    replaceWindow(athena, { ...window, hourly: inWindow(rowsOf(records(8, 40, "a"))) });
    expectDerivedInStep(db);
    replaceWindow(athena, { ...window, hourly: [] });
    expectDerivedInStep(db);
    expect(
      db.$client.prepare("SELECT COUNT(*) FROM usage_monthly WHERE source = 'athena'").pluck().get(),
    ).toBe(0);

    // Pricing the unpriced model moves its month rows from price_key 0 to the new price.
    addPrice(db, {
      model: "acme.unpriced-v1",
      scopes: ["in_region"],
      effectiveFrom: "2026-10-01",
      input: "1",
      output: "2",
      cacheRead: "0.1",
      cacheWrite: "0",
      source: "test",
    });
    const unpricedInOctober = () =>
      db.$client
        .prepare(
          "SELECT COUNT(*) FROM usage_monthly WHERE month = '2026-10' AND base_model = 'acme.unpriced-v1' AND price_id IS NULL",
        )
        .pluck()
        .get();
    expect(unpricedInOctober()).toBeGreaterThan(0);
    repriceOpenPeriods(db, { fromMonth: "2026-09", toMonth: "2026-10" });
    expectDerivedInStep(db);
    expect(unpricedInOctober()).toBe(0);
    expect(monthTotal()).toBe(
      db.$client.prepare("SELECT SUM(requests) FROM usage_hourly WHERE source = 'raw'").pluck().get(),
    );
  });
});
