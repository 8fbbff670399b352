import type { Catalog } from "@bedrock-chargeback/ledger";
import {
  addRollupRows,
  type Counters,
  createBudget,
  createDb,
  type Db,
  type HourlyRow,
  PriceBook,
  syncCatalog,
  zeroCounters,
} from "@bedrock-chargeback/ledger";
import { ingestRuns } from "@bedrock-chargeback/ledger/schema";
import { describe, expect, it } from "vitest";
import { createMemoryPublisher } from "./memory-publisher";
import { METRIC } from "./names";
import { collectIngestMetrics, publishIngestMetrics } from "./publish-ingest-metrics";
import {
  buildHourlyUsageMetrics,
  buildMonthToDateMetrics,
  picoToUsd,
  rankTopTenants,
} from "./rollup-metrics";
import type { MetricPoint } from "./types";

// $1 / $2 / $0.10 / $1.25 per 1M tokens → pico-USD per token 1_000_000 / 2_000_000 / 100_000 / 1_250_000.
const catalog: Catalog = {
  currency: "USD",
  unit: "per_million_tokens",
  sources: {},
  prices: [
    {
      model: "test.model-v1",
      scopes: ["in_region"],
      regions: ["*"],
      effective_from: "2026-01-01",
      input: "1.00",
      output: "2.00",
      cache_read: "0.10",
      cache_write: "1.25",
      source: "test",
    },
  ],
};

type Usage = {
  hour: string;
  tenant: string | null;
  app?: string | null;
  cc?: string | null;
  model?: string;
  c: Partial<Counters>;
};

function setup(rows: Usage[]): { db: Db; prices: PriceBook } {
  const db = createDb(":memory:");
  syncCatalog(db, catalog, "catalog", new Date("2026-01-01T00:00:00Z"));
  const prices = PriceBook.load(db);
  const hourly: HourlyRow[] = rows.map((r) => ({
    hour: r.hour,
    dims: {
      accountId: "111122223333",
      region: "us-east-1",
      tenantId: r.tenant,
      applicationName: r.app ?? null,
      costCenter: r.cc ?? null,
      environment: "prod",
      team: null,
      modelId: r.model ?? "test.model-v1",
    },
    counters: { ...zeroCounters(), requests: 1, ...r.c },
  }));
  db.$client.transaction(() => addRollupRows({ db, source: "raw", prices }, hourly, []))();
  return { db, prices };
}

const find = (points: MetricPoint[], name: string, dims: Record<string, string>, hour?: string) =>
  points.filter(
    (p) =>
      p.name === name &&
      JSON.stringify(Object.entries(p.dimensions).sort()) === JSON.stringify(Object.entries(dims).sort()) &&
      (hour === undefined || p.timestamp.toISOString() === hour),
  );

const now = new Date("2026-11-02T10:25:00Z");

describe("buildHourlyUsageMetrics", () => {
  it("publishes Tokens and exact CostUSD per hour for the total, cost center and application", () => {
    const { db, prices } = setup([
      {
        hour: "2026-11-02T10:00:00Z",
        tenant: "acme",
        app: "chat",
        cc: "cc-1",
        c: { inputTokens: 1000, outputTokens: 500, cacheReadTokens: 2000, cacheWriteTokens: 100 },
      },
      { hour: "2026-11-02T10:00:00Z", tenant: "globex", app: "search", cc: "cc-1", c: { inputTokens: 3 } },
      { hour: "2026-11-02T09:00:00Z", tenant: "acme", app: "chat", cc: null, c: { outputTokens: 7 } },
      // outside the 3-hour window: never republished
      { hour: "2026-11-02T07:00:00Z", tenant: "acme", app: "chat", cc: "cc-1", c: { inputTokens: 99 } },
    ]);
    const points = buildHourlyUsageMetrics(db, prices, { now });
    // acme 10h: 1000×1 + 500×2 + 2000×0.1 + 100×1.25 µUSD = 2325 µUSD
    expect(find(points, METRIC.costUsd, {}, "2026-11-02T10:00:00.000Z").map((p) => p.value)).toEqual([
      0.002328,
    ]);
    expect(find(points, METRIC.tokens, {}, "2026-11-02T10:00:00.000Z").map((p) => p.value)).toEqual([3603]);
    expect(
      find(points, METRIC.tokens, { CostCenter: "cc-1" }, "2026-11-02T10:00:00.000Z").map((p) => p.value),
    ).toEqual([3603]);
    expect(
      find(points, METRIC.costUsd, { Application: "chat" }, "2026-11-02T10:00:00.000Z").map((p) => p.value),
    ).toEqual([0.002325]);
    expect(find(points, METRIC.costUsd, { Application: "search" }).map((p) => p.value)).toEqual([0.000003]);
    expect(
      find(points, METRIC.tokens, { CostCenter: "(unattributed)" }, "2026-11-02T09:00:00.000Z").map(
        (p) => p.value,
      ),
    ).toEqual([7]);
    expect(points.some((p) => p.timestamp.toISOString() === "2026-11-02T07:00:00.000Z")).toBe(false);
    expect(points.every((p) => Object.keys(p.dimensions).length <= 1)).toBe(true);
  });

  it("gives the top N tenants (by month-to-date cost) their own series and sums the rest as (other)", () => {
    const { db, prices } = setup([
      // month-to-date ranking: big (earlier this month) > mid > small1 > small2
      { hour: "2026-11-01T00:00:00Z", tenant: "big", c: { outputTokens: 1_000_000 } },
      { hour: "2026-11-02T10:00:00Z", tenant: "big", c: { inputTokens: 10 } },
      { hour: "2026-11-02T10:00:00Z", tenant: "mid", c: { inputTokens: 5000 } },
      { hour: "2026-11-02T10:00:00Z", tenant: "small1", c: { inputTokens: 300 } },
      { hour: "2026-11-02T10:00:00Z", tenant: "small2", c: { inputTokens: 200 } },
      { hour: "2026-11-02T10:00:00Z", tenant: null, c: { inputTokens: 40 } },
      { hour: "2026-10-31T23:00:00Z", tenant: "small2", c: { outputTokens: 9_000_000 } }, // last month: not ranked
    ]);
    expect(rankTopTenants(db, prices, now, 2)).toEqual(["big", "mid"]);
    const points = buildHourlyUsageMetrics(db, prices, { now, topTenants: 2 });
    const tenants = find(points, METRIC.tokens, {}, "2026-11-02T10:00:00.000Z").length;
    expect(tenants).toBe(1);
    const byTenant = Object.fromEntries(
      points
        .filter((p) => p.name === METRIC.tokens && "Tenant" in p.dimensions)
        .map((p) => [p.dimensions.Tenant, p.value]),
    );
    expect(byTenant).toEqual({ big: 10, mid: 5000, "(other)": 500, "(unattributed)": 40 });
    const otherCost = find(points, METRIC.costUsd, { Tenant: "(other)" }).map((p) => p.value);
    expect(otherCost).toEqual([0.0005]);
  });
});

