/**
 * Test-only stand-ins for what Logs Insights and Athena compute: small evaluators of the rollup
 * queries over raw records, producing responses in the documented shapes ({field,value} string
 * rows truncated at `limit`; Athena pages with a header row). Fixtures are derived from the data,
 * never written by hand. Not exported from the package.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";

export type CorpusLine = { record: Record<string, unknown>; datehour: string };

const KEYS = {
  tenant: "tenant_id",
  application: "application_name",
  cost_center: "cost_center",
  environment: "environment",
  team: "team",
  user: "user_id",
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every JSON line of every log object under `root` (sidecars under data/ skipped), with its folder hour. */
export async function readCorpus(root: string): Promise<CorpusLine[]> {
  const lines: CorpusLine[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "data") await walk(path);
      } else if (entry.name.endsWith(".json.gz")) {
        const m = /(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/[^/]+$/.exec(relative(root, path));
        const datehour = m ? `${m[1]}/${m[2]}/${m[3]}/${m[4]}` : "";
        for (const line of gunzipSync(await readFile(path))
          .toString("utf8")
          .split("\n")) {
          if (line.trim() === "") continue;
          const parsed: unknown = JSON.parse(line);
          if (isObject(parsed)) lines.push({ record: parsed, datehour });
        }
      }
    }
  };
  await walk(root);
  return lines;
}

