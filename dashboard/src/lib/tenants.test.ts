import { describe, expect, it } from "vitest";
import { buildTenantRows, searchTenantRows, sortTenantRows, sparklinePath } from "./tenants";

const total = (tenant: string | null, micros: number, requests: number) => ({
  keys: { tenant },
  requests,
  input_tokens: requests * 10,
  output_tokens: requests,
  cache_read_input_tokens: 0,
  cache_write_input_tokens: 0,
  cost_usd: (micros / 1e6).toFixed(6),
  cost_micro_usd: micros,
  unpriced_requests: 0,
});
const range = { from: "2026-11-01", to: "2026-11-04" };

describe("tenant table", () => {
  it("empty data gives no rows", () => {
    expect(buildTenantRows([], [], range)).toEqual([]);
  });

  it("joins totals with a zero-filled daily sparkline", () => {
    const rows = buildTenantRows(
      [total("acme", 300, 3), total(null, 5, 1)],
      [
        { keys: { tenant: "acme" }, period: "2026-11-02", cost_micro_usd: 300 },
        { keys: { tenant: "acme" }, period: "2026-12-09", cost_micro_usd: 999 },
      ],
      range,
    );
    expect(rows[0]).toMatchObject({
      tenant: "acme",
      label: "acme",
      costUsd: "0.000300",
      tokens: 33,
      spark: [0, 300, 0],
    });
    expect(rows[1]).toMatchObject({ tenant: null, label: "(unattributed)", spark: [0, 0, 0] });
  });

  it("sorts both ways with a stable tie-break, and searches", () => {
    const rows = buildTenantRows([total("b", 10, 5), total("a", 10, 1), total("c", 30, 2)], [], range);
    expect(sortTenantRows(rows, "costMicros", "desc").map((r) => r.label)).toEqual(["c", "a", "b"]);
    expect(sortTenantRows(rows, "requests", "asc").map((r) => r.label)).toEqual(["a", "c", "b"]);
    expect(sortTenantRows(rows, "label", "desc").map((r) => r.label)).toEqual(["c", "b", "a"]);
    expect(searchTenantRows(rows, " A ").map((r) => r.label)).toEqual(["a"]);
    expect(searchTenantRows(rows, "")).toHaveLength(3);
    expect(searchTenantRows(rows, "zzz")).toEqual([]);
  });

  it("draws sparklines for empty, one point, zero totals and a series", () => {
    expect(sparklinePath([], 10, 10)).toBe("M0,9L10,9");
    expect(sparklinePath([5], 10, 10)).toBe("M0,1L10,1");
    expect(sparklinePath([0, 0], 10, 10)).toBe("M0,9L10,9");
    expect(sparklinePath([0, 2, 1], 10, 10)).toBe("M0,9L5,1L10,5");
  });
});
