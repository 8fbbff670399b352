/**
 * The same simulated corpus, rolled up three ways — the raw path over the objects, Logs Insights
 * and Athena over mocked AWS clients whose answers come from executing the very query text the
 * collector sends (Logs Insights QL by an evaluator, the Athena SQL on DuckDB) — must give
 * identical queryUsage answers, to the token and the pico-dollar. Mutating the query text must
 * make the comparison fail, with the expected numbers: that is what proves the queries.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  AthenaClient,
  GetQueryResultsCommand as AthenaResults,
  GetQueryExecutionCommand,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { BedrockClient, GetInferenceProfileCommand } from "@aws-sdk/client-bedrock";
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import type { Dimension, RollupSource } from "@bedrock-chargeback/ledger";
import {
  createDb,
  type Db,
  loadCatalog,
  PriceBook,
  queryUsage,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  totalOf,
  type UsageQuery,
  type UsageRow,
} from "@bedrock-chargeback/ledger";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDirSource, ingestObjects } from "../ingest";
import { SIMULATED_APPLICATION_PROFILES, simulate } from "../simulate";
import { AthenaSession, DEFAULT_ATHENA_OPTIONS } from "./athena";
import { athenaApi, bedrockControlApi, logsInsightsApi } from "./aws";
import { manualClock } from "./clock";
import { athenaSource, collectOnce, logsInsightsSource } from "./collect";
import { InferenceProfileResolver } from "./inference-profiles";
import { DEFAULT_INSIGHTS_OPTIONS, InsightsSession } from "./logs-insights";
import {
  athenaPage,
  type CorpusLine,
  createDuckAthena,
  type DuckAthena,
  evaluateInsightsQuery,
  type InsightsEvent,
  insightsEvents,
  logObjectPaths,
  readCorpus,
} from "./test-engines";

const FROM = "2026-03-02";
const TO = "2026-03-05";

let db: Db;
let corpus: CorpusLine[];
let uniqueEvents: Record<string, unknown>[];
let events: InsightsEvent[];
let duck: DuckAthena;
/** Applied to each query text before the engines run it (the mutation tests set these). */
let mutateInsights: (query: string) => string = (q) => q;
let mutateAthena: (sql: string) => string = (s) => s;
let insightsSplits = 0;
let insightsLimit = 0;
let insightsSummary: Awaited<ReturnType<typeof collectOnce>>;
let athenaSummary: Awaited<ReturnType<typeof collectOnce>>;