function path(record: Record<string, unknown>, dotted: string): unknown {
  let v: unknown = record;
  for (const part of dotted.split(".")) v = isObject(v) ? v[part] : undefined;
  return v;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

const pad = (n: number) => String(n).padStart(2, "0");
function binOf(ms: number, unit: "1h" | "1d"): string {
  const d = new Date(ms);
  const day = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return unit === "1h" ? `${day} ${pad(d.getUTCHours())}:00:00.000` : `${day} 00:00:00.000`;
}

/**
 * What Logs Insights returns for buildInsightsRollupQuery / buildInsightsFacetQuery (default
 * keys) over events with @timestamp in [startTime, endTime] (epoch seconds, inclusive), at most
 * `limit` rows. CloudWatch holds one event per invocation, so `events` are unique records.
 */
export function evaluateInsights(
  events: readonly Record<string, unknown>[],
  queryString: string,
  startTime: number,
  endTime: number,
  limit: number,
): { field: string; value: string }[][] {
  const unit = queryString.includes("bin(1d)") ? "1d" : "1h";
  const facet = unit === "1d";
  const groups = new Map<
    string,
    { cells: [string, string | undefined][]; n: number; errors: number; sums: (number | undefined)[] }
  >();
  const dimFields: [string, string][] = [
    ["account", "accountId"],
    ["aws_region", "region"],
    ["tenant", `requestMetadata.${KEYS.tenant}`],
    ["application", `requestMetadata.${KEYS.application}`],
    ["cost_center", `requestMetadata.${KEYS.cost_center}`],
    ["environment", `requestMetadata.${KEYS.environment}`],
    ["team", `requestMetadata.${KEYS.team}`],
    ["model_id", "modelId"],
    ...(facet
      ? ([
          ["user", `requestMetadata.${KEYS.user}`],
          ["identity", "identity.arn"],
        ] as [string, string][])
      : []),
  ];
  const sumFields = [
    "input.inputTokenCount",
    "output.outputTokenCount",
    "input.cacheReadInputTokenCount",
    "input.cacheWriteInputTokenCount",
  ];
  for (const r of events) {
    if (r.schemaType !== "ModelInvocationLog" || r.modelId === undefined) continue;
    const ms = Date.parse(String(r.timestamp));
    if (ms < startTime * 1000 || ms >= (endTime + 1) * 1000) continue;
    const cells: [string, string | undefined][] = [
      [`bin(${unit})`, binOf(ms, unit)],
      ...dimFields.map(([alias, f]): [string, string | undefined] => [alias, text(path(r, f))]),
    ];
    const key = JSON.stringify(cells);
    let g = groups.get(key);
    if (!g) {
      g = { cells, n: 0, errors: 0, sums: sumFields.map(() => undefined) };
      groups.set(key, g);
    }
    g.n++;
    if (r.errorCode !== undefined && r.errorCode !== null) g.errors++;
    sumFields.forEach((f, i) => {
      const v = num(path(r, f));
      if (v !== undefined) g.sums[i] = (g.sums[i] ?? 0) + v;
    });
  }
  const names = ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"];
  return [...groups.values()].slice(0, limit).map((g) => {
    const cells: [string, string | undefined][] = [
      ...g.cells,
      ["records", String(g.n)],
      ["errors", String(g.errors)],
      ...g.sums.map((s, i): [string, string | undefined] => [
        names[i] ?? "",
        s === undefined ? undefined : String(s),
      ]),
    ];
    return cells.flatMap(([field, value]) => (value === undefined ? [] : [{ field, value }]));
  });
}

/** What Athena returns for buildAthenaRollupSql / buildAthenaFacetSql (default keys): header + rows. */
export function evaluateAthena(lines: readonly CorpusLine[], sql: string): (string | null)[][] {
  const from = /ts >= from_iso8601_timestamp\('([^']+)'\)/.exec(sql)?.[1] ?? "";
  const to = /ts < from_iso8601_timestamp\('([^']+)'\)/.exec(sql)?.[1] ?? "";
  const [, lo = "", hi = ""] = /datehour BETWEEN '([^']+)' AND '([^']+)'/.exec(sql) ?? [];
  const facet = sql.includes("CROSS JOIN UNNEST");
  const seen = new Set<string>();
  const groups = new Map<string, { cells: (string | null)[]; c: number[] }>();
  const sorted = [...lines].sort(
    (a, b) =>
      a.datehour.localeCompare(b.datehour) ||
      String(a.record.timestamp).localeCompare(String(b.record.timestamp)),
  );
  for (const { record: r, datehour } of sorted) {
    if (datehour < lo || datehour > hi) continue;
    if (
      r.schemaType !== "ModelInvocationLog" ||
      typeof r.requestId !== "string" ||
      typeof r.modelId !== "string" ||
      typeof r.timestamp !== "string"
    )
      continue;
    if (seen.has(r.requestId)) continue;
    seen.add(r.requestId);
    const ms = Date.parse(r.timestamp);
    if (ms < Date.parse(from) || ms >= Date.parse(to)) continue;
    const failed = typeof r.errorCode === "string" && r.errorCode !== "";
    const md = isObject(r.requestMetadata) ? r.requestMetadata : {};
    const meta = (k: string) => (typeof md[k] === "string" ? md[k] : null);
    const iso = new Date(ms).toISOString();
    const dims = [
      text(r.accountId) ?? null,
      text(r.region) ?? null,
      meta(KEYS.tenant),
      meta(KEYS.application),
      meta(KEYS.cost_center),
      meta(KEYS.environment),
      meta(KEYS.team),
      r.modelId,
    ];
    const tok = (f: string) => (failed ? 0 : (num(path(r, f)) ?? 0));
    const c = [
      failed ? 0 : 1,
      failed ? 1 : 0,
      tok("input.inputTokenCount"),
      tok("output.outputTokenCount"),
      tok("input.cacheReadInputTokenCount"),
      tok("input.cacheWriteInputTokenCount"),
    ];
    const keyed = facet
      ? [
          [iso.slice(0, 10), ...dims, "user", meta(KEYS.user)],
          [iso.slice(0, 10), ...dims, "identity", text(path(r, "identity.arn")) ?? null],
        ]
      : [[`${iso.slice(0, 13)}:00:00Z`, ...dims]];
    for (const cells of keyed) {
      const key = JSON.stringify(cells);
      const g = groups.get(key) ?? { cells, c: [0, 0, 0, 0, 0, 0] };
      c.forEach((v, i) => {
        g.c[i] = (g.c[i] ?? 0) + v;
      });
      groups.set(key, g);
    }
  }
  const header = facet
    ? [
        "day",
        "account",
        "region",
        "tenant",
        "application",
        "cost_center",
        "environment",
        "team",
        "model_id",
        "facet",
        "value",
      ]
    : [
        "hour",
        "account",
        "region",
        "tenant",
        "application",
        "cost_center",
        "environment",
        "team",
        "model_id",
      ];
  header.push(
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
  );
  return [header, ...[...groups.values()].map((g) => [...g.cells, ...g.c.map(String)])];
}

/** Rows → one GetQueryResults page (`MaxResults` rows from `offset`), as Athena shapes it. */
export function athenaPage(rows: readonly (string | null)[][], offset: number, maxResults: number) {
  const slice = rows.slice(offset, offset + maxResults);
  const next = offset + maxResults < rows.length ? String(offset + maxResults) : undefined;
  return {
    ResultSet: { Rows: slice.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })) },
    ...(next ? { NextToken: next } : {}),
  };
}
