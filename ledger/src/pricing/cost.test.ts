import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { priceCounters } from "./cost";
import { costPico } from "./money";

const rates = {
  inputMicros: 3_000_000,
  outputMicros: 15_000_000,
  cacheReadMicros: 300_000,
  cacheWriteMicros: 3_750_000,
};

describe("priceCounters", () => {
  it("prices each bucket at its own rate and leaves empty buckets out", () => {
    const priced = priceCounters(
      { inputTokens: 1_000, outputTokens: 0, cacheReadTokens: 10, cacheWriteTokens: 7 },
      rates,
    );
    expect(priced.buckets).toEqual([
      { bucket: "input", quantity: 1_000, unitMicros: 3_000_000, pico: 3_000_000_000n },
      { bucket: "cache_read", quantity: 10, unitMicros: 300_000, pico: 3_000_000n },
      { bucket: "cache_write", quantity: 7, unitMicros: 3_750_000, pico: 26_250_000n },
    ]);
    expect(priced.pico).toBe(3_029_250_000n);
  });

  it("the total is the exact sum of the buckets, for any counters and rates", () => {
    const count = fc.integer({ min: 0, max: 2 ** 40 });
    const rate = fc.integer({ min: 0, max: 200_000_000 });
    fc.assert(
      fc.property(count, count, count, count, rate, rate, rate, rate, (i, o, r, w, ri, ro, rr, rw) => {
        const c = { inputTokens: i, outputTokens: o, cacheReadTokens: r, cacheWriteTokens: w };
        const priced = priceCounters(c, {
          inputMicros: ri,
          outputMicros: ro,
          cacheReadMicros: rr,
          cacheWriteMicros: rw,
        });
        const expected = costPico(i, ri) + costPico(o, ro) + costPico(r, rr) + costPico(w, rw);
        expect(priced.pico).toBe(expected);
        expect(priced.buckets.reduce((s, b) => s + b.pico, 0n)).toBe(expected);
      }),
    );
  });
});
