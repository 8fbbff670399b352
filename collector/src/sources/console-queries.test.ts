/**
 * Every console query (queries/src/console.ts) executed, not just printed: each Logs Insights form
 * by the evaluator and each Athena form on DuckDB, over one small simulated corpus plus a fixture
 * object, and each answer compared with the one computed here straight from the JSON records (an
 * oracle that is itself checked against the simulator's ground truth). Mutated query texts must
 * fail the same comparison.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  buildAthenaRollupSql,
  buildConsoleQuery,
  buildInsightsRollupQuery,
  CONSOLE_QUERIES,
  type ConsoleParamsInput,
  dayTextSchema,
  hourTextSchema,
  parseAthenaRollupPages,
  parseInsightsRollupResults,
  toInsightsRecords,
} from "@bedrock-chargeback/queries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeRecord } from "../records/normalize";
import { aggregateTruth, parseGroundTruth, simulate, type TruthRow } from "../simulate";
import {
  athenaPage,
  createDuckAthena,
  type DuckAthena,
  evaluateInsightsQuery,
  type InsightsEvent,
  insightsEvents,
  logObjectPaths,
  readCorpus,
} from "./test-engines";

const FROM = "2026-03-02";
const TO = "2026-03-04";
const WINDOW = { from: `${FROM}T00:00:00Z`, to: `${TO}T00:00:00Z` };

// ---- the fixture: what the simulator never writes ---------------------------------------------
/** Values with both quote characters: the filters must match them exactly, through `quote`. */
const ODD_TENANT = `o'brien "q"`;
const ODD_APPLICATION = `it's the "app"`;
const FIXTURE_MODEL = "amazon.nova-lite-v1:0";
const fixtureMeta = (over: Record<string, string> = {}) => ({
  tenant_id: ODD_TENANT,
  application_name: ODD_APPLICATION,
  cost_center: "cc-fixture",
  environment: "production",
  team: "fixture-team",
  user_id: "fixture-user",
  ...over,
});
const fixtureRecord = (
  n: number,
  minute: string,
  extra: Record<string, unknown>,
  meta: Record<string, string> = fixtureMeta(),
) => ({
  schemaType: "ModelInvocationLog",
  schemaVersion: "1.0",
  timestamp: `2026-03-02T10:${minute}Z`,
  accountId: "111122223333",
  region: "us-east-1",
  requestId: `fixture-${n}`,
  operation: "Converse",
  modelId: FIXTURE_MODEL,
  identity: { arn: "arn:aws:sts::111122223333:assumed-role/fixture/s" },
  requestMetadata: meta,
  input: { inputTokenCount: 1000 * n, cacheReadInputTokenCount: 10 * n, cacheWriteInputTokenCount: 20 * n },
  output: { outputTokenCount: 100 * n },
  ...extra,
});
const FIXTURE = [
  // errorCode "": a success for Athena and the raw path (normalize.ts), so for every path.
  fixtureRecord(1, "01:00.000", { errorCode: "" }),
  // A failed call that still carries token counts: an error with no tokens (docs/rules.md rule 8);
  // its input count beats every simulated one, so a large-requests that kept failures would list it.
  fixtureRecord(2, "02:00.000", {
    errorCode: "ThrottlingException",
    input: { inputTokenCount: 200_000, cacheReadInputTokenCount: 20, cacheWriteInputTokenCount: 40 },
  }),
  // Matches the tenant but not environment=production, then not the model: ANDed filters drop them.
  fixtureRecord(3, "03:00.000", {}, fixtureMeta({ environment: "staging" })),
  fixtureRecord(4, "04:00.000", { modelId: "us.amazon.nova-pro-v1:0" }),
  fixtureRecord(5, "05:00.000", {}),
];

// ---- the oracle: answers from the records themselves -------------------------------------------
type Rec = {
  ms: number;
  requestId: string;
  modelId: string;
  operation: string | null;
  identity: string | null;
  meta: Record<string, string>;
  /** Token counts as logged (null when absent). */
  logged: {
    input: number | null;
    output: number | null;
    cacheRead: number | null;
    cacheWrite: number | null;
  };
  errorCode: string | null;
  failed: boolean;
};
type Row = Record<string, string | number | null>;

