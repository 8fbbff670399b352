/**
 * Runs Logs Insights queries to completion and never truncates: StartQuery (epoch seconds),
 * poll GetQueryResults with backoff until Complete, retry Failed / Cancelled / Timeout / Unknown,
 * wait out the concurrency quota (LimitExceededException), and split any window that returns
 * `limit` rows into halves until each returns fewer (docs/rules.md rule 10).
 */
import { z } from "zod";
import type { LogsInsightsApi } from "./aws";
import { backoffMs, type Clock, Limiter } from "./clock";
import { awsErrorName, SourceError, toSourceError } from "./errors";
import { insightsScanCostPico } from "./scan-cost";

const HOUR_MS = 3_600_000;

export type InsightsQueryOptions = {
  logGroupNames: readonly string[];
  /** Rows per query; a window that returns this many is split. API default and max: 10,000. */
  limit: number;
  /** Queries in flight at once in this process (the account quota is shared with dashboards). */
  maxConcurrent: number;
  /** Whole-query attempts after Failed / Cancelled / Timeout / Unknown. */
  maxAttempts: number;
  pollInitialMs: number;
  pollMaxMs: number;
  /** Give up (and StopQuery) after this many polls of one query. */
  maxPolls: number;
  /** StartQuery retries on LimitExceededException / throttling before giving up. */
  maxStartRetries: number;
  /** Scan price, micro-USD per GB. */
  microsPerGb: bigint;
};

export const DEFAULT_INSIGHTS_OPTIONS: Omit<InsightsQueryOptions, "logGroupNames"> = {
  limit: 10_000,
  maxConcurrent: 4,
  maxAttempts: 3,
  pollInitialMs: 500,
  pollMaxMs: 10_000,
  maxPolls: 720,
  maxStartRetries: 30,
  microsPerGb: 5_000n,
};

const resultsResponseSchema = z.object({
  status: z
    .enum(["Scheduled", "Running", "Complete", "Failed", "Cancelled", "Timeout", "Unknown"])
    .optional(),
  results: z
    .array(z.array(z.object({ field: z.string().optional(), value: z.string().optional() })))
    .optional(),
  statistics: z
    .object({ bytesScanned: z.number().optional(), recordsMatched: z.number().optional() })
    .optional(),
});

export type InsightsRun = {
  results: { field?: string; value?: string }[][];
  bytesScanned: number;
  recordsMatched: number;
  /** Queries started (retries and split halves included): each one is billed. */
  queries: number;
};

export type TimeWindow = { startMs: number; endMs: number };

export function describeWindow(w: TimeWindow): string {
  return `${new Date(w.startMs).toISOString()}–${new Date(w.endMs).toISOString()}`;
}

/** Shared state of one collection run: the clock, the concurrency cap and what was scanned. */
export class InsightsSession {
  readonly limiter: Limiter;
  bytesScanned = 0;
  queries = 0;

  constructor(
    readonly api: LogsInsightsApi,
    readonly options: InsightsQueryOptions,
    readonly clock: Clock,
  ) {
    this.limiter = new Limiter(options.maxConcurrent);
  }

  get scanCostPico(): bigint {
    return insightsScanCostPico(this.bytesScanned, this.options.microsPerGb);
  }

  /** One query over one window, to completion (retried on terminal non-Complete statuses). */
  async run(queryString: string, window: TimeWindow): Promise<InsightsRun> {
    return this.limiter.run(async () => {
      let lastStatus = "";
      for (let attempt = 0; attempt < this.options.maxAttempts; attempt++) {
        const queryId = await this.start(queryString, window);
        this.queries++;
        const outcome = await this.poll(queryId);
        this.bytesScanned += outcome.bytesScanned;
        if (outcome.status === "Complete") {
          return {
            results: outcome.results,
            bytesScanned: outcome.bytesScanned,
            recordsMatched: outcome.recordsMatched,
            queries: 1,
          };
        }
        lastStatus = outcome.status;
        await this.clock.sleep(backoffMs(attempt, this.options.pollInitialMs, this.options.pollMaxMs));
      }
      throw new SourceError(
        "query_failed",
        `Logs Insights query for ${describeWindow(window)} ended ${lastStatus} ${this.options.maxAttempts} times`,
        true,
      );
    });
  }

