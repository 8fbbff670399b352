import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { costPico, formatMicros, parseMicros, roundMicrosToCents, roundPicoToMicros } from "./money";

describe("money", () => {
  it("parses decimal strings to exact micro-units and refuses more than 6 decimals", () => {
    expect(parseMicros("3.75")).toBe(3_750_000n);
    expect(parseMicros("0.035")).toBe(35_000n);
    expect(parseMicros("4.125")).toBe(4_125_000n);
    expect(parseMicros("-1.5")).toBe(-1_500_000n);
    expect(parseMicros("0.000001")).toBe(1n);
    expect(() => parseMicros("0.0000001")).toThrow(/at most 6 decimals/);
    expect(() => parseMicros("1e3")).toThrow();
  });

  it("prices tokens exactly: 1M tokens at $0.035/M is $0.035", () => {
    expect(costPico(1_000_000, 35_000)).toBe(35_000_000_000n);
    expect(formatMicros(roundPicoToMicros(costPico(1_000_000, 35_000)))).toBe("0.035000");
    // 3 tokens at $0.035/M = $0.000000105: below a micro-dollar, kept exactly until rounding.
    expect(costPico(3, 35_000)).toBe(105_000n);
  });

  it("rounds half away from zero, once", () => {
    expect(roundPicoToMicros(1_499_999n)).toBe(1n);
    expect(roundPicoToMicros(1_500_000n)).toBe(2n);
    expect(roundPicoToMicros(-1_500_000n)).toBe(-2n);
    expect(roundMicrosToCents(12_345n)).toBe(10_000n);
    expect(roundMicrosToCents(15_000n)).toBe(20_000n);
    expect(formatMicros(-1_234_567n, 2)).toBe("-1.23");
    // Fewer decimals round (half away from zero), never truncate: $233.859112 shows as $233.86.
    expect(formatMicros(233_859_112n, 2)).toBe("233.86");
    expect(formatMicros(5_000n, 2)).toBe("0.01");
    expect(formatMicros(4_999n, 2)).toBe("0.00");
    expect(formatMicros(-1_235_000n, 2)).toBe("-1.24");
    expect(formatMicros(-4_999n, 2)).toBe("0.00");
    expect(formatMicros(1_500_000n, 0)).toBe("2");
    expect(formatMicros(12_345_678n)).toBe("12.345678");
  });

  it("conserves totals under any split: sum of costs = cost of sums (no float drift)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 75_000_000 }),
        (parts, price) => {
          const sumOfCosts = parts.reduce((acc, t) => acc + costPico(t, price), 0n);
          const costOfSum = costPico(
            parts.reduce((a, b) => a + b, 0),
            price,
          );
          expect(sumOfCosts).toBe(costOfSum);
        },
      ),
    );
  });
});
