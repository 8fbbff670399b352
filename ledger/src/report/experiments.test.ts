import { describe, expect, it } from "vitest";
import { TEST_MODEL, testDb } from "../billing/testing";
import { PriceBook } from "../pricing/price-book";
import type { UsageRecord } from "../records/usage-record";
import { RollupAccumulator } from "../rollup/accumulate";
import { addRollupRows } from "../rollup/write";
import type { Db } from "../store/db";
import { experimentReport, listExperiments } from "./experiments";
import { studentTQuantile, welch } from "./welch";

/** mulberry32: a fixed stream, so the planted data is the same on every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Planted = { variant: string; outputShare: number; calls: number; tenant: string };

/** Records of one experiment: input 200–1,800 tokens, output 100–900 × `outputShare`, 2 % errors. */
function plant(db: Db, experiment: string, variants: Planted[], seed: number): UsageRecord[] {
  const next = rng(seed);
  const records: UsageRecord[] = [];
  let n = 0;
  for (const v of variants) {
    for (let i = 0; i < v.calls; i++) {
      const failed = next() < 0.02;
      const hour = `2026-10-0${1 + (i % 5)}T${String(i % 24).padStart(2, "0")}:00:00Z`;
      const input = 200 + Math.floor(next() * 1600);
      const output = Math.round((100 + Math.floor(next() * 800)) * v.outputShare);
      records.push({
        requestId: `${experiment}-${n++}`,
        timestamp: hour,
        hour,
        day: hour.slice(0, 10),
        accountId: "111122223333",
        region: "us-east-1",
        operation: "Converse",
        modelId: TEST_MODEL,
        identityArn: "arn:aws:iam::111122223333:role/app",
        metadata: {
          tenant_id: v.tenant,
          application_name: "chat",
          experiment_id: experiment,
          variant: v.variant,
        },
        inputTokens: failed ? 0 : input,
        outputTokens: failed ? 0 : output,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        errorCode: failed ? "ThrottlingException" : null,
        latencyMs: failed ? null : 100 + (i % 50),
      });
    }
  }
  const acc = new RollupAccumulator();
  for (const r of records) acc.add(r);
  const prices = PriceBook.load(db);
  db.$client.transaction(() =>
    addRollupRows({ db, source: "raw", prices }, acc.hourlyRows(), acc.factRows()),
  )();
  return records;
}

/** $3 / $15 per 1M tokens = 3,000,000 / 15,000,000 pico-USD per token. */
const costPico = (r: UsageRecord) =>
  BigInt(r.inputTokens) * 3_000_000n + BigInt(r.outputTokens) * 15_000_000n;

describe("Student's t quantile", () => {
  it("matches the table values", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.7062, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272, 5);
    expect(studentTQuantile(0.975, 1e7)).toBeCloseTo(1.959964, 4);
  });

  it("forms Welch's interval from exact sums (hand-checked example)", () => {
    // a: 1, 2, 3, 4 (mean 2.5, var 5/3); b: 2, 4, 6, 8 (mean 5, var 20/3).
    const r = welch({ n: 4, sum: 10n, sumSq: 30n }, { n: 4, sum: 20n, sumSq: 120n });
    const se = Math.sqrt(5 / 3 / 4 + 20 / 3 / 4);
    const df = se ** 4 / ((5 / 12) ** 2 / 3 + (20 / 12) ** 2 / 3);
    expect(r?.diff).toBe(2.5);
    expect(r?.df).toBeCloseTo(df, 10);
    expect(r?.t).toBeCloseTo(2.5 / se, 10);
    expect(r?.high).toBeCloseTo(2.5 + studentTQuantile(0.975, df) * se, 10);
    expect(r?.significant).toBe(false);
    expect(welch({ n: 1, sum: 1n, sumSq: 1n }, { n: 4, sum: 20n, sumSq: 120n })).toBeNull();
  });
});

