import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  StopQueryCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { logsInsightsApi } from "./aws";
import { manualClock } from "./clock";
import { SourceError } from "./errors";
import { DEFAULT_INSIGHTS_OPTIONS, InsightsSession, planWindows } from "./logs-insights";

const logs = mockClient(CloudWatchLogsClient);
const H = 3_600_000;
const T0 = Date.parse("2026-01-15T00:00:00Z");
const day = { startMs: T0, endMs: T0 + 24 * H };

function session(overrides: Partial<typeof DEFAULT_INSIGHTS_OPTIONS> = {}) {
  const clock = manualClock("2026-01-16T00:00:00Z");
  const s = new InsightsSession(
    logsInsightsApi(new CloudWatchLogsClient({ region: "us-east-1" })),
    { ...DEFAULT_INSIGHTS_OPTIONS, logGroupNames: ["bedrock-logs"], ...overrides },
    clock,
  );
  return { s, clock };
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => [{ field: "k", value: String(i) }]);
const awsError = (name: string) => Object.assign(new Error(`${name} message`), { name, $metadata: {} });

beforeEach(() => logs.reset());

describe("Logs Insights query runner", () => {
  it("starts with epoch seconds and the limit, polls Scheduled → Running → Complete with backoff", async () => {
    logs.on(StartQueryCommand).resolves({ queryId: "q1" });
    logs
      .on(GetQueryResultsCommand)
      .resolvesOnce({ status: "Scheduled" })
      .resolvesOnce({ status: "Running", results: rows(1) })
      .resolves({
        status: "Complete",
        results: rows(3),
        statistics: { bytesScanned: 2_000_000_000, recordsMatched: 3, recordsScanned: 9 },
      });
    const { s, clock } = session();
    const run = await s.run("stats count(*)", day);
    expect(run.results).toHaveLength(3);
    expect(logs).toHaveReceivedCommandWith(StartQueryCommand, {
      logGroupNames: ["bedrock-logs"],
      startTime: 1_768_435_200,
      endTime: 1_768_435_200 + 86_400 - 1,
      queryString: "stats count(*)",
      limit: 10_000,
    });
    expect(logs).toHaveReceivedCommandTimes(GetQueryResultsCommand, 3);
    expect(clock.sleeps).toEqual([500, 750]);
    expect(s.bytesScanned).toBe(2_000_000_000);
    expect(s.scanCostPico).toBe(10_000_000_000n); // 2 GB × $0.005
  });

  for (const status of ["Failed", "Cancelled", "Timeout", "Unknown"] as const) {
    it(`retries a query that ends ${status}, then succeeds`, async () => {
      logs.on(StartQueryCommand).resolvesOnce({ queryId: "bad" }).resolves({ queryId: "good" });
      logs
        .on(GetQueryResultsCommand, { queryId: "bad" })
        .resolves({ status, statistics: { bytesScanned: 100 } });
      logs
        .on(GetQueryResultsCommand, { queryId: "good" })
        .resolves({ status: "Complete", results: rows(2), statistics: { bytesScanned: 50 } });
      const { s } = session();
      expect((await s.run("q", day)).results).toHaveLength(2);
      expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 2);
      expect(s.bytesScanned).toBe(150); // the failed attempt scanned too
      expect(s.queries).toBe(2);
    });

    it(`reports a query that ends ${status} on every attempt, naming the window`, async () => {
      logs.on(StartQueryCommand).resolves({ queryId: "bad" });
      logs.on(GetQueryResultsCommand).resolves({ status });
      const { s } = session({ maxAttempts: 3 });
      const error = await s.run("q", day).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SourceError);
      expect(error).toMatchObject({
        code: "query_failed",
        message: `Logs Insights query for 2026-01-15T00:00:00.000Z–2026-01-16T00:00:00.000Z ended ${status} 3 times`,
      });
      expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 3);
    });
  }

  it("waits out LimitExceededException (the concurrency quota) and retries StartQuery", async () => {
    logs
      .on(StartQueryCommand)
      .rejectsOnce(awsError("LimitExceededException"))
      .rejectsOnce(awsError("LimitExceededException"))
      .resolves({ queryId: "q" });
    logs.on(GetQueryResultsCommand).resolves({ status: "Complete", results: rows(1) });
    const { s, clock } = session();
    await s.run("q", day);
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 3);
    expect(clock.sleeps).toEqual([2500, 3750]);
  });

  it("gives up on the concurrency quota after maxStartRetries", async () => {
    logs.on(StartQueryCommand).rejects(awsError("LimitExceededException"));
    const { s } = session({ maxStartRetries: 2 });
    await expect(s.run("q", day)).rejects.toMatchObject({ code: "throttled", retryable: true });
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 3);
  });

  it("fails at once on MalformedQueryException and AccessDenied (not retryable)", async () => {
    logs.on(StartQueryCommand).rejects(awsError("MalformedQueryException"));
    await expect(session().s.run("q", day)).rejects.toMatchObject({
      code: "malformed_query",
      retryable: false,
    });
    logs.reset();
    logs.on(StartQueryCommand).rejects(awsError("AccessDeniedException"));
    await expect(session().s.run("q", day)).rejects.toMatchObject({
      code: "access_denied",
      retryable: false,
    });
    expect(logs).toHaveReceivedCommandTimes(StartQueryCommand, 1);
  });

  it("retries a throttled GetQueryResults poll", async () => {
    logs.on(StartQueryCommand).resolves({ queryId: "q" });
    logs
      .on(GetQueryResultsCommand)
      .rejectsOnce(awsError("ThrottlingException"))
      .resolves({ status: "Complete", results: rows(4) });
    expect((await session().s.run("q", day)).results).toHaveLength(4);
  });

  it("stops a query that never finishes and counts it as a failed attempt", async () => {
    logs.on(StartQueryCommand).resolves({ queryId: "slow" });
    logs.on(GetQueryResultsCommand).resolves({ status: "Running" });
    logs.on(StopQueryCommand).resolves({ success: true });
    const { s } = session({ maxPolls: 3, maxAttempts: 1 });
    await expect(s.run("q", day)).rejects.toThrow("ended Timeout (gave up polling) 1 times");
    expect(logs).toHaveReceivedCommandWith(StopQueryCommand, { queryId: "slow" });
  });

  it("rejects a malformed response instead of trusting it", async () => {
    logs.on(StartQueryCommand).resolves({ queryId: "q" });
    logs
      .on(GetQueryResultsCommand)
      .resolves({ status: "Complete", results: [[{ field: "k", value: 3 }]] } as never);
    await expect(session().s.run("q", day)).rejects.toMatchObject({ code: "bad_response" });
  });

  it("caps concurrent queries", async () => {
    let running = 0;
    let peak = 0;
    let n = 0;
    logs.on(StartQueryCommand).callsFake(async () => {
      running++;
      peak = Math.max(peak, running);
      return { queryId: `q${++n}` };
    });
    logs.on(GetQueryResultsCommand).callsFake(async () => {
      await new Promise((r) => setImmediate(r));
      running--;
      return { status: "Complete", results: rows(1) };
    });
    const { s } = session({ maxConcurrent: 2 });
    await Promise.all(planWindows(day.startMs, day.endMs, 3).map((w) => s.run("q", w)));
    expect(n).toBe(8);
    expect(s.limiter.peak).toBe(2);
    expect(peak).toBe(2);
  });
});