/** GetInferenceProfile as Bedrock would answer for the simulator's application profiles. */
function profileModels(target: string) {
  const [geo, ...rest] = target.split(".");
  const model = rest.join(".");
  const regions = geo === "eu" ? ["eu-west-1", "eu-central-1"] : ["us-east-1", "us-west-2"];
  return regions.map((r) => ({ modelArn: `arn:aws:bedrock:${r}::foundation-model/${model}` }));
}

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "differential-"));
  const summary = await simulate({
    out,
    from: FROM,
    to: TO,
    records: 4000,
    seed: 7,
    bodies: false,
    writeTruth: false,
  });
  expect(summary.records).toBe(4000);
  corpus = await readCorpus(out);
  duck = await createDuckAthena(await logObjectPaths(out));
  const seen = new Set<unknown>();
  uniqueEvents = corpus
    .map((l) => l.record)
    .filter((r) => r.schemaType === "ModelInvocationLog" && !seen.has(r.requestId) && seen.add(r.requestId));
  expect(corpus.length).toBeGreaterThan(uniqueEvents.length); // the corpus re-delivers some records
  events = insightsEvents(uniqueEvents);

  db = createDb(":memory:");
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-01-01T00:00:00Z"));
  const prices = PriceBook.load(db);
  const profiles = new Map(Object.entries(SIMULATED_APPLICATION_PROFILES));
  await ingestObjects({ db, objects: await createDirSource(out), prices, applicationProfiles: profiles });

  // A row limit just above the largest one-hour answer: day windows must split, hours never hit it.
  const hourMax = (query: string) => {
    let max = 0;
    for (
      let t = Date.parse(`${FROM}T00:00:00Z`) / 1000;
      t < Date.parse(`${TO}T00:00:00Z`) / 1000;
      t += 3600
    ) {
      max = Math.max(max, evaluateInsightsQuery(query, events, t, t + 3599, Number.MAX_SAFE_INTEGER).length);
    }
    return max;
  };
  const { buildInsightsFacetQuery, buildInsightsRollupQuery } = await import("@bedrock-chargeback/queries");
  insightsLimit = Math.max(hourMax(buildInsightsRollupQuery()), hourMax(buildInsightsFacetQuery())) + 1;

  const logs = mockClient(CloudWatchLogsClient);
  const started = new Map<string, { field: string; value: string }[][]>();
  logs.on(StartQueryCommand).callsFake((input) => {
    const id = `q${started.size + 1}`;
    started.set(
      id,
      evaluateInsightsQuery(
        mutateInsights(String(input.queryString)),
        events,
        Number(input.startTime),
        Number(input.endTime),
        Number(input.limit),
      ),
    );
    return { queryId: id };
  });
  const polled = new Set<string>();
  logs.on(GetQueryResultsCommand).callsFake((input) => {
    const id = String(input.queryId);
    if (!polled.has(id)) {
      polled.add(id);
      return { status: "Running", results: [] };
    }
    return {
      status: "Complete",
      results: started.get(id),
      statistics: { bytesScanned: 1_000_000, recordsMatched: 1, recordsScanned: 1 },
    };
  });

  const athena = mockClient(AthenaClient);
  const executions = new Map<string, (string | null)[][]>();
  athena.on(StartQueryExecutionCommand).callsFake(async (input) => {
    const id = `e${executions.size + 1}`;
    executions.set(id, await duck.run(mutateAthena(String(input.QueryString))));
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake(() => ({
    QueryExecution: { Status: { State: "SUCCEEDED" }, Statistics: { DataScannedInBytes: 50 * 1_048_576 } },
  }));
  athena
    .on(AthenaResults)
    .callsFake((input) =>
      athenaPage(
        executions.get(String(input.QueryExecutionId)) ?? [],
        Number(input.NextToken ?? 0),
        input.MaxResults ?? 1000,
      ),
    );

  const bedrock = mockClient(BedrockClient);
  bedrock.on(GetInferenceProfileCommand).callsFake((input) => {
    const target = SIMULATED_APPLICATION_PROFILES[String(input.inferenceProfileIdentifier)];
    if (!target) throw Object.assign(new Error("not found"), { name: "ResourceNotFoundException" });
    return { models: profileModels(target) };
  });

  insightsSummary = await collectInto(db, "logs-insights");
  athenaSummary = await collectInto(db, "athena");
}, 180_000);

afterAll(() => duck?.close());

/** One collector run of `source` over [FROM, TO) into `target` (a store with the catalog synced). */
async function collectInto(target: Db, source: "logs-insights" | "athena") {
  const clock = manualClock("2026-03-06T00:30:00Z");
  const resolver = new InferenceProfileResolver({
    api: bedrockControlApi(new BedrockClient({ region: "us-east-1" })),
    db: target,
  });
  const common = {
    db: target,
    prices: PriceBook.load(target),
    profiles: resolver,
    clock,
    from: FROM,
    to: TO,
  };
  if (source === "logs-insights") {
    const insights = new InsightsSession(
      logsInsightsApi(new CloudWatchLogsClient({ region: "us-east-1" })),
      { ...DEFAULT_INSIGHTS_OPTIONS, logGroupNames: ["bedrock-invocations"], limit: insightsLimit },
      clock,
    );
    return collectOnce(logsInsightsSource(insights, { onSplit: () => insightsSplits++ }), common);
  }
  const athenaSession = new AthenaSession(
    athenaApi(new AthenaClient({ region: "us-east-1" })),
    {
      ...DEFAULT_ATHENA_OPTIONS,
      workgroup: "primary",
      database: "bedrock_logs",
      outputLocation: "s3://results/",
    },
    clock,
  );
  return collectOnce(athenaSource(athenaSession, { table: "bedrock_invocation_logs" }), common);
}

function usage(source: RollupSource, query: Omit<UsageQuery, "sources">, store: Db = db) {
  return queryUsage(store, PriceBook.load(store), { ...query, sources: [source] });
}

const BREAKDOWNS: { by: Dimension[]; granularity?: UsageQuery["granularity"] }[] = [
  { by: [] },
  { by: ["tenant", "application", "model"], granularity: "hour" },
  { by: ["cost_center", "team", "environment"], granularity: "day" },
  { by: ["account", "region", "model_id", "scope"] },
  { by: ["user"], granularity: "day" },
  { by: ["identity", "tenant"] },
];