describe("experiments on planted data", () => {
  const db = testDb();
  const records = plant(
    db,
    "exp-1",
    [
      { variant: "A", outputShare: 1, calls: 1500, tenant: "acme" },
      { variant: "B", outputShare: 0.7, calls: 1500, tenant: "acme" },
      { variant: "C", outputShare: 1, calls: 1500, tenant: "acme" },
    ],
    42,
  );
  plant(db, "exp-globex", [{ variant: "A", outputShare: 1, calls: 50, tenant: "globex" }], 7);
  const prices = PriceBook.load(db);
  const range = { from: "2026-10-01", to: "2026-11-01" };

  it("carries each variant's exact n, Σ cost and Σ cost² per call, and the per-request figures", () => {
    const report = experimentReport(db, prices, "exp-1", range);
    expect(report?.variants.map((v) => v.variant)).toEqual(["A", "B", "C"]);
    for (const v of report?.variants ?? []) {
      const mine = records.filter(
        (r) => r.metadata.variant === v.variant && r.metadata.experiment_id === "exp-1",
      );
      const sum = mine.reduce((s, r) => s + costPico(r), 0n);
      const sumSq = mine.reduce((s, r) => s + costPico(r) * costPico(r), 0n);
      const ok = mine.filter((r) => r.errorCode === null);
      expect(v.sums).toEqual({ n: mine.length, sum, sumSq });
      expect(v.calls).toBe(mine.length);
      expect(v.totals.errors).toBe(mine.length - ok.length);
      expect(v.errorRate).toBe((mine.length - ok.length) / mine.length);
      expect(v.costPerCallMicros).toBe(Number(sum) / 1e6 / mine.length);
      expect(v.costPerSuccessMicros).toBe(Number(sum) / 1e6 / ok.length);
      expect(v.tokensPerRequest).toBe(ok.reduce((s, r) => s + r.inputTokens + r.outputTokens, 0) / ok.length);
      expect(v.latencyCalls).toBe(ok.length);
      expect(v.latencyMs).toBe(ok.reduce((s, r) => s + (r.latencyMs ?? 0), 0) / ok.length);
    }
  });

  it("finds the truly cheaper variant significant and the equal one not", () => {
    const report = experimentReport(db, prices, "exp-1", range);
    expect(report?.baseline).toBe("A");
    const b = report?.comparisons.find((c) => c.variant === "B")?.welch;
    const c = report?.comparisons.find((c) => c.variant === "C")?.welch;
    // B's output is 70 %: 0.3 × 500 tokens × $15/1M ≈ −2,250 micro-USD per successful call.
    expect(b?.significant).toBe(true);
    expect(b?.high).toBeLessThan(0);
    expect(b?.diff).toBeGreaterThan(-2600);
    expect(b?.diff).toBeLessThan(-1900);
    expect(c?.significant).toBe(false);
    expect(c?.low).toBeLessThan(0);
    expect(c?.high).toBeGreaterThan(0);
  });

  it("compares against a chosen baseline", () => {
    const report = experimentReport(db, prices, "exp-1", { ...range, baseline: "B" });
    expect(report?.baseline).toBe("B");
    expect(
      report?.comparisons.map((c) => [c.variant, c.welch?.significant, (c.welch?.diff ?? 0) > 0]),
    ).toEqual([
      ["A", true, true],
      ["C", true, true],
    ]);
  });

  it("lists experiments, and a tenant filter sees its own only", () => {
    expect(
      listExperiments(db, prices, range).map((e) => [e.id, e.variants, e.totals.requests + e.totals.errors]),
    ).toEqual([
      ["exp-1", ["A", "B", "C"], 4500],
      ["exp-globex", ["A"], 50],
    ]);
    expect(
      listExperiments(db, prices, { ...range, filters: { tenant: ["globex"] } }).map((e) => e.id),
    ).toEqual(["exp-globex"]);
    expect(
      experimentReport(db, prices, "exp-1", { ...range, filters: { tenant: ["globex"] } }),
    ).toBeUndefined();
  });

  it("reads configured experiment and variant keys", () => {
    const other = testDb();
    const next = plant(other, "x", [{ variant: "A", outputShare: 1, calls: 10, tenant: "t" }], 1);
    expect(next).toHaveLength(10);
    const p = PriceBook.load(other);
    expect(
      listExperiments(other, p, { ...range, keys: { experiment: "variant", variant: "experiment_id" } }).map(
        (e) => [e.id, e.variants],
      ),
    ).toEqual([["A", ["x"]]]);
  });
});
