/**
 * Test-only AWS engines for the collectors: Logs Insights and Athena answers computed by
 * executing the query text the collector sends (testing/logs-insights-eval.ts parses and runs
 * Logs Insights QL; testing/duckdb-athena.ts runs the Athena SQL on DuckDB) over the simulator's
 * objects, in the documented response shapes. Not exported from the package.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { gunzipSync } from "node:zlib";
import type { InsightsEvent } from "./testing/logs-insights-eval";

export { athenaPage, createDuckAthena, type DuckAthena } from "./testing/duckdb-athena";
export { evaluateInsightsQuery, type InsightsEvent } from "./testing/logs-insights-eval";

export type CorpusLine = { record: Record<string, unknown>; datehour: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every log object under `root` (`.json.gz`; body sidecars under data/ skipped), sorted. */
export async function logObjectPaths(root: string): Promise<string[]> {
  const paths: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "data") await walk(path);
      } else if (entry.name.endsWith(".json.gz")) paths.push(path);
    }
  };
  await walk(root);
  return paths.sort();
}

/** Every JSON line of every log object under `root`, with its delivery folder hour `YYYY/MM/DD/HH`. */
export async function readCorpus(root: string): Promise<CorpusLine[]> {
  const lines: CorpusLine[] = [];
  for (const path of await logObjectPaths(root)) {
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
  return lines;
}

/** Records as CloudWatch Logs events: the JSON record is the message, @timestamp its own time. */
export function insightsEvents(records: readonly Record<string, unknown>[]): InsightsEvent[] {
  return records.map((message) => ({ timestampMs: Date.parse(String(message.timestamp)), message }));
}