describe("differential: raw objects vs Logs Insights vs Athena", () => {
  it("exercised the window split and paging", () => {
    expect(insightsSplits).toBeGreaterThan(0);
    expect(insightsSummary.queries).toBeGreaterThan(6); // 3 days × (rollup + facets), plus halves
    expect(insightsSummary.bytesScanned).toBe(insightsSummary.queries * 1_000_000);
    expect(insightsSummary.scanCostPico).toBe(BigInt(insightsSummary.queries) * 5_000_000n); // $0.005/GB × 1 MB each
    expect(athenaSummary.queries).toBe(2);
    expect(athenaSummary.facetRows).toBeGreaterThan(1000); // more than one page of 1,000 rows
    expect(insightsSummary.unresolvedProfiles).toEqual([]);
  });

  it("the raw path counted every unique record", () => {
    const total = totalOf(usage("raw", { from: FROM, to: TO, by: [] }));
    expect(total.requests + total.errors).toBe(4000);
    expect(total.errors).toBeGreaterThan(0);
    expect(total.cacheReadTokens).toBeGreaterThan(0);
    expect(insightsSummary.records).toBe(4000);
    expect(athenaSummary.records).toBe(4000);
  });

  for (const b of BREAKDOWNS) {
    it(`same answer by [${b.by.join(", ")}]${b.granularity ? ` per ${b.granularity}` : ""}`, () => {
      const query = {
        from: FROM,
        to: TO,
        by: b.by,
        ...(b.granularity ? { granularity: b.granularity } : {}),
      };
      const raw = usage("raw", query);
      expect(raw.length).toBeGreaterThan(0);
      expect(usage("logs-insights", query)).toEqual(raw);
      expect(usage("athena", query)).toEqual(raw);
    });
  }

  it("the comparison the mutation tests read finds no difference", () => {
    expect(differences(db, "logs-insights")).toEqual([]);
    expect(differences(db, "athena")).toEqual([]);
  });

  it("re-running a collector over the same window replaces, never adds", async () => {
    const before = usage("athena", { from: FROM, to: TO, by: [] });
    const clock = manualClock("2026-03-06T00:30:00Z");
    const prices = PriceBook.load(db);
    const athenaSession = new AthenaSession(
      athenaApi(new AthenaClient({ region: "us-east-1" })),
      { ...DEFAULT_ATHENA_OPTIONS, workgroup: "primary", database: "bedrock_logs" },
      clock,
    );
    await collectOnce(athenaSource(athenaSession, { table: "bedrock_invocation_logs" }), {
      db,
      prices,
      profiles: new InferenceProfileResolver({ db }),
      clock,
      from: FROM,
      to: TO,
    });
    expect(usage("athena", { from: FROM, to: TO, by: [] })).toEqual(before);
  });
});

const COUNTERS = [
  "requests",
  "errors",
  "inputTokens",
  "outputTokens",
  "cacheReadTokens",
  "cacheWriteTokens",
  "costPico",
] as const;

/**
 * The differential comparison: for each breakdown whose answer from `source` (in `store`) is not
 * the raw path's, the totals that differ (`[by] field: raw N, source M`), or that the rows do.
 */
function differences(store: Db, source: "logs-insights" | "athena"): string[] {
  const out: string[] = [];
  for (const b of BREAKDOWNS) {
    const query = { from: FROM, to: TO, by: b.by, ...(b.granularity ? { granularity: b.granularity } : {}) };
    const raw: UsageRow[] = usage("raw", query);
    const got: UsageRow[] = usage(source, query, store);
    if (isDeepStrictEqual(raw, got)) continue;
    const label = `[${b.by.join(",")}]${b.granularity ? `/${b.granularity}` : ""}`;
    const [r, g] = [totalOf(raw), totalOf(got)];
    const fields = COUNTERS.filter((f) => r[f] !== g[f]);
    out.push(...fields.map((f) => `${label} ${f}: raw ${r[f]}, ${source} ${g[f]}`));
    if (fields.length === 0) out.push(`${label}: rows differ`);
  }
  return out;
}

/** Replaces `from` with `to` in a query, failing when the text does not contain `from`. */
function mutation(from: string, to: string): (text: string) => string {
  return (text) => {
    if (!text.includes(from)) throw new Error(`mutation did not match the query: ${from}`);
    return text.replaceAll(from, to);
  };
}