  private async start(queryString: string, window: TimeWindow): Promise<string> {
    for (let retry = 0; ; retry++) {
      try {
        const out = await this.api.startQuery({
          logGroupNames: [...this.options.logGroupNames],
          // Epoch seconds; the range is inclusive at both ends, so end one second before the next window.
          startTime: Math.floor(window.startMs / 1000),
          endTime: Math.floor(window.endMs / 1000) - 1,
          queryString,
          limit: this.options.limit,
        });
        const queryId = z.string().min(1).safeParse(out.queryId);
        if (!queryId.success) throw new SourceError("bad_response", "StartQuery returned no queryId", false);
        return queryId.data;
      } catch (error) {
        const e = toSourceError(error, `StartQuery ${describeWindow(window)}`);
        if (!e.retryable || retry >= this.options.maxStartRetries) throw e;
        // LimitExceededException: too many concurrent queries in the account; wait for some to end.
        const base =
          awsErrorName(error) === "LimitExceededException"
            ? this.options.pollMaxMs / 4
            : this.options.pollInitialMs;
        await this.clock.sleep(backoffMs(retry, base, this.options.pollMaxMs * 3));
      }
    }
  }

  private async poll(queryId: string) {
    for (let poll = 0; poll < this.options.maxPolls; poll++) {
      let raw: unknown;
      try {
        raw = await this.api.getQueryResults({ queryId });
      } catch (error) {
        const e = toSourceError(error, `GetQueryResults ${queryId}`);
        if (!e.retryable) throw e;
        await this.clock.sleep(backoffMs(poll, this.options.pollInitialMs, this.options.pollMaxMs));
        continue;
      }
      const parsed = resultsResponseSchema.safeParse(raw);
      if (!parsed.success) {
        throw new SourceError(
          "bad_response",
          `GetQueryResults ${queryId}: ${parsed.error.issues[0]?.message}`,
          false,
        );
      }
      const r = parsed.data;
      const status = r.status ?? "Unknown";
      if (status === "Scheduled" || status === "Running") {
        await this.clock.sleep(backoffMs(poll, this.options.pollInitialMs, this.options.pollMaxMs));
        continue;
      }
      return {
        status,
        results: r.results ?? [],
        bytesScanned: r.statistics?.bytesScanned ?? 0,
        recordsMatched: r.statistics?.recordsMatched ?? 0,
      };
    }
    await this.api.stopQuery(queryId).catch(() => undefined);
    return { status: "Timeout (gave up polling)", results: [], bytesScanned: 0, recordsMatched: 0 };
  }

  /**
   * Runs `queryString` over `window`; a window that returns `limit` rows is split in halves
   * (on hour boundaries) and re-run, down to one hour. A one-hour window at the limit fails.
   * Halves run concurrently (within the cap); their rows are disjoint in time, so they add.
   */
  async runSplitting(
    queryString: string,
    window: TimeWindow,
    onSplit?: (w: TimeWindow) => void,
  ): Promise<InsightsRun["results"]> {
    const run = await this.run(queryString, window);
    if (run.results.length < this.options.limit) return run.results;
    const hours = Math.round((window.endMs - window.startMs) / HOUR_MS);
    if (hours <= 1) {
      throw new SourceError(
        "window_limit",
        `Logs Insights window ${describeWindow(window)} returned ${run.results.length} rows, the limit, even at one hour; ` +
          "raise --limit (up to 10000) or query fewer dimensions",
        false,
      );
    }
    onSplit?.(window);
    const mid = window.startMs + Math.floor(hours / 2) * HOUR_MS;
    const halves = await Promise.all([
      this.runSplitting(queryString, { startMs: window.startMs, endMs: mid }, onSplit),
      this.runSplitting(queryString, { startMs: mid, endMs: window.endMs }, onSplit),
    ]);
    return halves.flat();
  }
}

/** Cuts [startMs, endMs) into windows of at most `hours` hours, on hour boundaries. */
export function planWindows(startMs: number, endMs: number, hours: number): TimeWindow[] {
  const windows: TimeWindow[] = [];
  for (let s = startMs; s < endMs; s += hours * HOUR_MS)
    windows.push({ startMs: s, endMs: Math.min(endMs, s + hours * HOUR_MS) });
  return windows;
}