const str = (v: unknown) => (typeof v === "string" ? v : null);
const num = (v: unknown) => (typeof v === "number" ? v : null);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v)) : {};

function toRec(r: Record<string, unknown>): Rec {
  const input = obj(r.input);
  const output = obj(r.output);
  const meta = Object.fromEntries(
    Object.entries(obj(r.requestMetadata)).flatMap(([k, v]) => (typeof v === "string" ? [[k, v]] : [])),
  );
  const errorCode = str(r.errorCode);
  return {
    ms: Date.parse(String(r.timestamp)),
    requestId: String(r.requestId),
    modelId: String(r.modelId),
    operation: str(r.operation),
    identity: str(obj(r.identity).arn),
    meta,
    logged: {
      input: num(input.inputTokenCount),
      output: num(output.outputTokenCount),
      cacheRead: num(input.cacheReadInputTokenCount),
      cacheWrite: num(input.cacheWriteInputTokenCount),
    },
    errorCode,
    failed: errorCode !== null && errorCode !== "",
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
const DIMENSION: Record<string, (r: Rec) => string | null> = {
  tenant: (r) => r.meta.tenant_id ?? null,
  application: (r) => r.meta.application_name ?? null,
  cost_center: (r) => r.meta.cost_center ?? null,
  environment: (r) => r.meta.environment ?? null,
  team: (r) => r.meta.team ?? null,
  user: (r) => r.meta.user_id ?? null,
  experiment: (r) => r.meta.experiment_id ?? null,
  variant: (r) => r.meta.variant ?? null,
  identity: (r) => r.identity,
  model_id: (r) => r.modelId,
  hour: (r) => `${iso(r.ms).slice(0, 13)}:00:00Z`,
  day: (r) => iso(r.ms).slice(0, 10),
  month: (r) => iso(r.ms).slice(0, 7),
};

/** Sums by `keys`: failed calls are errors with no tokens; `total_tokens` unless `total` is false. */
function aggregate(recs: readonly Rec[], keys: readonly string[], total = true): Row[] {
  const groups = new Map<string, Row>();
  for (const r of recs) {
    const keyValues = keys.map((k) => DIMENSION[k]?.(r) ?? null);
    const id = JSON.stringify(keyValues);
    let g = groups.get(id);
    if (!g) {
      g = Object.fromEntries(keys.map((k, i) => [k, keyValues[i] ?? null]));
      Object.assign(g, {
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        ...(total ? { total_tokens: 0 } : {}),
      });
      groups.set(id, g);
    }
    const add = (k: string, n: number) => {
      g[k] = Number(g[k]) + n;
    };
    if (r.failed) {
      add("errors", 1);
      continue;
    }
    const t = r.logged;
    add("requests", 1);
    add("input_tokens", t.input ?? 0);
    add("output_tokens", t.output ?? 0);
    add("cache_read_tokens", t.cacheRead ?? 0);
    add("cache_write_tokens", t.cacheWrite ?? 0);
    if (total)
      add("total_tokens", (t.input ?? 0) + (t.output ?? 0) + (t.cacheRead ?? 0) + (t.cacheWrite ?? 0));
  }
  return [...groups.values()];
}

const byTotal = (rows: Row[]) => [...rows].sort((a, b) => Number(b.total_tokens) - Number(a.total_tokens));

/** The smallest n ≥ `min` whose n-th and (n+1)-th values differ, so a top-n answer has no tie to break. */
function untiedCut(values: readonly number[], min: number): number {
  for (let n = min; n < values.length; n++) if (values[n - 1] !== values[n]) return n;
  throw new Error("no untied cut");
}

// ---- the engines' answers, in the oracle's shape -----------------------------------------------
const COUNTER_COLUMNS = new Set([
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "total_tokens",
]);
const BIN_NAMES: Record<string, string> = { "bin(1h)": "hour", "bin(1d)": "day", "bin(1mo)": "month" };

/**
 * One result row → oracle shape. Aggregates: a missing counter is 0. Record listings
 * (`raw`): a token count is as logged (null when absent). Times are compared as instants.
 */
function canonical(row: Record<string, string | null>, raw: boolean): Row {
  const out: Row = {};
  for (const [column, v] of Object.entries(row)) {
    const key = BIN_NAMES[column] ?? column;
    if (key === "hour") out[key] = v === null ? null : hourTextSchema.parse(v);
    else if (key === "day") out[key] = v === null ? null : dayTextSchema.parse(v);
    else if (key === "month") {
      const m = v === null ? null : /^(\d{4}-\d{2})(?:-01 00:00:00\.000)?$/.exec(v);
      if (!m) throw new Error(`not a month: ${v}`);
      out[key] = m[1] ?? null;
    } else if (key === "time")
      out[key] = v === null ? null : iso(Date.parse(v.includes("T") ? v : `${v.replace(" ", "T")}Z`));
    else if (key === "bucket_start") out[key] = Number(v);
    else if (COUNTER_COLUMNS.has(key)) out[key] = raw ? (v === null ? null : Number(v)) : Number(v ?? 0);
    else out[key] = v;
  }
  return out;
}

let duck: DuckAthena;
let events: InsightsEvent[];
/** Unique records with a timestamp in the window: simulated ones and the fixture. */
let recs: Rec[];
let simulatedRecs: Rec[];
let truthRows: TruthRow[];

type Engine = "logs-insights" | "athena";
type Answer = { columns: readonly string[]; rows: Record<string, string | null>[] };

async function run(name: string, engine: Engine, params: ConsoleParamsInput, mutate = (t: string) => t) {
  const built = buildConsoleQuery(name, engine, { ...params, ...(engine === "athena" ? WINDOW : {}) });
  const text = mutate(built.text);
  if (engine === "logs-insights") {
    const start = Date.parse(WINDOW.from) / 1000;
    const results = evaluateInsightsQuery(text, events, start, Date.parse(WINDOW.to) / 1000 - 1, 10_000);
    return { columns: built.columns, rows: toInsightsRecords(results, built.columns) } satisfies Answer;
  }
  const [header, ...rows] = await duck.run(text);
  expect(header).toEqual(built.columns);
  return {
    columns: built.columns,
    rows: rows.map((r) => Object.fromEntries(built.columns.map((c, i) => [c, r[i] ?? null]))),
  } satisfies Answer;
}

type Check = {
  name: string;
  /** What the params are, for the test name (params may be computed once the corpus exists). */
  label?: string;
  params?: ConsoleParamsInput;
  /** The oracle's rows. */
  expected: () => Row[];
  /** Record listings: token counts as logged, not summed. */
  raw?: boolean;
  /** The column the rows must be sorted by, descending (or ascending with `asc`). */
  order?: { column: string; asc?: boolean };
};

/** What differs between an engine's answer and the oracle's ([] when they agree). */
async function differences(check: Check, engine: Engine, mutate?: (t: string) => string): Promise<string[]> {
  const answer = await run(check.name, engine, check.params ?? {}, mutate);
  const got = answer.rows.map((r) => canonical(r, check.raw ?? false));
  const want = check.expected();
  const out: string[] = [];
  const keyed = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).sort();
  const [g, w] = [keyed(got), keyed(want)];
  const wanted = new Set(w);
  const gotten = new Set(g);
  // A few of each kind: enough to read, short enough to print.
  out.push(
    ...g
      .filter((r) => !wanted.has(r))
      .map((r) => `unexpected ${r}`)
      .slice(0, 3),
  );
  out.push(
    ...w
      .filter((r) => !gotten.has(r))
      .map((r) => `missing ${r}`)
      .slice(0, 3),
  );
  if (g.length !== w.length) out.push(`${g.length} rows, expected ${w.length}`);
  if (check.order) {
    const { column, asc } = check.order;
    // Times are ISO instants: their text sorts as they do.
    const values = got.map((r) => (column === "time" ? Date.parse(String(r.time)) : Number(r[column])));
    const sorted = [...values].sort((a, b) => (asc ? a - b : b - a));
    if (JSON.stringify(values) !== JSON.stringify(sorted)) out.push(`not sorted by ${column}`);
  }
  return out;
}

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), "console-queries-"));
  await simulate({ out, from: FROM, to: TO, records: 1000, seed: 14, bodies: false, writeTruth: true });
  truthRows = parseGroundTruth(JSON.parse(await readFile(join(out, "ground-truth.json"), "utf8"))).rows;
  // Delivered like any other object: an hour folder under the account's prefix.
  const folder = join(out, "fixture/AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/03/02/10");
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "20260302T100500Z_fixture.json.gz"),
    gzipSync(`${FIXTURE.map((r) => JSON.stringify(r)).join("\n")}\n`),
  );
  const corpus = await readCorpus(out);
  duck = await createDuckAthena(await logObjectPaths(out));
  const seen = new Set<unknown>();
  const unique = corpus
    .map((l) => l.record)
    .filter((r) => r.schemaType === "ModelInvocationLog" && !seen.has(r.requestId) && seen.add(r.requestId));
  expect(corpus.length).toBeGreaterThan(unique.length); // re-deliveries: Athena must dedupe them
  // CloudWatch delivers each invocation once.
  events = insightsEvents(unique);
  const lo = Date.parse(WINDOW.from);
  const hi = Date.parse(WINDOW.to);
  recs = unique.map(toRec).filter((r) => r.ms >= lo && r.ms < hi);
  simulatedRecs = recs.filter((r) => !r.requestId.startsWith("fixture-"));
  expect(simulatedRecs).toHaveLength(1000);
}, 60_000);

