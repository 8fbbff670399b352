/**
 * The same simulated corpus, rolled up three ways — the raw path over the objects, Logs Insights
 * and Athena over mocked responses computed from the same records — must give identical
 * queryUsage answers, to the token and the pico-dollar.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, describe, expect, it } from "vitest";
import type { Dimension } from "../dimensions";
import { createDirSource, ingestObjects } from "../ingest";
import { loadCatalog, SHIPPED_CATALOG_PATH } from "../pricing/catalog";
import { PriceBook, syncCatalog } from "../pricing/price-book";
import { queryUsage, totalOf, type UsageQuery } from "../report/usage";
import type { RollupSource } from "../rollup/write";
import { SIMULATED_APPLICATION_PROFILES, simulate } from "../simulate";
import { createDb, type Db } from "../store/db";
import { AthenaSession, DEFAULT_ATHENA_OPTIONS } from "./athena";
import { athenaApi, bedrockControlApi, logsInsightsApi } from "./aws";
import { manualClock } from "./clock";
import { athenaSource, collectOnce, logsInsightsSource } from "./collect";
import { InferenceProfileResolver } from "./inference-profiles";
import { DEFAULT_INSIGHTS_OPTIONS, InsightsSession } from "./logs-insights";
import { athenaPage, type CorpusLine, evaluateAthena, evaluateInsights, readCorpus } from "./test-engines";

const FROM = "2026-03-02";
const TO = "2026-03-05";

let db: Db;
let corpus: CorpusLine[];
let uniqueEvents: Record<string, unknown>[];
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
  const seen = new Set<unknown>();
  uniqueEvents = corpus
    .map((l) => l.record)
    .filter((r) => r.schemaType === "ModelInvocationLog" && !seen.has(r.requestId) && seen.add(r.requestId));
  expect(corpus.length).toBeGreaterThan(uniqueEvents.length); // the corpus re-delivers some records

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
      max = Math.max(max, evaluateInsights(uniqueEvents, query, t, t + 3599, Number.MAX_SAFE_INTEGER).length);
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
      evaluateInsights(uniqueEvents, input.queryString, input.startTime, input.endTime, input.limit),
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
  athena.on(StartQueryExecutionCommand).callsFake((input) => {
    const id = `e${executions.size + 1}`;
    executions.set(id, evaluateAthena(corpus, String(input.QueryString)));
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

  const clock = manualClock("2026-03-06T00:30:00Z");
  const resolver = new InferenceProfileResolver({
    api: bedrockControlApi(new BedrockClient({ region: "us-east-1" })),
    db,
  });
  const common = { db, prices, profiles: resolver, clock, from: FROM, to: TO };
  const insights = new InsightsSession(
    logsInsightsApi(new CloudWatchLogsClient({ region: "us-east-1" })),
    { ...DEFAULT_INSIGHTS_OPTIONS, logGroupNames: ["bedrock-invocations"], limit: insightsLimit },
    clock,
  );
  insightsSummary = await collectOnce(
    logsInsightsSource(insights, { onSplit: () => insightsSplits++ }),
    common,
  );
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
  athenaSummary = await collectOnce(
    athenaSource(athenaSession, { table: "bedrock_invocation_logs" }),
    common,
  );
}, 180_000);

function usage(source: RollupSource, query: Omit<UsageQuery, "sources">) {
  return queryUsage(db, PriceBook.load(db), { ...query, sources: [source] });
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
