import { describe, expect, it } from "vitest";
import {
  forecastMicros,
  formatUsd,
  formatUsdPrecise,
  isDecimalString,
  microsToDecimal,
  parseMicros,
  sumMicros,
} from "./money";

describe("money", () => {
  it("formats the API's exact decimal strings in USD, rounding from the string", () => {
    expect(formatUsd("14.213331")).toBe("$14.21");
    expect(formatUsd("0.005000")).toBe("$0.01");
    expect(formatUsd("0.004999")).toBe("$0.00");
    expect(formatUsd("1234567.895000")).toBe("$1,234,567.90");
    expect(formatUsd("-0.500000")).toBe("-$0.50");
    expect(formatUsd("0.000000")).toBe("$0.00");
    // Beyond float precision: still exact, because Intl formats the string.
    expect(formatUsd("90071992547409.925000")).toBe("$90,071,992,547,409.93");
  });

  it("formats to the micro-dollar for tables", () => {
    expect(formatUsdPrecise("0.003894")).toBe("$0.003894");
    expect(formatUsdPrecise("10.5")).toBe("$10.500000");
    expect(formatUsdPrecise("1234.000001")).toBe("$1,234.000001");
    expect(formatUsdPrecise("0.000000")).toBe("$0.000000");
  });

  it("refuses to format what is not a decimal", () => {
    expect(isDecimalString("1e3")).toBe(false);
    expect(isDecimalString("")).toBe(false);
    expect(formatUsd("abc")).toBe("—");
  });

  it("parses and prints micro-USD exactly", () => {
    expect(parseMicros("14.213331")).toBe(14_213_331n);
    expect(parseMicros("1.5")).toBe(1_500_000n);
    expect(parseMicros("-0.000001")).toBe(-1n);
    expect(parseMicros("0")).toBe(0n);
    expect(() => parseMicros("1,000")).toThrow();
    expect(microsToDecimal(1_500_000n)).toBe("1.500000");
    expect(microsToDecimal(-1n)).toBe("-0.000001");
    expect(microsToDecimal(0n)).toBe("0.000000");
  });

  it("sums integer micro-USD exactly (empty is zero)", () => {
    expect(sumMicros([])).toBe(0n);
    expect(sumMicros([100_000, 200_000])).toBe(300_000n);
    // 0.1 + 0.2 as floats is 0.30000000000000004; as micros it is 0.3.
    expect(microsToDecimal(sumMicros([parseMicros("0.1"), parseMicros("0.2")]))).toBe("0.300000");
  });

  it("forecasts linearly to the end of the period", () => {
    expect(forecastMicros(100n, 0, 10, 5)).toBe(200n);
    expect(forecastMicros(0n, 0, 10, 5)).toBe(0n);
    expect(forecastMicros(100n, 0, 10, 0)).toBeNull();
    expect(forecastMicros(100n, 0, 10, 20)).toBe(100n);
  });
});