afterAll(() => duck?.close());

describe("the oracle", () => {
  it("agrees with the simulator's ground truth by application and by day × model", () => {
    const measures = (r: Row) => [
      r.requests,
      r.errors,
      r.input_tokens,
      r.output_tokens,
      r.cache_read_tokens,
      r.cache_write_tokens,
    ];
    for (const keys of [["application"], ["day", "model_id"]]) {
      const mine = aggregate(simulatedRecs, keys, false)
        .map((r) => JSON.stringify([...keys.map((k) => r[k]), ...measures(r)]))
        .sort();
      const truth = aggregateTruth(truthRows, keys)
        .map((t) =>
          JSON.stringify([
            ...keys.map(
              (k) => (k === "application" ? t.application : k === "day" ? t.day : t.model_id) ?? null,
            ),
            t.requests,
            t.errors,
            t.input_tokens,
            t.output_tokens,
            t.cache_read_input_tokens,
            t.cache_write_input_tokens,
          ]),
        )
        .sort();
      expect(mine).toEqual(truth);
    }
    expect(simulatedRecs.filter((r) => r.failed).length).toBeGreaterThan(0);
  });
});

const top = (keys: string[], min: number) => {
  const rows = byTotal(aggregate(recs, keys));
  return rows.slice(
    0,
    untiedCut(
      rows.map((r) => Number(r.total_tokens)),
      min,
    ),
  );
};
const topN = (keys: string[], min: number) => top(keys, min).length;
const newest = () => [...recs].sort((a, b) => b.ms - a.ms);
const recentTop = () =>
  untiedCut(
    newest().map((r) => r.ms),
    12,
  );
