import { describe, expect, it } from "vitest";
import { toStackedSeries } from "./series";

const range = { from: "2026-11-01", to: "2026-11-04", granularity: "day" as const };
const r = (period: string, app: string | null, micros: number) => ({
  period,
  keys: { application: app },
  cost_micro_usd: micros,
});

describe("toStackedSeries", () => {
  it("empty data: no series, one zero point per period", () => {
    const s = toStackedSeries([], "application", range);
    expect(s.keys).toEqual([]);
    expect(s.points.map((p) => [p.period, p.totalUsd])).toEqual([
      ["2026-11-01", "0.000000"],
      ["2026-11-02", "0.000000"],
      ["2026-11-03", "0.000000"],
    ]);
  });

  it("one point: one series, zeros elsewhere", () => {
    const s = toStackedSeries([r("2026-11-02", "a", 1_500_000)], "application", range);
    expect(s.keys).toEqual([{ id: "s0", label: "a", value: "a", totalMicros: 1_500_000 }]);
    expect(s.points.map((p) => p.values.s0)).toEqual([0, 1.5, 0]);
    expect(s.points[1]?.totalUsd).toBe("1.500000");
  });

  it("zero totals keep their series with zero values", () => {
    const s = toStackedSeries([r("2026-11-01", "a", 0), r("2026-11-01", null, 0)], "application", range);
    expect(s.keys.map((k) => k.label)).toEqual(["(unattributed)", "a"]);
    expect(s.points.every((p) => p.totalUsd === "0.000000")).toBe(true);
  });

  it("ranks series by total and folds the rest into Other per period", () => {
    const rows = [
      r("2026-11-01", "a", 10),
      r("2026-11-01", "b", 30),
      r("2026-11-02", "c", 20),
      r("2026-11-02", "d", 5),
      r("2026-11-03", null, 1),
    ];
    const s = toStackedSeries(rows, "application", range, 3);
    expect(s.keys.map((k) => [k.id, k.label, k.totalMicros])).toEqual([
      ["s0", "b", 30],
      ["s1", "c", 20],
      ["other", "Other (3)", 16],
    ]);
    expect(s.points.map((p) => p.micros)).toEqual([
      { s0: 30, s1: 0, other: 10 },
      { s0: 0, s1: 20, other: 5 },
      { s0: 0, s1: 0, other: 1 },
    ]);
    expect(s.points.map((p) => p.totalUsd)).toEqual(["0.000040", "0.000025", "0.000001"]);
  });

  it("hourly periods match the API's period format", () => {
    const s = toStackedSeries([r("2026-11-01T05:00:00Z", "a", 7)], "application", {
      from: "2026-11-01",
      to: "2026-11-02",
      granularity: "hour",
    });
    expect(s.points).toHaveLength(24);
    expect(s.points[5]?.micros.s0).toBe(7);
    expect(s.points[5]?.label).toBe("Nov 1 05:00");
  });
});