/** Collects `source` with `mutate` applied to every query text, into a fresh store. */
async function collectMutated(source: "logs-insights" | "athena", mutate: (text: string) => string) {
  const store = createDb(":memory:");
  syncCatalog(store, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-01-01T00:00:00Z"));
  if (source === "athena") mutateAthena = mutate;
  else mutateInsights = mutate;
  try {
    await collectInto(store, source);
  } finally {
    mutateAthena = (q) => q;
    mutateInsights = (q) => q;
  }
  return differences(store, source);
}

/** Sums over the unique records with a timestamp in [FROM, TO), read straight from the JSON lines. */
function corpusTotals(lines: readonly Record<string, unknown>[]) {
  const t = { requests: 0, errors: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  const lo = Date.parse(`${FROM}T00:00:00Z`);
  const hi = Date.parse(`${TO}T00:00:00Z`);
  for (const r of lines) {
    const ms = Date.parse(String(r.timestamp));
    if (r.schemaType !== "ModelInvocationLog" || ms < lo || ms >= hi) continue;
    const failed = typeof r.errorCode === "string" && r.errorCode !== "";
    const input =
      typeof r.input === "object" && r.input !== null ? new Map(Object.entries(r.input)) : new Map();
    if (failed) t.errors++;
    else {
      t.requests++;
      t.cacheReadTokens += Number(input.get("cacheReadInputTokenCount") ?? 0);
      t.cacheWriteTokens += Number(input.get("cacheWriteInputTokenCount") ?? 0);
    }
  }
  return t;
}

describe("mutations of the query text are caught by the differential comparison", () => {
  it("Athena: the cache-write field summed into cache_read_tokens", async () => {
    const truth = corpusTotals(uniqueEvents);
    expect(truth.cacheWriteTokens).not.toBe(truth.cacheReadTokens);
    const found = await collectMutated(
      "athena",
      mutation(
        "coalesce(input.cacheReadInputTokenCount, 0))) AS cache_read_tokens",
        "coalesce(input.cacheWriteInputTokenCount, 0))) AS cache_read_tokens",
      ),
    );
    expect(found).toContain(
      `[] cacheReadTokens: raw ${truth.cacheReadTokens}, athena ${truth.cacheWriteTokens}`,
    );
  });

  it("Athena: count(*) as requests (errors counted as requests)", async () => {
    const truth = corpusTotals(uniqueEvents);
    expect(truth.errors).toBeGreaterThan(0);
    const found = await collectMutated(
      "athena",
      mutation("count_if(NOT failed) AS requests", "count(*) AS requests"),
    );
    expect(found).toContain(`[] requests: raw ${truth.requests}, athena ${truth.requests + truth.errors}`);
  });

  it("Athena: the requestId dedupe turned off", async () => {
    const truth = corpusTotals(uniqueEvents);
    // Every copy the query's partitions hold (datehour from FROM − 1 h to TO + 3 h), re-deliveries included.
    const scanned = corpus
      .filter((l) => l.datehour >= "2026/03/01/23" && l.datehour <= "2026/03/05/03")
      .map((l) => l.record);
    const copies = corpusTotals(scanned);
    expect(copies.requests).toBeGreaterThan(truth.requests);
    const found = await collectMutated("athena", mutation("WHERE copy = 1", "WHERE copy >= 1"));
    expect(found).toContain(`[] requests: raw ${truth.requests}, athena ${copies.requests}`);
  });

  it("Logs Insights: the stats line's cache sums swapped", async () => {
    const truth = corpusTotals(uniqueEvents);
    const swap = (q: string) =>
      mutation(
        "sum(input.cacheWriteInputTokenCount * (1 - failed)) as cache_write_tokens",
        "sum(input.cacheReadInputTokenCount * (1 - failed)) as cache_write_tokens",
      )(
        mutation(
          "sum(input.cacheReadInputTokenCount * (1 - failed)) as cache_read_tokens",
          "sum(input.cacheWriteInputTokenCount * (1 - failed)) as cache_read_tokens",
        )(q),
      );
    const found = await collectMutated("logs-insights", swap);
    expect(found).toContain(
      `[] cacheReadTokens: raw ${truth.cacheReadTokens}, logs-insights ${truth.cacheWriteTokens}`,
    );
    expect(found).toContain(
      `[] cacheWriteTokens: raw ${truth.cacheWriteTokens}, logs-insights ${truth.cacheReadTokens}`,
    );
  });

  it("Logs Insights: errors counted with count(*) (every record an error)", async () => {
    const truth = corpusTotals(uniqueEvents);
    const found = await collectMutated(
      "logs-insights",
      mutation("sum(failed) as errors", "count(*) as errors"),
    );
    expect(found).toContain(`[] requests: raw ${truth.requests}, logs-insights 0`);
    expect(found).toContain(`[] errors: raw ${truth.errors}, logs-insights ${truth.requests + truth.errors}`);
  });
});