const LARGE_MIN = 1500;
const large = () =>
  recs
    .filter((r) => !r.failed && (r.logged.input ?? 0) >= LARGE_MIN)
    .sort((a, b) => (b.logged.input ?? 0) - (a.logged.input ?? 0));
const largeTop = () =>
  untiedCut(
    large().map((r) => r.logged.input ?? 0),
    8,
  );
const FILTERS = {
  tenant: ODD_TENANT,
  application: ODD_APPLICATION,
  environment: "production",
  costCenter: "cc-fixture",
  model: FIXTURE_MODEL,
};
const matches = (r: Rec, f: Partial<typeof FILTERS>) =>
  (f.tenant === undefined || r.meta.tenant_id === f.tenant) &&
  (f.application === undefined || r.meta.application_name === f.application) &&
  (f.environment === undefined || r.meta.environment === f.environment) &&
  (f.costCenter === undefined || r.meta.cost_center === f.costCenter) &&
  (f.model === undefined || r.modelId === f.model);
const FILTERED_KEYS = ["application", "tenant", "environment", "cost_center", "model_id"];
/** The application with the most simulated records: a filter that keeps many rows, not all. */
let busiest: string | undefined;
const busiestApplication = (): string => {
  busiest ??= String(byTotal(aggregate(simulatedRecs, ["application"]))[0]?.application);
  return busiest;
};

