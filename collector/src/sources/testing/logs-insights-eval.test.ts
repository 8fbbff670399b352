import {
  buildConsoleQuery,
  buildInsightsFacetQuery,
  buildInsightsRollupQuery,
  CONSOLE_QUERIES,
  type ConsoleParamsInput,
  parseInsightsFacetResults,
  parseInsightsRollupResults,
} from "@bedrock-chargeback/queries";
import { describe, expect, it } from "vitest";
import {
  evaluateInsightsQuery,
  type InsightsEvent,
  InsightsSyntaxError,
  parseInsightsQuery,
} from "./logs-insights-eval";

const event = (timestamp: string, message: Record<string, unknown>): InsightsEvent => ({
  timestampMs: Date.parse(timestamp),
  message: { schemaType: "ModelInvocationLog", timestamp, requestId: `r-${timestamp}`, ...message },
});

const meta = { tenant_id: "t1", application_name: "app", user_id: "u1" };
const EVENTS: InsightsEvent[] = [
  event("2026-03-02T10:15:00.123Z", {
    accountId: "111122223333",
    modelId: "m1",
    requestMetadata: meta,
    identity: { arn: "arn:a" },
    input: { inputTokenCount: 100, cacheReadInputTokenCount: 5, cacheWriteInputTokenCount: 7 },
    output: { outputTokenCount: 10 },
  }),
  event("2026-03-02T10:59:59Z", {
    accountId: "111122223333",
    modelId: "m1",
    requestMetadata: meta,
    identity: { arn: "arn:a" },
    input: { inputTokenCount: 1, cacheReadInputTokenCount: 3, cacheWriteInputTokenCount: 4 },
    output: { outputTokenCount: 2 },
  }),
  event("2026-03-02T10:30:00Z", {
    accountId: "111122223333",
    modelId: "m1",
    requestMetadata: meta,
    identity: { arn: "arn:a" },
    errorCode: "ThrottlingException",
    input: {},
    output: {},
  }),
  // No requestMetadata: its group leaves tenant out. An embedding: no output count.
  event("2026-03-02T11:00:00Z", { accountId: "111122223333", modelId: "m2", input: { inputTokenCount: 9 } }),
  // Not an invocation record, and a record without modelId: both filtered out.
  { timestampMs: Date.parse("2026-03-02T10:00:00Z"), message: { schemaType: "Other", modelId: "m1" } },
  event("2026-03-02T10:01:00Z", { accountId: "111122223333" }),
];

const HOUR_10 = Date.parse("2026-03-02T10:00:00Z") / 1000;
const cells = (row: { field: string; value: string }[]) =>
  Object.fromEntries(row.map((c) => [c.field, c.value]));

