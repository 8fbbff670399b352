import { createDb, type Db, PriceBook, queryUsage } from "@bedrock-chargeback/ledger";
import { ingestRuns } from "@bedrock-chargeback/ledger/schema";
import { describe, expect, it } from "vitest";
import { manualClock } from "./clock";
import { type CollectorSource, type CollectWindow, collectOnce, planCollectWindow, watch } from "./collect";
import { SourceError } from "./errors";
import { InferenceProfileResolver } from "./inference-profiles";
import { readCheckpoint } from "./ledger";

const dims = {
  accountId: "123456789012",
  region: "us-east-1",
  tenantId: "acme",
  applicationName: "chat",
  costCenter: null,
  environment: null,
  team: null,
  modelId: "amazon.nova-lite-v1:0",
};
const counters = (n: number) => ({
  requests: n,
  errors: 0,
  inputTokens: 10 * n,
  outputTokens: n,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
});

/** A source that reports one row per hour of the window, with `n` requests each. */
function fakeSource(n: number, windows: CollectWindow[], fail?: Error): CollectorSource {
  return {
    source: "logs-insights",
    location: "bedrock-logs",
    scanned: () => ({ bytesScanned: 2_000_000_000, scanCostPico: 10_000_000_000n, queries: 3 }),
    collect: async (w) => {
      windows.push(w);
      if (fail) throw fail;
      const hourly = [];
      for (let t = Date.parse(w.fromHour); t < Date.parse(w.toHour); t += 3_600_000) {
        hourly.push({ hour: new Date(t).toISOString().replace(".000", ""), dims, counters: counters(n) });
      }
      return { hourly, facts: [], records: hourly.length * n, modelIds: new Set([dims.modelId]) };
    },
  };
}

function setup(now: string) {
  const db: Db = createDb(":memory:");
  return {
    db,
    clock: manualClock(now),
    prices: PriceBook.load(db),
    profiles: new InferenceProfileResolver({ db }),
  };
}

describe("collect window planning", () => {
  it("first run starts initialHours back and ends after the current hour", () => {
    const { db, clock } = setup("2026-01-15T10:20:00Z");
    expect(planCollectWindow("logs-insights", { db, clock })).toEqual({
      fromHour: "2026-01-14T10:00:00Z",
      toHour: "2026-01-15T11:00:00Z",
      fromDay: "2026-01-14",
      toDay: "2026-01-16",
    });
  });

  it("later runs re-read the look-back before the checkpoint; explicit bounds win", async () => {
    const s = setup("2026-01-15T10:20:00Z");
    await collectOnce(fakeSource(1, []), { ...s, initialHours: 3 });
    expect(readCheckpoint(s.db, "logs-insights", "collected_until")).toBe("2026-01-15T10:00:00Z");
    expect(planCollectWindow("logs-insights", { db: s.db, clock: s.clock }).fromHour).toBe(
      "2026-01-15T08:00:00Z",
    );
    expect(planCollectWindow("logs-insights", { db: s.db, clock: s.clock, lookbackHours: 5 }).fromHour).toBe(
      "2026-01-15T05:00:00Z",
    );
    expect(
      planCollectWindow("logs-insights", {
        db: s.db,
        clock: s.clock,
        from: "2026-01-01",
        to: "2026-01-02T06:00:00Z",
      }),
    ).toEqual({
      fromHour: "2026-01-01T00:00:00Z",
      toHour: "2026-01-02T06:00:00Z",
      fromDay: "2026-01-01",
      toDay: "2026-01-03",
    });
    expect(() =>
      planCollectWindow("logs-insights", { db: s.db, clock: s.clock, from: "2026-01-01T00:30:00Z" }),
    ).toThrow("--from");
    // The same bounds as report and the API: no impossible dates, nothing outside 2000..9999.
    for (const from of ["2026-02-30", "0001-01-01", "2026-01-01T00:00:00.000Z"]) {
      expect(() => planCollectWindow("logs-insights", { db: s.db, clock: s.clock, from }), from).toThrow(
        /^--from .*expected/,
      );
    }
  });
});

describe("collectOnce", () => {
  it("replaces the window idempotently and records the run with its scan cost", async () => {
    const s = setup("2026-01-15T10:20:00Z");
    const windows: CollectWindow[] = [];
    const options = { ...s, from: "2026-01-15T00:00:00Z", to: "2026-01-15T06:00:00Z" };
    const first = await collectOnce(fakeSource(2, windows), options);
    await collectOnce(fakeSource(2, windows), options);
    const rows = queryUsage(s.db, s.prices, {
      from: "2026-01-15",
      to: "2026-01-16",
      by: ["tenant"],
      sources: ["logs-insights"],
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ requests: 12, inputTokens: 120, outputTokens: 12 });
    expect(first).toMatchObject({
      hourlyRows: 6,
      records: 12,
      bytesScanned: 2_000_000_000,
      scanCostPico: 10_000_000_000n,
      queries: 3,
    });
    const runs = s.db.select().from(ingestRuns).all();
    expect(runs).toHaveLength(2);
    expect(runs[0]).toMatchObject({
      source: "logs-insights",
      location: "bedrock-logs",
      status: "ok",
      records: 12,
      bytesScanned: 2_000_000_000,
      scanCostPico: 10_000_000_000,
      dataUntil: "2026-01-15T06:00:00Z",
    });
  });

  it("records a failed run (with what it scanned) and rethrows", async () => {
    const s = setup("2026-01-15T10:20:00Z");
    const error = new SourceError("window_limit", "window too big", false);
    await expect(collectOnce(fakeSource(1, [], error), s)).rejects.toBe(error);
    const [run] = s.db.select().from(ingestRuns).all();
    expect(run).toMatchObject({ status: "failed", message: "window too big", bytesScanned: 2_000_000_000 });
    expect(readCheckpoint(s.db, "logs-insights", "collected_until")).toBeUndefined();
  });
});

describe("watch", () => {
  it("runs every interval until aborted, and keeps going after a failed run", async () => {
    const clock = manualClock("2026-01-15T10:00:00Z");
    const controller = new AbortController();
    const seen: string[] = [];
    const errors: unknown[] = [];
    const result = await watch(
      async () => {
        seen.push(clock.now().toISOString());
        if (seen.length === 2) throw new Error("throttled");
        if (seen.length === 4) controller.abort(); // SIGINT during the 4th run
      },
      { intervalSeconds: 300, clock, signal: controller.signal, onError: (e) => errors.push(e) },
    );
    expect(result).toEqual({ runs: 4, failures: 1 });
    expect(seen).toEqual([
      "2026-01-15T10:00:00.000Z",
      "2026-01-15T10:05:00.000Z",
      "2026-01-15T10:10:00.000Z",
      "2026-01-15T10:15:00.000Z",
    ]);
    expect(clock.sleeps).toEqual([300_000, 300_000, 300_000]);
    expect(errors).toHaveLength(1);
  });
});
