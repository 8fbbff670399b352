import { describe, expect, it } from "vitest";
import { cacheReadShare, tokenBuckets, toSlices } from "./breakdown";

const row = (app: string | null, micros: number, requests = 1) => ({
  keys: { application: app },
  cost_usd: (micros / 1e6).toFixed(6),
  cost_micro_usd: micros,
  requests,
});

describe("toSlices", () => {
  it("is empty for no rows", () => {
    expect(toSlices([], "application")).toEqual([]);
  });

  it("one row is the whole", () => {
    const [s] = toSlices([row("a", 1_000_000)], "application");
    expect(s).toMatchObject({ label: "a", value: "a", costUsd: "1.000000", sharePct: 100, chartValue: 1 });
  });

  it("zero totals give 0 % shares, not NaN", () => {
    const slices = toSlices([row("a", 0), row(null, 0)], "application");
    expect(slices.map((s) => s.sharePct)).toEqual([0, 0]);
    expect(slices.map((s) => s.label)).toEqual(["(unattributed)", "a"]);
    expect(slices[0]?.value).toBeNull();
  });

  it("sorts by cost and merges the tail into Other exactly", () => {
    const rows = [row("a", 100), row("b", 400), row("c", 300), row("d", 200), row("e", 1)];
    const slices = toSlices(rows, "application", 3);
    expect(slices.map((s) => s.label)).toEqual(["b", "c", "Other (3)"]);
    expect(slices[2]).toMatchObject({ value: undefined, costMicros: 301, costUsd: "0.000301", requests: 3 });
    expect(slices.reduce((n, s) => n + s.costMicros, 0)).toBe(1001);
  });
});

describe("token buckets", () => {
  it("keeps the four buckets apart; zero tokens → 0 % and no cache share", () => {
    const zero = {
      input_tokens: 0,
      output_tokens: 0,
      cache_read_input_tokens: 0,
      cache_write_input_tokens: 0,
    };
    expect(tokenBuckets(zero).map((b) => b.sharePct)).toEqual([0, 0, 0, 0]);
    expect(cacheReadShare(zero)).toBeNull();
  });

  it("computes shares", () => {
    const f = {
      input_tokens: 50,
      output_tokens: 25,
      cache_read_input_tokens: 20,
      cache_write_input_tokens: 5,
    };
    expect(tokenBuckets(f).map((b) => [b.id, b.tokens, b.sharePct])).toEqual([
      ["input", 50, 50],
      ["output", 25, 25],
      ["cache_read", 20, 20],
      ["cache_write", 5, 5],
    ]);
    expect(cacheReadShare(f)).toBe((20 / 75) * 100);
  });
});