describe("window split on the row limit", () => {
  it("splits a window that returns `limit` rows into halves until each returns fewer", async () => {
    // 5 rows per hour; limit 12: 24h → 12h → 6h → 3h (15 rows ≥ 12) → 1h + 2h (10 < 12).
    logs
      .on(StartQueryCommand)
      .callsFake(async (input) => ({ queryId: `${input.startTime}:${input.endTime}` }));
    logs.on(GetQueryResultsCommand).callsFake(async (input) => {
      const [start = 0, end = 0] = String(input.queryId).split(":").map(Number);
      const hours = Math.round((end + 1 - start) / 3600);
      return { status: "Complete", results: rows(Math.min(12, hours * 5)) };
    });
    const splits: string[] = [];
    const { s } = session({ limit: 12 });
    const results = await s.runSplitting("q", day, (w) => splits.push(`${(w.endMs - w.startMs) / H}h`));
    expect(results).toHaveLength(24 * 5);
    expect(splits.filter((x) => x === "24h")).toHaveLength(1);
    expect(splits.filter((x) => x === "12h")).toHaveLength(2);
    expect(splits.filter((x) => x === "6h")).toHaveLength(4);
    expect(splits.filter((x) => x === "3h")).toHaveLength(8);
    expect(splits.filter((x) => x === "2h")).toHaveLength(0);
  });

  it("fails loudly when a one-hour window still hits the limit", async () => {
    logs.on(StartQueryCommand).resolves({ queryId: "q" });
    logs.on(GetQueryResultsCommand).resolves({ status: "Complete", results: rows(10) });
    const { s } = session({ limit: 10 });
    await expect(s.runSplitting("q", { startMs: T0, endMs: T0 + 2 * H })).rejects.toMatchObject({
      code: "window_limit",
      message: expect.stringContaining(
        "window 2026-01-15T00:00:00.000Z–2026-01-15T01:00:00.000Z returned 10 rows, the limit, even at one hour",
      ),
    });
  });
});
