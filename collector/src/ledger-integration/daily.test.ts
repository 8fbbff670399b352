import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  addPrice,
  addRollupRows,
  createDb,
  type Db,
  loadCatalog,
  PriceBook,
  queryUsage,
  RollupAccumulator,
  rebuildDaily,
  replaceWindow,
  repriceOpenPeriods,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  type WriteContext,
} from "@bedrock-chargeback/ledger";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { describe, expect, it } from "vitest";
import { normalizeRecord } from "../records/normalize";
import { invocationRecord, tempDir } from "../testing/fixtures";

const KEY = "source, dims_key, price_key, base_model, scope";
const SUMS =
  "SUM(requests) r, SUM(errors) e, SUM(input_tokens) i, SUM(output_tokens) o, SUM(cache_read_tokens) cr, SUM(cache_write_tokens) cw";

/** usage_daily = Σ usage_hourly per day, usage_monthly = Σ usage_daily per month, no empty rows. */
function expectDerivedInStep(db: Db): void {
  const all = (sql: string) => db.$client.prepare(sql).all();
  expect(
    all(`SELECT day AS t, ${KEY}, ${SUMS} FROM usage_daily GROUP BY t, ${KEY} ORDER BY t, ${KEY}`),
  ).toEqual(
    all(
      `SELECT substr(hour, 1, 10) AS t, source, dims_key, COALESCE(price_id, 0) AS price_key, base_model, scope, ${SUMS}
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
  ctx.db.$client.transaction(() => addRollupRows(ctx, acc.hourlyRows(), acc.factRows()))();
}

/** A new store migrated only up to (not including) migration `index`: a store written before it. */
function storeBefore(index: number): { path: string; old: Database.Database } {
  const dir = tempDir();
  const folder = join(dir, "drizzle");
  cpSync(fileURLToPath(new URL("../../../ledger/drizzle", import.meta.url)), folder, { recursive: true });
  const journalPath = join(folder, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as {
    entries: { idx: number; tag: string }[];
  };
  for (const e of journal.entries.filter((e) => e.idx >= index)) rmSync(join(folder, `${e.tag}.sql`));
  journal.entries = journal.entries.filter((e) => e.idx < index);
  writeFileSync(journalPath, JSON.stringify(journal));
  const path = join(dir, "old.db");
  const old = new Database(path);
  migrate(drizzle(old), { migrationsFolder: folder });
  return { path, old };
}

describe("derived day and month tables", () => {
  it("keep one logged model id apart when its resolution changed between writes", () => {
    // An application profile ingested before its mapping existed, then after: same dims, same
    // (absent) price, two resolutions. Each table must show both, as the hourly table does.
    const db = createDb(":memory:");
    const prices = PriceBook.load(db);
    const arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
    const dims = {
      accountId: "111122223333",
      region: "us-east-1",
      tenantId: "t1",
      applicationName: null,
      costCenter: null,
      environment: null,
      team: null,
      modelId: arn,
    };
    const counters = {
      requests: 1,
      errors: 0,
      inputTokens: 10,
      outputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    const tx = (ctx: WriteContext, hour: string) =>
      db.$client.transaction(() => addRollupRows(ctx, [{ hour, dims, counters }], []))();
    tx({ db, source: "raw", prices }, "2026-10-01T05:00:00Z");
    tx(
      { db, source: "raw", prices, applicationProfiles: new Map([[arn, "acme.unpriced-v1"]]) },
      "2026-10-02T05:00:00Z",
    );
    expectDerivedInStep(db);
    const byModel = (from: string, to: string) =>
      queryUsage(db, prices, { from, to, by: ["model", "scope"] }).map((r) => [
        r.keys.model,
        r.keys.scope,
        r.requests,
      ]);
    const hourly = byModel("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z");
    expect(hourly).toHaveLength(2);
    expect(byModel("2026-10-01", "2026-11-01")).toEqual(hourly);
    expect(byModel("2026-10-01", "2026-10-31")).toEqual(hourly);
  });

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

  it("are derived from the hours by migration 0005 on a store written before it", () => {
    // A store migrated to 0004 whose day row merged one model id resolved two ways (the old key).
    const { path, old } = storeBefore(5);
    const hourly = old.prepare(
      `INSERT INTO usage_hourly (source, hour, dims_key, tenant_id, model_id, base_model, scope, requests, input_tokens)
       VALUES ('raw', ?, '["t1","arn"]', 't1', 'arn', ?, ?, ?, ?)`,
    );
    hourly.run("2026-10-01T05:00:00Z", "arn", "unresolved", 1, 10);
    hourly.run("2026-10-01T06:00:00Z", "acme.unpriced-v1", "in_region", 2, 20);
    hourly.run("2026-11-03T06:00:00Z", "acme.unpriced-v1", "in_region", 4, 40);
    old
      .prepare(
        `INSERT INTO usage_daily (source, day, dims_key, price_key, tenant_id, model_id, base_model, scope, requests, input_tokens)
         VALUES ('raw', '2026-10-01', '["t1","arn"]', 0, 't1', 'arn', 'arn', 'unresolved', 3, 30),
                ('raw', '2026-11-03', '["t1","arn"]', 0, 't1', 'arn', 'acme.unpriced-v1', 'in_region', 4, 40)`,
      )
      .run();
    old.close();

    const db = createDb(path);
    expectDerivedInStep(db);
    expect(
      db.$client
        .prepare("SELECT month, base_model, requests FROM usage_monthly ORDER BY month, base_model")
        .all(),
    ).toEqual([
      { month: "2026-10", base_model: "acme.unpriced-v1", requests: 2 },
      { month: "2026-10", base_model: "arn", requests: 1 },
      { month: "2026-11", base_model: "acme.unpriced-v1", requests: 4 },
    ]);
    db.$client.close();
  });

  it("migration 0006 carries a pre-0006 store's user facets over as per-day facts with the same totals", () => {
    const { path, old } = storeBefore(6);
    const facet = old.prepare(
      `INSERT INTO usage_daily_facets (source, day, dims_key, facet, value_key, value, tenant_id, model_id, base_model, scope, requests, errors, input_tokens)
       VALUES ('raw', ?, '["t1","m"]', ?, ?, ?, 't1', 'm', 'm', 'in_region', ?, ?, ?)`,
    );
    facet.run("2026-10-01", "user", '"u1"', "u1", 3, 1, 30);
    facet.run("2026-10-01", "user", "null", null, 2, 0, 20);
    facet.run("2026-10-02", "user", '"u1"', "u1", 1, 0, 10);
    // The identity and meta facets of the same records: not carried (they would count them twice).
    facet.run("2026-10-01", "identity", '"arn:x"', "arn:x", 5, 1, 50);
    facet.run("2026-10-01", "meta:variant", '"B"', "B", 1, 0, 10);
    old.close();

    const db = createDb(path);
    const prices = PriceBook.load(db);
    const q = { from: "2026-10-01", to: "2026-10-03" };
    expect(
      queryUsage(db, prices, { ...q, by: ["user"] }).map((r) => [
        r.keys.user,
        r.requests,
        r.errors,
        r.inputTokens,
      ]),
    ).toEqual([
      ["u1", 4, 1, 40],
      [null, 2, 0, 20],
    ]);
    expect(
      queryUsage(db, prices, { ...q, by: ["identity", "meta:variant"] }).map((r) => [
        r.keys.identity,
        r.keys["meta:variant"],
        r.requests,
      ]),
    ).toEqual([[null, null, 6]]);
    expect(() => queryUsage(db, prices, { ...q, by: ["user"], granularity: "hour" })).toThrow(/kept per day/);
    expect(
      db.$client
        .prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'usage_daily_facets'")
        .pluck()
        .get(),
    ).toBe(0);
    db.$client.close();
  });

  it("migration 0010 carries a pre-0010 store's day and month rows over exactly, through usage_dims", () => {
    // Usage as today's writer keeps it (two sources, priced and unpriced, one logged model id
    // resolved two ways), copied into a store migrated up to 0009, whose day and month tables
    // still hold every column of the tuple.
    const dir = tempDir();
    const now = createDb(join(dir, "now.db"));
    syncCatalog(now, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
    const prices = PriceBook.load(now);
    write({ db: now, source: "raw", prices }, records(31, 600, "r"));
    write({ db: now, source: "athena", prices }, records(32, 200, "a"));
    const arn = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123";
    const profile = invocationRecord({ requestId: "p", timestamp: "2026-10-02T05:10:00Z", modelId: arn });
    write({ db: now, source: "raw", prices }, [profile]);
    write({ db: now, source: "raw", prices, applicationProfiles: new Map([[arn, "acme.unpriced-v1"]]) }, [
      { ...profile, requestId: "p2" },
    ]);
    now.$client.close();

    const { path, old } = storeBefore(10);
    old.exec(`ATTACH '${join(dir, "now.db")}' AS now`);
    for (const t of ["prices", "usage_dims", "usage_hourly_rows"])
      old.exec(`INSERT INTO ${t} SELECT * FROM now.${t}`);
    for (const t of ["usage_daily", "usage_monthly"]) old.exec(`INSERT INTO ${t} SELECT * FROM now.${t}`);
    old.exec("DETACH now");
    // A day and a month row whose tuple has no usage_dims row yet (written before 0009 knew it).
    old.exec(
      `INSERT INTO usage_daily (source, day, dims_key, price_key, tenant_id, model_id, base_model, scope, requests, input_tokens)
       VALUES ('raw', '2026-09-30', '["legacy"]', 0, 'legacy', 'm', 'm', 'in_region', 7, 70);
       INSERT INTO usage_monthly (source, month, dims_key, price_key, tenant_id, model_id, base_model, scope, requests, input_tokens)
       VALUES ('raw', '2026-09', '["legacy"]', 0, 'legacy', 'm', 'm', 'in_region', 7, 70)`,
    );
    const dayOrder = "ORDER BY source, day, dims_key, price_key, base_model, scope";
    const monthOrder = "ORDER BY source, month, dims_key, price_key, base_model, scope";
    const perTenantDay = `SELECT tenant_id, day, ${SUMS} FROM usage_daily GROUP BY tenant_id, day ORDER BY tenant_id, day`;
    const read = (d: Database.Database) => ({
      days: d.prepare(`SELECT * FROM usage_daily ${dayOrder}`).all(),
      months: d.prepare(`SELECT * FROM usage_monthly ${monthOrder}`).all(),
      perTenantDay: d.prepare(perTenantDay).all(),
    });
    const before = read(old);
    const dimsBefore = old.prepare("SELECT COUNT(*) FROM usage_dims").pluck().get() as number;
    old.close();
    expect(before.days.length).toBeGreaterThan(30);
    expect(before.months.length).toBeGreaterThan(15);
    expect(new Set(before.days.map((r) => (r as { source: string }).source))).toEqual(
      new Set(["raw", "athena"]),
    );
    expect(before.days.some((r) => (r as { price_key: number }).price_key === 0)).toBe(true);
    expect(before.days.some((r) => (r as { price_key: number }).price_key > 0)).toBe(true);

    const db = createDb(path);
    const client = db.$client;
    // Every column of every row, in the old column order, through the views.
    expect(read(client)).toEqual(before);
    expect(client.prepare("SELECT COUNT(*) FROM usage_dims").pluck().get()).toBe(dimsBefore + 1);
    expect(client.prepare("SELECT COUNT(*) FROM usage_daily_rows").pluck().get()).toBe(before.days.length);
    expect(client.prepare("SELECT COUNT(*) FROM usage_monthly_rows").pluck().get()).toBe(
      before.months.length,
    );
    const kind = (name: string) =>
      client.prepare("SELECT type, sql FROM sqlite_master WHERE name = ?").get(name) as {
        type: string;
        sql: string;
      };
    expect(kind("usage_daily").type).toBe("view");
    expect(kind("usage_monthly").type).toBe("view");
    expect(kind("usage_daily_rows").sql).toMatch(/WITHOUT ROWID$/);
    expect(kind("usage_monthly_rows").sql).toMatch(/WITHOUT ROWID$/);

    // Later writes land on the carried rows (same usage_dims ids): once the orphan day is rebuilt
    // from its (absent) hours, the three tables agree.
    const raw: WriteContext = { db, source: "raw", prices: PriceBook.load(db) };
    write(raw, records(31, 600, "again"));
    client.transaction(() => rebuildDaily(client, "2026-09-30", "2026-10-01"))();
    expectDerivedInStep(db);
    expect(client.prepare("SELECT COUNT(*) FROM usage_daily WHERE tenant_id = 'legacy'").pluck().get()).toBe(
      0,
    );
    expect(client.prepare("SELECT SUM(requests) FROM usage_monthly WHERE source = 'raw'").pluck().get()).toBe(
      client.prepare("SELECT SUM(requests) FROM usage_hourly WHERE source = 'raw'").pluck().get(),
    );
    client.close();
  });
});
