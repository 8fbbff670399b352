/**
 * `chargeback collect --source logs-insights|athena`: plan the window (checkpoint minus a
 * trailing look-back for late logs), aggregate where the logs live, resolve application
 * profiles, and atomically replace this source's rows in the window through replaceWindow —
 * so re-running never double counts. Each run records bytes scanned and what that cost.
 */

import type { Db, FactRow, HourlyRow, PriceBook } from "@bedrock-chargeback/ledger";
import { parseTimeBound, replaceWindow } from "@bedrock-chargeback/ledger";
import {
  athenaRollupParamsSchema,
  buildAthenaFacetSql,
  buildAthenaRollupSql,
  buildInsightsFacetQuery,
  buildInsightsRollupQuery,
  DEFAULT_METADATA_KEYS,
  type MetadataKeys,
  parseAthenaFacetPages,
  parseAthenaRollupPages,
  parseInsightsFacetResults,
  parseInsightsRollupResults,
} from "@bedrock-chargeback/queries";
import { AthenaSession } from "./athena";
import type { Clock } from "./clock";
import type { InferenceProfileResolver } from "./inference-profiles";
import { finishRun, readCheckpoint, startRun, writeCheckpoint } from "./ledger";
import { InsightsSession, planWindows, type TimeWindow } from "./logs-insights";
import { RowMerger } from "./rows";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CHECKPOINT = "collected_until";

export type CollectWindow = { fromHour: string; toHour: string; fromDay: string; toDay: string };

export type SourceBatch = { hourly: HourlyRow[]; facts: FactRow[]; records: number; modelIds: Set<string> };

export type CollectorSource = {
  source: "logs-insights" | "athena";
  location: string;
  collect: (window: CollectWindow) => Promise<SourceBatch>;
  /** What this source's queries scanned and cost so far. */
  scanned: () => { bytesScanned: number; scanCostPico: bigint; queries: number };
};

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const floorHour = (ms: number) => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Logs Insights: the rollup per window of `windowHours`, split on the row limit. */
export function logsInsightsSource(
  session: InsightsSession,
  config: { metadataKeys?: MetadataKeys; windowHours?: number; onSplit?: (w: TimeWindow) => void },
): CollectorSource {
  const keys = config.metadataKeys ?? DEFAULT_METADATA_KEYS;
  const windowHours = config.windowHours ?? 24;
  const rollupQuery = buildInsightsRollupQuery({ metadataKeys: keys });
  const facetQuery = buildInsightsFacetQuery({ metadataKeys: keys });
  return {
    source: "logs-insights",
    location: session.options.logGroupNames.join(","),
    scanned: () => ({
      bytesScanned: session.bytesScanned,
      scanCostPico: session.scanCostPico,
      queries: session.queries,
    }),
    collect: async (w) => {
      const merger = new RowMerger();
      const hourly = planWindows(Date.parse(w.fromHour), Date.parse(w.toHour), windowHours);
      const daily = planWindows(
        Date.parse(`${w.fromDay}T00:00:00Z`),
        Date.parse(`${w.toDay}T00:00:00Z`),
        windowHours,
      );
      const [hourlyResults, facetResults] = await Promise.all([
        Promise.all(hourly.map((win) => session.runSplitting(rollupQuery, win, config.onSplit))),
        Promise.all(daily.map((win) => session.runSplitting(facetQuery, win, config.onSplit))),
      ]);
      for (const results of hourlyResults) {
        for (const row of parseInsightsRollupResults(results)) merger.addHourly(row.hour, row);
      }
      for (const results of facetResults) {
        for (const row of parseInsightsFacetResults(results)) {
          merger.addFact(row.day, row.user, row.identity, row);
        }
      }
      return {
        hourly: merger.hourly,
        facts: merger.facts,
        records: merger.records,
        modelIds: merger.modelIds,
      };
    },
  };
}