describe("buildMonthToDateMetrics", () => {
  it("publishes month-to-date cost per budget scope, 0 for a scope without usage", () => {
    const { db, prices } = setup([
      { hour: "2026-11-01T03:00:00Z", tenant: "acme", app: "chat", c: { inputTokens: 2_000_000 } },
      { hour: "2026-11-02T10:00:00Z", tenant: "acme", app: "chat", c: { outputTokens: 250_000 } },
      { hour: "2026-10-31T23:00:00Z", tenant: "acme", app: "chat", c: { inputTokens: 5_000_000 } },
    ]);
    const points = buildMonthToDateMetrics(db, prices, {
      now,
      budgetScopes: [
        { scope: "tenant", key: "acme" },
        { scope: "tenant", key: "idle" },
        { scope: "application", key: "chat" },
      ],
    });
    expect(points.map((p) => [p.dimensions, p.value])).toEqual([
      [{}, 2.5],
      [{ Tenant: "acme" }, 2.5],
      [{ Tenant: "idle" }, 0],
      [{ Application: "chat" }, 2.5],
    ]);
    expect(
      points.every(
        (p) =>
          p.name === METRIC.monthToDateCostUsd && p.timestamp.toISOString() === "2026-11-02T10:25:00.000Z",
      ),
    ).toBe(true);
  });
});

describe("publishIngestMetrics", () => {
  it("publishes run health, lag from the newest ingested record, and usage", async () => {
    const { db, prices } = setup([{ hour: "2026-11-02T10:00:00Z", tenant: "acme", c: { inputTokens: 10 } }]);
    db.insert(ingestRuns)
      .values([
        {
          source: "raw",
          location: "/x",
          startedAt: "2026-11-02T10:20:00Z",
          status: "ok",
          dataUntil: "2026-11-02T10:15:30Z",
        },
        {
          source: "raw",
          location: "/x",
          startedAt: "2026-11-02T09:20:00Z",
          status: "ok",
          dataUntil: "2026-11-02T09:15:00Z",
        },
      ])
      .run();
    const publisher = createMemoryPublisher();
    const result = await publishIngestMetrics({ db, prices, publisher, now, run: { failed: false } });
    expect(find(publisher.points, METRIC.collectorLagSeconds, {}).map((p) => p.value)).toEqual([570]);
    expect(find(publisher.points, METRIC.collectorRunFailures, {}).map((p) => p.value)).toEqual([0]);
    expect(find(publisher.points, METRIC.tokens, { Tenant: "acme" }).map((p) => p.value)).toEqual([10]);
    expect(result.values).toBe(publisher.points.length);
  });

  it("publishes MonthToDateCostUSD for every budget in the store by default", () => {
    const { db, prices } = setup([
      { hour: "2026-11-02T10:00:00Z", tenant: "acme", app: "chat", c: { inputTokens: 1_000_000 } },
    ]);
    createBudget(db, { name: "Acme", scope: "tenant", scopeValue: "acme", amountMicros: 5_000_000n }, now);
    createBudget(
      db,
      { name: "Chat", scope: "application", scopeValue: "chat", amountMicros: 5_000_000n },
      now,
    );
    const points = collectIngestMetrics({ db, prices, now, run: { failed: false } });
    const mtd = points
      .filter((p) => p.name === METRIC.monthToDateCostUsd)
      .map((p) => [p.dimensions, p.value]);
    expect(mtd).toEqual([
      [{}, 1],
      [{ Tenant: "acme" }, 1],
      [{ Application: "chat" }, 1],
    ]);
  });

  it("on a failed run publishes only the failure and the lag", () => {
    const { db, prices } = setup([{ hour: "2026-11-02T10:00:00Z", tenant: "acme", c: { inputTokens: 10 } }]);
    const points = collectIngestMetrics({ db, prices, now, run: { failed: true } });
    expect(points.map((p) => [p.name, p.value])).toEqual([[METRIC.collectorRunFailures, 1]]);
  });
});

describe("picoToUsd", () => {
  it("rounds once, half away from zero, to micro-USD", () => {
    expect(picoToUsd(1_499_999n)).toBe(0.000001);
    expect(picoToUsd(1_500_000n)).toBe(0.000002);
    expect(picoToUsd(123_456_789_000_000n)).toBe(123.456789);
  });
});
