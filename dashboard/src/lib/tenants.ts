/** Pure transforms for the top-tenants table: merge, search, sort, and the sparkline path. */
import { periodsBetween } from "./dates";
import { dimensionLabel } from "./format";

export type TenantUsageRow = {
  keys: Record<string, string | null>;
  period?: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  cost_usd: string;
  cost_micro_usd: number;
  unpriced_requests: number;
};

export type TenantRow = {
  tenant: string | null;
  label: string;
  costUsd: string;
  costMicros: number;
  requests: number;
  tokens: number;
  unpricedRequests: number;
  /** Daily cost (micro-USD) over the range, oldest first, zeros where idle. */
  spark: number[];
};

/** Joins the per-tenant totals with their daily series. */
export function buildTenantRows(
  totals: readonly TenantUsageRow[],
  daily: readonly { keys: Record<string, string | null>; period?: string; cost_micro_usd: number }[],
  range: { from: string; to: string },
): TenantRow[] {
  const days = periodsBetween(range.from, range.to, "day");
  const index = new Map(days.map((d, i) => [d, i]));
  const sparks = new Map<string | null, number[]>();
  for (const r of daily) {
    const tenant = r.keys.tenant ?? null;
    const i = r.period === undefined ? undefined : index.get(r.period);
    if (i === undefined) continue;
    const spark = sparks.get(tenant) ?? new Array<number>(days.length).fill(0);
    spark[i] = (spark[i] ?? 0) + r.cost_micro_usd;
    sparks.set(tenant, spark);
  }
  return totals.map((r) => {
    const tenant = r.keys.tenant ?? null;
    return {
      tenant,
      label: dimensionLabel(tenant),
      costUsd: r.cost_usd,
      costMicros: r.cost_micro_usd,
      requests: r.requests,
      tokens: r.input_tokens + r.output_tokens + r.cache_read_input_tokens + r.cache_write_input_tokens,
      unpricedRequests: r.unpriced_requests,
      spark: sparks.get(tenant) ?? new Array<number>(days.length).fill(0),
    };
  });
}

export const TENANT_SORT_KEYS = ["label", "costMicros", "requests", "tokens"] as const;
export type TenantSortKey = (typeof TENANT_SORT_KEYS)[number];
export type SortDirection = "asc" | "desc";

export function isTenantSortKey(v: string): v is TenantSortKey {
  return TENANT_SORT_KEYS.some((k) => k === v);
}

/** Sorted copy; ties broken by name so the order is stable. */
export function sortTenantRows(
  rows: readonly TenantRow[],
  key: TenantSortKey,
  dir: SortDirection,
): TenantRow[] {
  const sign = dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const primary = key === "label" ? a.label.localeCompare(b.label) : a[key] - b[key];
    return primary * sign || a.label.localeCompare(b.label);
  });
}

/** Case-insensitive substring search on the tenant name ("unattributed" finds the null row). */
export function searchTenantRows(rows: readonly TenantRow[], query: string): TenantRow[] {
  const q = query.trim().toLowerCase();
  return q === "" ? [...rows] : rows.filter((r) => r.label.toLowerCase().includes(q));
}

/**
 * SVG path for a sparkline of `values` in a width × height box (y grows down). A flat line at
 * the bottom for no data or all zeros; a single point becomes a flat line across.
 */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 1): string {
  const inner = height - 2 * pad;
  if (values.length === 0) return `M0,${height - pad}L${width},${height - pad}`;
  const max = Math.max(...values);
  const y = (v: number) => (max <= 0 ? height - pad : pad + inner - (v / max) * inner);
  const fmt = (n: number) => Number(n.toFixed(2));
  if (values.length === 1) {
    const only = fmt(y(values[0] ?? 0));
    return `M0,${only}L${width},${only}`;
  }
  const step = width / (values.length - 1);
  return values.map((v, i) => `${i === 0 ? "M" : "L"}${fmt(i * step)},${fmt(y(v))}`).join("");
}
