import { describe, expect, it } from "vitest";
import {
  addMonths,
  daysBetween,
  isDay,
  monthRange,
  periodLabel,
  periodsBetween,
  rangeMonth,
  rangePresets,
} from "./dates";

describe("dates", () => {
  it("validates calendar days", () => {
    expect(isDay("2026-02-28")).toBe(true);
    expect(isDay("2026-02-30")).toBe(false);
    expect(isDay("2026-2-3")).toBe(false);
  });

  it("does month arithmetic across years", () => {
    expect(addMonths("2026-01", -1)).toBe("2025-12");
    expect(addMonths("2026-12", 1)).toBe("2027-01");
    expect(monthRange("2026-12")).toEqual({ from: "2026-12-01", to: "2027-01-01" });
    expect(rangeMonth("2026-11-01", "2026-12-01")).toBe("2026-11");
    expect(rangeMonth("2026-11-02", "2026-12-01")).toBeNull();
  });

  it("offers presets relative to now", () => {
    const p = rangePresets(Date.parse("2026-11-24T10:00:00Z"));
    expect(p.map((x) => [x.id, x.from, x.to])).toEqual([
      ["mtd", "2026-11-01", "2026-12-01"],
      ["last-month", "2026-10-01", "2026-11-01"],
      ["7d", "2026-11-18", "2026-11-25"],
      ["30d", "2026-10-26", "2026-11-25"],
    ]);
  });

  it("lists periods in the API's format; empty for an empty range", () => {
    expect(periodsBetween("2026-11-01", "2026-11-01", "day")).toEqual([]);
    expect(periodsBetween("2026-11-01", "2026-11-03", "day")).toEqual(["2026-11-01", "2026-11-02"]);
    const hours = periodsBetween("2026-11-01", "2026-11-02", "hour");
    expect(hours).toHaveLength(24);
    expect(hours[0]).toBe("2026-11-01T00:00:00Z");
    expect(hours[23]).toBe("2026-11-01T23:00:00Z");
    expect(periodsBetween("2026-01-01", "2027-01-01", "hour", 100)).toHaveLength(100);
    expect(daysBetween("2026-11-01", "2026-12-01")).toBe(30);
  });

  it("labels periods for axes", () => {
    expect(periodLabel("2026-11-03")).toBe("Nov 3");
    expect(periodLabel("2026-11-03T14:00:00Z")).toBe("Nov 3 14:00");
  });
});
