import { describe, expect, it } from "vitest";
import { batchMetricPoints, MetricDataError, PUT_METRIC_DATA_LIMITS } from "./batch";
import type { MetricPoint } from "./types";

const at = new Date("2026-11-02T10:00:00Z");
const point = (
  name: string,
  value: number,
  dims: Record<string, string> = {},
  timestamp = at,
): MetricPoint => ({
  name,
  dimensions: dims,
  timestamp,
  value,
  unit: "Count",
});

describe("batchMetricPoints", () => {
  it("puts 2,500 distinct metrics into 3 requests of 1000, 1000 and 500 datums", () => {
    const points = Array.from({ length: 2500 }, (_, i) => point("Tokens", i, { Tenant: `t-${i}` }));
    const batches = batchMetricPoints(points);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches[2]?.[499]?.Dimensions).toEqual([{ Name: "Tenant", Value: "t-2499" }]);
    expect(batches[0]?.[0]).toEqual({
      MetricName: "Tokens",
      Timestamp: at,
      Unit: "Count",
      Values: [0],
      Dimensions: [{ Name: "Tenant", Value: "t-0" }],
    });
  });

  it("splits the values of one metric at 150 per datum", () => {
    const points = Array.from({ length: 400 }, (_, i) => point("Tokens", i));
    const [batch, ...rest] = batchMetricPoints(points);
    expect(rest).toEqual([]);
    expect(batch?.map((d) => d.Values?.length)).toEqual([150, 150, 100]);
    expect(batch?.[1]?.Values?.[0]).toBe(150);
    expect(batch?.every((d) => d.Counts === undefined)).toBe(true);
  });

  it("collapses equal values into Counts and keeps different timestamps apart", () => {
    const later = new Date("2026-11-02T11:00:00Z");
    const batch = batchMetricPoints([
      point("X", 5),
      point("X", 5),
      point("X", 7),
      point("X", 5, {}, later),
    ])[0];
    expect(batch).toEqual([
      { MetricName: "X", Timestamp: at, Unit: "Count", Values: [5, 7], Counts: [2, 1] },
      { MetricName: "X", Timestamp: later, Unit: "Count", Values: [5] },
    ]);
  });

  it("treats dimension order as irrelevant and sorts dimensions by name", () => {
    const batch = batchMetricPoints([
      point("X", 1, { B: "2", A: "1" }),
      point("X", 2, { A: "1", B: "2" }),
    ])[0];
    expect(batch).toHaveLength(1);
    expect(batch?.[0]?.Dimensions).toEqual([
      { Name: "A", Value: "1" },
      { Name: "B", Value: "2" },
    ]);
    expect(batch?.[0]?.Values).toEqual([1, 2]);
  });

  it("starts a new request before the byte limit", () => {
    const points = Array.from({ length: 30 }, (_, i) =>
      point("Tokens", i, { Tenant: `tenant-${"x".repeat(900)}-${i}` }),
    );
    const batches = batchMetricPoints(points, { ...PUT_METRIC_DATA_LIMITS, maxRequestBytes: 10_000 });
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.flat()).toHaveLength(30);
    for (const b of batches) expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(10_000);
  });

  it("rejects values CloudWatch would refuse, before sending anything", () => {
    expect(() => batchMetricPoints([point("X", Number.NaN)])).toThrow(MetricDataError);
    expect(() => batchMetricPoints([point("X", Number.POSITIVE_INFINITY)])).toThrow(/finite/);
    expect(() => batchMetricPoints([point("X", 2 ** 361)])).toThrow(/2\^360/);
    const dims = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, "v"]));
    expect(() => batchMetricPoints([point("X", 1, dims)])).toThrow(/31 dimensions/);
    expect(() => batchMetricPoints([point("X", 1, { Tenant: "" })])).toThrow(/1–1024/);
  });
});
