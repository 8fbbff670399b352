import {
  addRollupRows,
  buildUsageSql,
  createDb,
  type Db,
  loadCatalog,
  PriceBook,
  queryUsage,
  RollupAccumulator,
  replaceWindow,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  totalOf,
  UsageQueryError,
} from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { normalizeRecord } from "../records/normalize";
import { invocationRecord } from "../testing/fixtures";

function storeWith(records: Record<string, unknown>[]): { db: Db; prices: PriceBook } {
  const db = createDb(":memory:");
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
  const prices = PriceBook.load(db);
  const acc = new RollupAccumulator();
  for (const raw of records) {
    const n = normalizeRecord(raw);
    if (n.kind !== "record") throw new Error(`bad fixture: ${JSON.stringify(n)}`);
    acc.add(n.record);
  }
  db.$client.transaction(() =>
    addRollupRows({ db, source: "raw", prices }, acc.hourlyRows(), acc.factRows()),
  )();
  return { db, prices };
}

const md = (tenant: string | null, user: string | null, extra: Record<string, string> = {}) => ({
  ...(tenant ? { tenant_id: tenant } : {}),
  application_name: "app",
  ...(user ? { user_id: user } : {}),
  ...extra,
});

describe("queryUsage", () => {
  const { db, prices } = storeWith([
    invocationRecord({
      requestId: "1",
      timestamp: "2026-10-01T00:10:00Z",
      metadata: md("a", "u1", { experiment_id: "e1" }),
    }),
    invocationRecord({ requestId: "2", timestamp: "2026-10-01T05:10:00Z", metadata: md("a", "u2") }),
    invocationRecord({
      requestId: "3",
      timestamp: "2026-10-02T23:59:59Z",
      metadata: md("b", "u1", { experiment_id: "e2" }),
    }),
    invocationRecord({ requestId: "4", timestamp: "2026-10-03T01:00:00Z", metadata: md(null, null) }),
    invocationRecord({ requestId: "5", timestamp: "2026-11-01T00:00:00Z", metadata: md("a", "u1") }),
  ]);
  const q = { from: "2026-10-01", to: "2026-11-01" };

  it("groups by a rollup dimension with null for missing metadata, within [from, to)", () => {
    const rows = queryUsage(db, prices, { ...q, by: ["tenant"] });
    expect(rows.map((r) => [r.keys.tenant, r.requests])).toEqual([
      ["a", 2],
      ["b", 1],
      [null, 1],
    ]);
  });

  it("groups by user (a facet) and the totals equal the rollup's", () => {
    const byUser = queryUsage(db, prices, { ...q, by: ["user"] });
    expect(byUser.map((r) => [r.keys.user, r.requests]).sort()).toEqual(
      [
        ["u1", 2],
        ["u2", 1],
        [null, 1],
      ].sort(),
    );
    expect(totalOf(byUser)).toEqual(totalOf(queryUsage(db, prices, { ...q, by: [] })));
  });

  it("groups by identity (a facet): unattributed usage keeps the caller's ARN", () => {
    const { db, prices } = storeWith([
      invocationRecord({ requestId: "i1", identityArn: "arn:aws:iam::1:role/app", metadata: md("a", "u1") }),
      invocationRecord({ requestId: "i2", identityArn: "arn:aws:iam::1:role/app", metadata: md("b", "u2") }),
      invocationRecord({ requestId: "i3", identityArn: "arn:aws:iam::1:role/orphan", metadata: null }),
    ]);
    const rows = queryUsage(db, prices, { ...q, by: ["identity", "tenant"] });
    expect(rows.map((r) => [r.keys.identity, r.keys.tenant, r.requests, r.inputTokens])).toEqual([
      ["arn:aws:iam::1:role/app", "a", 1, 100],
      ["arn:aws:iam::1:role/app", "b", 1, 100],
      ["arn:aws:iam::1:role/orphan", null, 1, 100],
    ]);
    expect(totalOf(rows)).toEqual(totalOf(queryUsage(db, prices, { ...q, by: [] })));
  });

  it("groups by meta keys with null where a record lacks the key, so the total is the total (issue #14)", () => {
    const rows = queryUsage(db, prices, { ...q, by: ["meta:experiment_id", "tenant"] });
    expect(rows.map((r) => [r.keys["meta:experiment_id"], r.keys.tenant, r.requests]).sort()).toEqual(
      [
        ["e1", "a", 1],
        ["e2", "b", 1],
        [null, "a", 1],
        [null, null, 1],
      ].sort(),
    );
    expect(totalOf(rows)).toEqual(totalOf(queryUsage(db, prices, { ...q, by: [] })));
  });

  it("combines users, identities and meta keys in one breakdown, by hour too", () => {
    const rows = queryUsage(db, prices, {
      ...q,
      by: ["user", "identity", "meta:experiment_id", "tenant"],
      filters: { "meta:experiment_id": ["e1", null] },
    });
    expect(
      rows.map((r) => [r.keys.user, r.keys["meta:experiment_id"], r.keys.tenant, r.requests]).sort(),
    ).toEqual(
      [
        ["u1", "e1", "a", 1],
        ["u2", null, "a", 1],
        [null, null, null, 1],
      ].sort(),
    );
    const hourly = queryUsage(db, prices, {
      from: "2026-10-01T00:00:00Z",
      to: "2026-10-01T06:00:00Z",
      by: ["user", "meta:experiment_id"],
      granularity: "hour",
    });
    expect(hourly.map((r) => [r.period, r.keys.user, r.keys["meta:experiment_id"], r.requests])).toEqual([
      ["2026-10-01T00:00:00Z", "u1", "e1", 1],
      ["2026-10-01T05:00:00Z", "u2", null, 1],
    ]);
  });

  it("filters on values and on null, and makes series by hour, day and month", () => {
    expect(totalOf(queryUsage(db, prices, { ...q, by: [], filters: { tenant: [null, "b"] } })).requests).toBe(
      2,
    );
    expect(
      queryUsage(db, prices, { ...q, by: [], granularity: "day" }).map((r) => [r.period, r.requests]),
    ).toEqual([
      ["2026-10-01", 2],
      ["2026-10-02", 1],
      ["2026-10-03", 1],
    ]);
    expect(
      queryUsage(db, prices, {
        from: "2026-10-01T00:00:00Z",
        to: "2026-10-01T06:00:00Z",
        by: [],
        granularity: "hour",
      }).map((r) => r.period),
    ).toEqual(["2026-10-01T00:00:00Z", "2026-10-01T05:00:00Z"]);
    expect(
      queryUsage(db, prices, { from: "2026-10-01", to: "2026-12-01", by: [], granularity: "month" }).map(
        (r) => [r.period, r.requests],
      ),
    ).toEqual([
      ["2026-10", 4],
      ["2026-11", 1],
    ]);
  });

  it("refuses what it cannot answer exactly, with a reason", () => {
    const bad = (query: Parameters<typeof buildUsageSql>[0]) => () => buildUsageSql(query);
    expect(bad({ from: "2026-10-01", to: "2026-10-01", by: [] })).toThrow(UsageQueryError);
    expect(bad({ from: "2026-10-01T05:30:00Z", to: "2026-10-02", by: [] })).toThrow(
      /from "2026-10-01T05:30:00Z": expected a UTC day/,
    );
    expect(bad({ from: "2026-13-01", to: "2026-11-01", by: [] })).toThrow(
      /from "2026-13-01": expected a UTC day/,
    );
    expect(bad({ from: "2026-10-01", to: "2026-02-30", by: [] })).toThrow(
      /to "2026-02-30": expected a UTC day/,
    );
  });

  it("refuses hourly user breakdowns over per-day facts (a collector's), with a reason", () => {
    const { db, prices } = storeWith([]);
    const dims = {
      accountId: "1",
      region: "us-east-1",
      tenantId: "a",
      applicationName: "app",
      costCenter: null,
      environment: null,
      team: null,
      modelId: "anthropic.claude-3-haiku-20240307-v1:0",
    };
    const counters = {
      requests: 3,
      errors: 0,
      inputTokens: 30,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    replaceWindow(
      { db, source: "athena", prices },
      {
        fromHour: "2026-10-01T00:00:00Z",
        toHour: "2026-10-02T00:00:00Z",
        hourly: [{ hour: "2026-10-01T07:00:00Z", dims, counters }],
        factDays: {
          fromDay: "2026-10-01",
          toDay: "2026-10-02",
          rows: [
            {
              hour: "2026-10-01T00:00:00Z",
              grain: 24,
              dims,
              attrs: { user: "u1", identity: null, meta: {} },
              counters,
            },
          ],
        },
      },
    );
    expect(
      queryUsage(db, prices, { from: "2026-10-01", to: "2026-10-02", by: ["user"] }).map((r) => [
        r.keys.user,
        r.requests,
      ]),
    ).toEqual([["u1", 3]]);
    expect(() =>
      queryUsage(db, prices, { from: "2026-10-01T00:00:00Z", to: "2026-10-01T12:00:00Z", by: ["user"] }),
    ).toThrow(/kept per day/);
    expect(() =>
      queryUsage(db, prices, { from: "2026-10-01", to: "2026-10-02", by: ["user"], granularity: "hour" }),
    ).toThrow(/no hourly series/);
  });

  it("answers whole-month and whole-day queries from the derived tables with exactly the hourly figures", () => {
    const { db, prices } = storeWith([
      invocationRecord({ requestId: "d1", timestamp: "2026-10-01T00:10:00Z", metadata: md("a", "u1") }),
      invocationRecord({ requestId: "d2", timestamp: "2026-10-01T05:10:00Z", metadata: md("a", "u2") }),
      invocationRecord({ requestId: "d3", timestamp: "2026-10-02T23:59:59Z", metadata: md("b", "u1") }),
      invocationRecord({ requestId: "d4", timestamp: "2026-10-03T01:00:00Z", metadata: md(null, null) }),
      invocationRecord({ requestId: "d5", timestamp: "2026-11-01T00:00:00Z", metadata: md("a", "u1") }),
    ]);
    const days = { from: "2026-10-01", to: "2026-12-01" };
    const hours = { from: "2026-10-01T00:00:00Z", to: "2026-12-01T00:00:00Z" };
    const partMonth = { from: "2026-10-02", to: "2026-11-02" };
    expect(buildUsageSql({ ...days, by: [] }).sql).toContain("FROM usage_monthly ");
    expect(buildUsageSql({ ...days, by: [], granularity: "month" }).sql).toContain("FROM usage_monthly ");
    expect(buildUsageSql({ ...days, by: [], granularity: "day" }).sql).toContain("FROM usage_daily ");
    expect(buildUsageSql({ ...partMonth, by: [], granularity: "month" }).sql).toContain("FROM usage_daily ");
    expect(buildUsageSql({ ...hours, by: [] }).sql).toContain("FROM usage_hourly ");
    for (const granularity of [undefined, "day", "month"] as const) {
      const by = ["tenant", "model"] as const;
      expect(queryUsage(db, prices, { ...days, by, granularity })).toEqual(
        queryUsage(db, prices, { ...hours, by, granularity }),
      );
      expect(queryUsage(db, prices, { ...partMonth, by, granularity })).toEqual(
        queryUsage(db, prices, {
          from: `${partMonth.from}T00:00:00Z`,
          to: `${partMonth.to}T00:00:00Z`,
          by,
          granularity,
        }),
      );
    }
    // A collector replacing a window keeps the day table in step.
    replaceWindow(
      { db, source: "raw", prices },
      { fromHour: "2026-10-01T00:00:00Z", toHour: "2026-10-01T05:00:00Z", hourly: [] },
    );
    expect(totalOf(queryUsage(db, prices, { ...days, by: [] })).requests).toBe(4);
    expect(queryUsage(db, prices, { ...days, by: ["tenant"] })).toEqual(
      queryUsage(db, prices, { ...hours, by: ["tenant"] }),
    );
  });

  it("never puts a user value into the SQL text", () => {
    const { sql, params } = buildUsageSql({ ...q, by: ["tenant"], filters: { tenant: ["x' OR 1=1 --"] } });
    expect(sql).not.toContain("OR 1=1");
    expect(params).toContain("x' OR 1=1 --");
  });
});