/** One or more checks per console query; the fixture's quoted values go through the filters. */
const CHECKS: Check[] = [
  {
    name: "tokens-by-application",
    expected: () => aggregate(recs, ["application"]),
    order: { column: "total_tokens" },
  },
  {
    name: "tokens-by-tenant-application",
    expected: () => aggregate(recs, ["tenant", "application"]),
    order: { column: "total_tokens" },
  },
  {
    name: "tokens-by-cost-center-team",
    expected: () => aggregate(recs, ["cost_center", "team"]),
    order: { column: "total_tokens" },
  },
  {
    name: "application-environment",
    expected: () => aggregate(recs, ["application", "environment"]),
    order: { column: "total_tokens" },
  },
  { name: "hourly-trend", expected: () => aggregate(recs, ["hour"], false) },
  { name: "daily-trend", expected: () => aggregate(recs, ["day", "model_id"], false) },
  {
    name: "top-tenants",
    label: "top N at an untied cut",
    get params() {
      return { top: topN(["tenant"], 3) };
    },
    expected: () => top(["tenant"], 3),
    order: { column: "total_tokens" },
  },
  {
    name: "top-users",
    label: "top N at an untied cut",
    get params() {
      return { top: topN(["tenant", "user"], 5) };
    },
    expected: () => top(["tenant", "user"], 5),
    order: { column: "total_tokens" },
  },
  {
    name: "recent-invocations",
    label: "newest N, untied",
    get params() {
      return { top: recentTop() };
    },
    raw: true,
    expected: () =>
      newest()
        .slice(0, recentTop())
        .map((r) => ({
          time: iso(r.ms),
          request_id: r.requestId,
          model_id: r.modelId,
          operation: r.operation,
          tenant: DIMENSION.tenant?.(r) ?? null,
          application: DIMENSION.application?.(r) ?? null,
          cost_center: DIMENSION.cost_center?.(r) ?? null,
          environment: DIMENSION.environment?.(r) ?? null,
          team: DIMENSION.team?.(r) ?? null,
          user: DIMENSION.user?.(r) ?? null,
          input_tokens: r.logged.input,
          output_tokens: r.logged.output,
          cache_read_tokens: r.logged.cacheRead,
          cache_write_tokens: r.logged.cacheWrite,
          error_code: r.errorCode,
        })),
    order: { column: "time" },
  },
  {
    name: "large-requests",
    label: `minInputTokens ${LARGE_MIN}, top N untied`,
    get params() {
      return { minInputTokens: LARGE_MIN, top: largeTop() };
    },
    raw: true,
    expected: () =>
      large()
        .slice(0, largeTop())
        .map((r) => ({
          time: iso(r.ms),
          request_id: r.requestId,
          model_id: r.modelId,
          tenant: DIMENSION.tenant?.(r) ?? null,
          application: DIMENSION.application?.(r) ?? null,
          identity: r.identity,
          input_tokens: r.logged.input,
          output_tokens: r.logged.output,
        })),
    order: { column: "input_tokens" },
  },
  {
    name: "output-size-distribution",
    label: "bucketSize 100",
    params: { bucketSize: 100 },
    expected: () => {
      const counts = new Map<number, number>();
      for (const r of recs.filter((x) => !x.failed)) {
        const bucket = Math.floor((r.logged.output ?? 0) / 100) * 100;
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      }
      return [...counts].map(([bucket_start, requests]) => ({ bucket_start, requests }));
    },
    order: { column: "bucket_start", asc: true },
  },
  {
    name: "experiment-variants",
    expected: () => aggregate(recs, ["experiment", "variant", "model_id"]),
  },
  {
    name: "identity-application-tenant",
    expected: () => aggregate(recs, ["identity", "application", "tenant"]),
    order: { column: "total_tokens" },
  },
  { name: "monthly-tenant-billing", expected: () => aggregate(recs, ["month", "tenant", "model_id"], false) },
  {
    name: "application-detail",
    label: "the fixture's quoted application",
    params: { application: ODD_APPLICATION },
    expected: () =>
      aggregate(
        recs.filter((r) => r.meta.application_name === ODD_APPLICATION),
        ["day", "model_id"],
        false,
      ),
  },
  {
    name: "application-detail",
    label: "the busiest simulated application",
    get params() {
      return { application: busiestApplication() };
    },
    expected: () =>
      aggregate(
        recs.filter((r) => r.meta.application_name === busiestApplication()),
        ["day", "model_id"],
        false,
      ),
  },
  {
    name: "filtered-breakdown",
    label: "all five filters, quoted tenant and application",
    params: FILTERS,
    expected: () =>
      aggregate(
        recs.filter((r) => matches(r, FILTERS)),
        FILTERED_KEYS,
      ),
    order: { column: "total_tokens" },
  },
  {
    name: "filtered-breakdown",
    label: "application and environment",
    get params() {
      return { application: busiestApplication(), environment: "production" };
    },
    expected: () =>
      aggregate(
        recs.filter((r) => matches(r, { application: busiestApplication(), environment: "production" })),
        FILTERED_KEYS,
      ),
    order: { column: "total_tokens" },
  },
  {
    name: "filtered-breakdown",
    label: "no filter",
    expected: () => aggregate(recs, FILTERED_KEYS),
    order: { column: "total_tokens" },
  },
];

