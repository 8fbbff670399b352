/** Pure transforms from API breakdown rows to chart data (donut, bars, cache share). */
import { dimensionLabel, sharePct } from "./format";
import { microsToChartDollars, microsToDecimal } from "./money";

/** The part of an API usage row these transforms read. */
export type BreakdownRow = {
  keys: Record<string, string | null>;
  cost_usd: string;
  cost_micro_usd: number;
  requests: number;
};

export type Slice = {
  /** Stable id for React keys and chart cells. */
  id: string;
  label: string;
  /** The dimension value to filter by (null = unattributed); undefined for "Other". */
  value: string | null | undefined;
  costUsd: string;
  costMicros: number;
  /** Dollars as a float, for the chart's geometry only. */
  chartValue: number;
  requests: number;
  /** Share of the cost of all rows, percent. */
  sharePct: number;
};

/**
 * One slice per value of `dimension`, biggest cost first; past `maxSlices` the rest are merged into
 * "Other" (exact: integer micro-USD). Rows with equal cost keep a stable order by label.
 * @example toSlices([{ keys: { application: "a" }, cost_usd: "1.000000", cost_micro_usd: 1e6, requests: 2 }], "application")
 */
export function toSlices(rows: readonly BreakdownRow[], dimension: string, maxSlices = 8): Slice[] {
  const total = rows.reduce((sum, r) => sum + r.cost_micro_usd, 0);
  const sorted = [...rows].sort(
    (a, b) =>
      b.cost_micro_usd - a.cost_micro_usd ||
      b.requests - a.requests ||
      dimensionLabel(a.keys[dimension] ?? null).localeCompare(dimensionLabel(b.keys[dimension] ?? null)),
  );
  const slice = (r: BreakdownRow, i: number): Slice => {
    const value = r.keys[dimension] ?? null;
    return {
      id: `slice-${i}`,
      label: dimensionLabel(value),
      value,
      costUsd: r.cost_usd,
      costMicros: r.cost_micro_usd,
      chartValue: microsToChartDollars(r.cost_micro_usd),
      requests: r.requests,
      sharePct: sharePct(r.cost_micro_usd, total),
    };
  };
  if (sorted.length <= maxSlices) return sorted.map(slice);
  const kept = sorted.slice(0, Math.max(0, maxSlices - 1)).map(slice);
  const rest = sorted.slice(Math.max(0, maxSlices - 1));
  const restMicros = rest.reduce((sum, r) => sum + BigInt(r.cost_micro_usd), 0n);
  return [
    ...kept,
    {
      id: "slice-other",
      label: `Other (${rest.length})`,
      value: undefined,
      costUsd: microsToDecimal(restMicros),
      costMicros: Number(restMicros),
      chartValue: microsToChartDollars(restMicros),
      requests: rest.reduce((sum, r) => sum + r.requests, 0),
      sharePct: sharePct(restMicros, total),
    },
  ];
}

export type TokenFigures = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
};

export type BucketShare = {
  id: "input" | "output" | "cache_read" | "cache_write";
  label: string;
  tokens: number;
  sharePct: number;
};

/** The four token buckets (never merged) with their share of all tokens; all 0 % when there are none. */
export function tokenBuckets(f: TokenFigures): BucketShare[] {
  const total = f.input_tokens + f.output_tokens + f.cache_read_input_tokens + f.cache_write_input_tokens;
  const bucket = (id: BucketShare["id"], label: string, tokens: number): BucketShare => ({
    id,
    label,
    tokens,
    sharePct: sharePct(tokens, total),
  });
  return [
    bucket("input", "Input", f.input_tokens),
    bucket("output", "Output", f.output_tokens),
    bucket("cache_read", "Cache read", f.cache_read_input_tokens),
    bucket("cache_write", "Cache write", f.cache_write_input_tokens),
  ];
}

/**
 * Cache hit share of input-side tokens: cache read ÷ (input + cache read + cache write), percent;
 * null when there is no input-side token at all.
 */
export function cacheReadShare(f: TokenFigures): number | null {
  const inputSide = f.input_tokens + f.cache_read_input_tokens + f.cache_write_input_tokens;
  return inputSide === 0 ? null : (f.cache_read_input_tokens / inputSide) * 100;
}