describe("evaluateInsightsQuery", () => {
  it("runs the hourly rollup query: bins, sums, the failed flag, absent fields left out", () => {
    const out = evaluateInsightsQuery(buildInsightsRollupQuery(), EVENTS, HOUR_10, HOUR_10 + 7199, 10_000);
    expect(out.map(cells)).toEqual([
      {
        "bin(1h)": "2026-03-02 10:00:00.000",
        account: "111122223333",
        tenant: "t1",
        application: "app",
        model_id: "m1",
        records: "3",
        errors: "1",
        input_tokens: "101",
        output_tokens: "12",
        cache_read_tokens: "8",
        cache_write_tokens: "11",
      },
      {
        "bin(1h)": "2026-03-02 11:00:00.000",
        account: "111122223333",
        model_id: "m2",
        records: "1",
        errors: "0",
        input_tokens: "9",
      },
    ]);
    // …which the collector's row schema accepts.
    expect(parseInsightsRollupResults(out).map((r) => [r.hour, r.requests, r.cache_write_tokens])).toEqual([
      ["2026-03-02T10:00:00Z", 2, 11],
      ["2026-03-02T11:00:00Z", 1, 0],
    ]);
  });

  it("keeps to [startTime, endTime] (inclusive seconds) and the limit", () => {
    expect(
      evaluateInsightsQuery(buildInsightsRollupQuery(), EVENTS, HOUR_10, HOUR_10 + 3599, 10_000),
    ).toHaveLength(1);
    expect(
      evaluateInsightsQuery(buildInsightsRollupQuery(), EVENTS, HOUR_10, HOUR_10 + 3600, 10_000),
    ).toHaveLength(2);
    expect(
      evaluateInsightsQuery(buildInsightsRollupQuery(), EVENTS, HOUR_10, HOUR_10 + 7199, 1),
    ).toHaveLength(1);
  });

  it("runs the facet query by bin(1d), user and identity", () => {
    const out = parseInsightsFacetResults(
      evaluateInsightsQuery(buildInsightsFacetQuery(), EVENTS, HOUR_10, HOUR_10 + 86_399, 10_000),
    );
    expect(
      out.map((r) => `${r.day} ${r.user} ${r.identity} ${r.requests}/${r.errors} ${r.input_tokens}`),
    ).toEqual(["2026-03-02 u1 arn:a 2/1 101", "2026-03-02 null null 1/0 9"]);
  });

  it("a changed stats line changes the answer", () => {
    const query = buildInsightsRollupQuery();
    const swapped = query.replace(
      "sum(input.cacheReadInputTokenCount * (1 - failed)) as cache_read_tokens",
      "sum(input.cacheWriteInputTokenCount * (1 - failed)) as cache_read_tokens",
    );
    expect(swapped).not.toBe(query);
    const [row] = evaluateInsightsQuery(swapped, EVENTS, HOUR_10, HOUR_10 + 3599, 10_000).map(cells);
    expect(row?.cache_read_tokens).toBe("11");
  });

  it("runs the console queries' sort, dedup, limit, arithmetic and @timestamp", () => {
    const q = (name: string, params: ConsoleParamsInput = {}) => ({
      insights: buildConsoleQuery(name, "logs-insights", {
        ...CONSOLE_QUERIES.find((c) => c.name === name)?.example,
        ...params,
      }).text,
    });
    const withInsights = CONSOLE_QUERIES.filter((c) => c["logs-insights"]);
    expect(withInsights.length).toBeGreaterThan(5);
    for (const { name } of withInsights) {
      expect(
        () => evaluateInsightsQuery(q(name).insights, EVENTS, HOUR_10, HOUR_10 + 86_399, 100),
        name,
      ).not.toThrow();
    }
    const large = evaluateInsightsQuery(
      q("large-requests", { minInputTokens: 1 }).insights,
      [...EVENTS, EVENTS[0] as InsightsEvent],
      HOUR_10,
      HOUR_10 + 86_399,
      100,
    ).map(cells);
    expect(large.map((r) => [r.time, r.input_tokens])).toEqual([
      ["2026-03-02 10:15:00.123", "100"],
      ["2026-03-02 11:00:00.000", "9"],
      ["2026-03-02 10:59:59.000", "1"],
    ]);
    const sizes = evaluateInsightsQuery(
      q("output-size-distribution", { bucketSize: 8 }).insights,
      EVENTS,
      HOUR_10,
      HOUR_10 + 86_399,
      100,
    ).map(cells);
    expect(sizes).toEqual([
      { bucket_start: "0", requests: "3" },
      { bucket_start: "8", requests: "1" },
    ]);
  });

  it('isempty, strlen and least: an errorCode of "" is empty, missing is empty, a code is not', () => {
    const three = [
      event("2026-03-02T10:00:00Z", { errorCode: "" }),
      event("2026-03-02T10:00:01Z", {}),
      event("2026-03-02T10:00:02Z", { errorCode: "ThrottlingException" }),
    ];
    const out = evaluateInsightsQuery(
      'fields isempty(errorCode) as empty, strlen(errorCode) as n, least(strlen(coalesce(errorCode, "")), 1) as failed, least(2, x) as none',
      three,
      HOUR_10,
      HOUR_10 + 3599,
      10,
    ).map(cells);
    expect(out).toEqual([
      { empty: "true", n: "0", failed: "0" },
      { empty: "true", failed: "0" },
      { empty: "false", n: "19", failed: "1" },
    ]);
    expect(
      evaluateInsightsQuery(
        "filter isempty(errorCode) | stats count(*) as ok",
        three,
        HOUR_10,
        HOUR_10 + 3599,
        10,
      ),
    ).toEqual([[{ field: "ok", value: "2" }]]);
  });

  it("throws on syntax outside the subset instead of ignoring it", () => {
    const bad = [
      "filter x = 1 | parse @message 'a*b' as a, b",
      "stats pct(x, 50) as p",
      "stats count(*) as n by bin(1w)",
      "fields toupper(x) as n",
      "fields isempty(1) as n",
      "fields strlen(1) as n",
      "filter x like /abc/",
      "stats sum(x) as s, y",
      "fields x + 1",
      'filter x = "unterminated',
      "display x",
    ];
    for (const query of bad) {
      expect(() => evaluateInsightsQuery(query, EVENTS, 0, 2e9, 10), query).toThrow(InsightsSyntaxError);
    }
  });

  it("discovers JSON fields by their flattened dotted names, dots inside keys included", () => {
    const dotted = [event("2026-03-02T10:00:00Z", { requestMetadata: { "app.name": "x", team: "t" } })];
    const query = buildInsightsRollupQuery({
      metadataKeys: {
        tenant: "app.name",
        application: "application_name",
        cost_center: "cost_center",
        environment: "environment",
        team: "team",
        user: "user_id",
      },
    }).replace(" and ispresent(modelId)", "");
    const [row] = evaluateInsightsQuery(query, dotted, HOUR_10, HOUR_10 + 3599, 10).map(cells);
    expect(row).toMatchObject({ tenant: "x", team: "t", records: "1" });
  });

  it("parses the rollup query into its three commands", () => {
    expect(parseInsightsQuery(buildInsightsRollupQuery()).map((c) => c.kind)).toEqual([
      "filter",
      "fields",
      "stats",
    ]);
  });
});
