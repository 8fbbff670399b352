/** Pure transform from API time-series rows to a stacked chart (cost over time by one dimension). */
import { periodLabel, periodsBetween } from "./dates";
import { dimensionLabel } from "./format";
import { microsToChartDollars, microsToDecimal } from "./money";

export type SeriesRow = {
  period?: string;
  keys: Record<string, string | null>;
  cost_micro_usd: number;
};

export type SeriesKey = {
  /** Chart data key ("s0", "s1", … or "other"). */
  id: string;
  label: string;
  /** The dimension value to filter by (null = unattributed); undefined for "Other". */
  value: string | null | undefined;
  totalMicros: number;
};

export type StackedPoint = {
  period: string;
  label: string;
  /** Dollars per series id, floats for chart geometry only. */
  values: Record<string, number>;
  /** Exact micro-USD per series id, for the accessible table. */
  micros: Record<string, number>;
  /** Exact decimal USD of the period (sum of integer micro-USD). */
  totalUsd: string;
};

export type StackedSeries = { keys: SeriesKey[]; points: StackedPoint[] };

/**
 * Pivots rows (one per period × value) into one point per period in [from, to) — periods without
 * usage are zeros — and one series per value, biggest first, the rest merged into "Other".
 * @example toStackedSeries(rows, "application", { from: "2026-11-01", to: "2026-11-03", granularity: "day" })
 */
export function toStackedSeries(
  rows: readonly SeriesRow[],
  dimension: string,
  range: { from: string; to: string; granularity: "hour" | "day" },
  maxSeries = 6,
): StackedSeries {
  const byValue = new Map<string, { value: string | null; total: number }>();
  const mapKey = (v: string | null) => (v === null ? "\u0000null" : `v:${v}`);
  for (const r of rows) {
    const value = r.keys[dimension] ?? null;
    const k = mapKey(value);
    const entry = byValue.get(k) ?? { value, total: 0 };
    entry.total += r.cost_micro_usd;
    byValue.set(k, entry);
  }
  const ranked = [...byValue.entries()].sort(
    (a, b) => b[1].total - a[1].total || dimensionLabel(a[1].value).localeCompare(dimensionLabel(b[1].value)),
  );
  const overflow = ranked.length > maxSeries;
  const kept = overflow ? ranked.slice(0, Math.max(0, maxSeries - 1)) : ranked;
  const seriesOf = new Map<string, string>();
  const keys: SeriesKey[] = kept.map(([k, e], i) => {
    seriesOf.set(k, `s${i}`);
    return { id: `s${i}`, label: dimensionLabel(e.value), value: e.value, totalMicros: e.total };
  });
  if (overflow) {
    const rest = ranked.slice(kept.length);
    keys.push({
      id: "other",
      label: `Other (${rest.length})`,
      value: undefined,
      totalMicros: rest.reduce((sum, [, e]) => sum + e.total, 0),
    });
  }

  const periods = periodsBetween(range.from, range.to, range.granularity);
  const points = new Map<string, { micros: Record<string, number> }>();
  for (const p of periods) points.set(p, { micros: {} });
  for (const r of rows) {
    if (r.period === undefined) continue;
    const point = points.get(r.period) ?? { micros: {} };
    points.set(r.period, point);
    const id = seriesOf.get(mapKey(r.keys[dimension] ?? null)) ?? "other";
    point.micros[id] = (point.micros[id] ?? 0) + r.cost_micro_usd;
  }
  return {
    keys,
    points: [...points.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([period, p]) => {
        const values: Record<string, number> = {};
        const micros: Record<string, number> = {};
        let total = 0n;
        for (const key of keys) {
          const m = p.micros[key.id] ?? 0;
          micros[key.id] = m;
          values[key.id] = microsToChartDollars(m);
          total += BigInt(m);
        }
        return { period, label: periodLabel(period), values, micros, totalUsd: microsToDecimal(total) };
      }),
  };
}
