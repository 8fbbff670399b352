import { describe, expect, it } from "vitest";
import { formatUsd, formatUsdPrecise, isDecimalString, microsToDecimal, parseMicros } from "./money";

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
});