describe("every console query, run on both engines, answers what the records say", () => {
  it("covers every query of the collection in both of its engines", () => {
    for (const q of CONSOLE_QUERIES) {
      expect(
        CHECKS.some((c) => c.name === q.name),
        q.name,
      ).toBe(true);
      expect(q["logs-insights"] && q.athena, q.name).toBeTruthy();
    }
  });

  for (const check of CHECKS) {
    for (const engine of ["logs-insights", "athena"] as const) {
      it(`${check.name}${check.label ? ` (${check.label})` : ""} on ${engine}`, async () => {
        const want = check.expected();
        expect(want.length).toBeGreaterThan(0);
        expect(await differences(check, engine)).toEqual([]);
      });
    }
  }

  it("the filters keep only what matches every one of them (fixture rows 1 and 5 of the odd tenant)", async () => {
    for (const engine of ["logs-insights", "athena"] as const) {
      const { rows } = await run("filtered-breakdown", engine, FILTERS);
      expect(rows.map((r) => canonical(r, false))).toEqual([
        {
          application: ODD_APPLICATION,
          tenant: ODD_TENANT,
          environment: "production",
          cost_center: "cc-fixture",
          model_id: FIXTURE_MODEL,
          // requestIds 1 (errorCode "": a success) and 5; 2 failed (tokens dropped); 3, 4 filtered out.
          requests: 2,
          errors: 1,
          input_tokens: 6000,
          output_tokens: 600,
          cache_read_tokens: 60,
          cache_write_tokens: 120,
          total_tokens: 6780,
        },
      ]);
    }
  });
});

