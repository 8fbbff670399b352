import { describe, expect, it } from "vitest";
import {
  dimensionLabel,
  formatAge,
  formatCompact,
  formatInstant,
  formatInt,
  formatMonth,
  formatPct,
  sharePct,
  shortModelName,
  totalTokens,
} from "./format";

describe("format", () => {
  it("formats integers, compact numbers and percentages", () => {
    expect(formatInt(1234567)).toBe("1,234,567");
    expect(formatInt(0)).toBe("0");
    expect(formatCompact(1234567)).toBe("1.2M");
    expect(formatPct(82.08)).toBe("82.08%");
    expect(formatPct(100)).toBe("100.0%");
  });

  it("shares are 0 of a zero whole", () => {
    expect(sharePct(5, 0)).toBe(0);
    expect(sharePct(1n, 4n)).toBe(25);
  });

  it("adds the four token buckets", () => {
    expect(
      totalTokens({
        input_tokens: 1,
        output_tokens: 2,
        cache_read_input_tokens: 3,
        cache_write_input_tokens: 4,
      }),
    ).toBe(10);
  });

  it("formats instants, ages and months in UTC", () => {
    expect(formatInstant("2026-11-24T00:20:09.278Z")).toBe("Nov 24, 2026, 00:20 UTC");
    expect(formatInstant("nope")).toBe("nope");
    const now = Date.parse("2026-11-24T12:00:00Z");
    expect(formatAge("2026-11-24T11:55:00Z", now)).toBe("5 min ago");
    expect(formatAge("2026-11-24T09:00:00Z", now)).toBe("3 h ago");
    expect(formatAge("2026-11-20T12:00:00Z", now)).toBe("4 d ago");
    expect(formatAge("2026-11-25T12:00:00Z", now)).toBe("just now");
    expect(formatMonth("2026-11")).toBe("November 2026");
  });

  it("shortens model ids for axes", () => {
    expect(shortModelName("anthropic.claude-sonnet-4-20250514-v1:0")).toBe("claude-sonnet-4");
    expect(shortModelName("amazon.nova-pro-v1:0")).toBe("nova-pro");
    expect(shortModelName("meta.llama3-3-70b-instruct-v1:0")).toBe("llama3-3-70b-instruct");
    expect(shortModelName("mystery")).toBe("mystery");
  });

  it("labels missing metadata", () => {
    expect(dimensionLabel(null)).toBe("(unattributed)");
    expect(dimensionLabel("acme")).toBe("acme");
  });
});