/** Athena: one rollup and one facet query for the whole window (no row limit; pages). */
export function athenaSource(
  session: AthenaSession,
  config: {
    table: string;
    metadataKeys?: MetadataKeys;
    partitionLeadHours?: number;
    partitionLagHours?: number;
  },
): CollectorSource {
  const base = {
    database: session.options.database,
    table: config.table,
    metadataKeys: config.metadataKeys ?? DEFAULT_METADATA_KEYS,
    ...(config.partitionLeadHours === undefined ? {} : { partitionLeadHours: config.partitionLeadHours }),
    ...(config.partitionLagHours === undefined ? {} : { partitionLagHours: config.partitionLagHours }),
  };
  athenaRollupParamsSchema.parse({ ...base, from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z" });
  return {
    source: "athena",
    location: `${session.options.workgroup}:${session.options.database}.${config.table}`,
    scanned: () => ({
      bytesScanned: session.bytesScanned,
      scanCostPico: session.scanCostPico,
      queries: session.queries,
    }),
    collect: async (w) => {
      const merger = new RowMerger();
      const [rollup, facets] = await Promise.all([
        session.run(
          buildAthenaRollupSql({ ...base, from: w.fromHour, to: w.toHour }),
          `rollup ${w.fromHour}–${w.toHour}`,
        ),
        session.run(
          buildAthenaFacetSql({ ...base, from: `${w.fromDay}T00:00:00Z`, to: `${w.toDay}T00:00:00Z` }),
          `facets ${w.fromDay}–${w.toDay}`,
        ),
      ]);
      for (const row of parseAthenaRollupPages(rollup.pages)) merger.addHourly(row.hour, row);
      for (const row of parseAthenaFacetPages(facets.pages))
        merger.addFact(row.day, row.user_id, row.identity_arn, row);
      return {
        hourly: merger.hourly,
        facts: merger.facts,
        records: merger.records,
        modelIds: merger.modelIds,
      };
    },
  };
}

export type CollectOptions = {
  db: Db;
  prices: PriceBook;
  profiles: InferenceProfileResolver;
  clock: Clock;
  profilePrefixes?: readonly string[];
  /** Explicit window (hour-aligned ISO or YYYY-MM-DD); otherwise from the checkpoint. */
  from?: string;
  to?: string;
  /** Re-read this many hours before the checkpoint, for late logs. */
  lookbackHours?: number;
  /** First run without a checkpoint or --from: start this many hours back. */
  initialHours?: number;
};

export type CollectSummary = {
  runId: number;
  source: string;
  window: CollectWindow;
  hourlyRows: number;
  facetRows: number;
  records: number;
  queries: number;
  bytesScanned: number;
  scanCostPico: bigint;
  unresolvedProfiles: { arn: string; reason: string }[];
};

/** `--from`/`--to`: the same day-or-hour bounds as `report` and the API (user-input.ts). */
function parseBound(value: string, name: string): number {
  const parsed = parseTimeBound(value);
  if (!parsed.ok) throw new Error(`--${name} ${JSON.stringify(value)}: ${parsed.message}`);
  return Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
}

/** The window a run covers: hours [from, to) and the whole days holding them. */
export function planCollectWindow(
  source: string,
  options: Pick<CollectOptions, "db" | "clock" | "from" | "to" | "lookbackHours" | "initialHours">,
): CollectWindow {
  const now = options.clock.now().getTime();
  const toMs = options.to ? parseBound(options.to, "to") : floorHour(now) + HOUR_MS;
  let fromMs: number;
  if (options.from) fromMs = parseBound(options.from, "from");
  else {
    const checkpoint = readCheckpoint(options.db, source, CHECKPOINT);
    fromMs = checkpoint
      ? Date.parse(checkpoint) - (options.lookbackHours ?? 2) * HOUR_MS
      : floorHour(now) - (options.initialHours ?? 24) * HOUR_MS;
  }
  if (fromMs >= toMs)
    throw new Error(`nothing to collect: from ${iso(fromMs)} is not before to ${iso(toMs)}`);
  const fromDayMs = Math.floor(fromMs / DAY_MS) * DAY_MS;
  const toDayMs = Math.ceil(toMs / DAY_MS) * DAY_MS;
  return {
    fromHour: iso(fromMs),
    toHour: iso(toMs),
    fromDay: iso(fromDayMs).slice(0, 10),
    toDay: iso(toDayMs).slice(0, 10),
  };
}

/** One collection run. Throws (after recording a failed run) when the source fails. */
export async function collectOnce(source: CollectorSource, options: CollectOptions): Promise<CollectSummary> {
  const { db, clock } = options;
  const window = planCollectWindow(source.source, options);
  const runId = startRun(db, source.source, source.location, clock.now());
  try {
    const batch = await source.collect(window);
    const profiles = await options.profiles.resolveAll(batch.modelIds);
    replaceWindow(
      {
        db,
        source: source.source,
        prices: options.prices,
        applicationProfiles: profiles.resolved,
        ...(options.profilePrefixes ? { profilePrefixes: options.profilePrefixes } : {}),
      },
      {
        fromHour: window.fromHour,
        toHour: window.toHour,
        hourly: batch.hourly,
        factDays: { fromDay: window.fromDay, toDay: window.toDay, rows: batch.facts },
      },
    );
    // Data is complete up to the last whole hour (or the explicit end); the look-back re-reads the rest.
    const complete = Math.min(floorHour(clock.now().getTime()), Date.parse(window.toHour));
    const previous = readCheckpoint(db, source.source, CHECKPOINT);
    if (!previous || Date.parse(previous) < complete)
      writeCheckpoint(db, source.source, CHECKPOINT, iso(complete), clock.now());
    const scanned = source.scanned();
    finishRun(
      db,
      runId,
      {
        status: "ok",
        records: batch.records,
        bytesScanned: scanned.bytesScanned,
        scanCostPico: scanned.scanCostPico,
        dataUntil: iso(complete),
      },
      clock.now(),
    );
    return {
      runId,
      source: source.source,
      window,
      hourlyRows: batch.hourly.length,
      facetRows: batch.facts.length,
      records: batch.records,
      ...scanned,
      unresolvedProfiles: profiles.unresolved,
    };
  } catch (error) {
    const scanned = source.scanned();
    finishRun(
      db,
      runId,
      {
        status: "failed",
        records: 0,
        bytesScanned: scanned.bytesScanned,
        scanCostPico: scanned.scanCostPico,
        message: error instanceof Error ? error.message : String(error),
      },
      clock.now(),
    );
    throw error;
  }
}

/**
 * Runs `once` every `intervalSeconds` until `signal` aborts (SIGINT in the CLI). A failed run is
 * reported and the loop goes on; the next run's look-back covers what it missed.
 */
export async function watch(
  once: () => Promise<unknown>,
  options: { intervalSeconds: number; clock: Clock; signal: AbortSignal; onError: (error: unknown) => void },
): Promise<{ runs: number; failures: number }> {
  let runs = 0;
  let failures = 0;
  while (!options.signal.aborted) {
    runs++;
    try {
      await once();
    } catch (error) {
      failures++;
      options.onError(error);
    }
    if (options.signal.aborted) break;
    await options.clock.sleep(options.intervalSeconds * 1000, options.signal);
  }
  return { runs, failures };
}

export { AthenaSession, InsightsSession };