describe('errorCode "" and failed calls with tokens: raw, Logs Insights and Athena rollups agree', () => {
  it("counts the fixture the same three ways (docs/rules.md rule 8)", async () => {
    const sum = (
      rows: {
        tenant: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
      }[],
    ) =>
      rows
        .filter((r) => r.tenant === ODD_TENANT)
        .reduce(
          (t, r) => ({
            requests: t.requests + r.requests,
            errors: t.errors + r.errors,
            input: t.input + r.input_tokens,
            output: t.output + r.output_tokens,
          }),
          { requests: 0, errors: 0, input: 0, output: 0 },
        );
    const raw = { requests: 0, errors: 0, input: 0, output: 0 };
    for (const line of FIXTURE) {
      const n = normalizeRecord(line);
      if (n.kind !== "record") throw new Error(`fixture not a record: ${n.reason}`);
      if (n.record.errorCode === null) raw.requests++;
      else raw.errors++;
      raw.input += n.record.inputTokens;
      raw.output += n.record.outputTokens;
    }
    expect(raw).toEqual({ requests: 4, errors: 1, input: 13_000, output: 1300 });
    const start = Date.parse(WINDOW.from) / 1000;
    const insights = parseInsightsRollupResults(
      evaluateInsightsQuery(buildInsightsRollupQuery(), events, start, start + 86_399, 10_000),
    );
    const athena = parseAthenaRollupPages([
      athenaPage(await duck.run(buildAthenaRollupSql(WINDOW)), 0, 10_000),
    ]);
    expect(sum(insights)).toEqual(raw);
    expect(sum(athena)).toEqual(raw);
  });
});

/** Replaces `from` with `to`, failing when the text does not contain `from`. */
const mutation = (from: string, to: string) => (text: string) => {
  if (!text.includes(from)) throw new Error(`mutation did not match the query: ${from}`);
  return text.replaceAll(from, to);
};
const checkOf = (name: string, label?: string) => {
  const found = CHECKS.find((c) => c.name === name && c.label === label);
  if (!found) throw new Error(`no check for ${name}`);
  return found;
};

describe("mutated query texts fail the comparison", () => {
  it('Logs Insights: errors counted with count(errorCode) again (errorCode "" becomes an error)', async () => {
    const found = await differences(
      checkOf("tokens-by-tenant-application"),
      "logs-insights",
      mutation("sum(failed) as errors", "count(errorCode) as errors"),
    );
    expect(found.join("\n")).toContain(
      `unexpected {"tenant":"o'brien \\"q\\"","application":"it's the \\"app\\"","requests":4,"errors":2,`,
    );
  });

  it("Logs Insights: recent-invocations sorted oldest first", async () => {
    const found = await differences(
      checkOf("recent-invocations", "newest N, untied"),
      "logs-insights",
      mutation("| sort @timestamp desc", "| sort @timestamp asc"),
    );
    expect(found.some((d) => d.startsWith("missing "))).toBe(true);
  });

  it("Athena: one filter of filtered-breakdown dropped (the model)", async () => {
    const found = await differences(
      checkOf("filtered-breakdown", "all five filters, quoted tenant and application"),
      "athena",
      mutation(`\n  AND modelId = '${FIXTURE_MODEL}'`, ""),
    );
    expect(found.join("\n")).toContain(
      'unexpected {"application":"it\'s the \\"app\\"","tenant":"o\'brien \\"q\\"","environment":"production","cost_center":"cc-fixture","model_id":"us.amazon.nova-pro-v1:0"',
    );
  });

  it("Athena: large-requests lists failed calls too", async () => {
    const found = await differences(
      checkOf("large-requests", `minInputTokens ${LARGE_MIN}, top N untied`),
      "athena",
      mutation("WHERE NOT failed AND ", "WHERE "),
    );
    expect(found.join("\n")).toContain('"request_id":"fixture-2"');
  });

  it("Athena: application-detail's filter compared with another application", async () => {
    const found = await differences(
      checkOf("application-detail", "the fixture's quoted application"),
      "athena",
      mutation("= 'it''s the \"app\"'", "<> 'it''s the \"app\"'"),
    );
    expect(found.length).toBeGreaterThan(0);
  });
});
