/**
 * A/B experiments from usage_facts: requests tagged with an experiment key and a variant key
 * (metadata keys, configurable; default `experiment_id` and `variant`). Per variant: calls,
 * errors, tokens and exact cost per request; each variant against the baseline by Welch's t
 * interval on cost per call, from exact integer sums (docs/adr/0011-usage-facts.md).
 */
import type { Dimension } from "../dimensions";
import type { PriceBook } from "../pricing/price-book";
import type { Db } from "../store/db";
import {
  accumulateUsageRow,
  buildUsageSql,
  checkDayGrain,
  emptyTotals,
  queryUsage,
  totalOf,
  type UsageTotals,
} from "./usage";
import { type Sums, type WelchResult, welch } from "./welch";

export type ExperimentKeys = { experiment: string; variant: string };
export const DEFAULT_EXPERIMENT_KEYS: ExperimentKeys = { experiment: "experiment_id", variant: "variant" };

export type ExperimentRange = {
  /** Whole UTC days or hours, as for usage. */
  from: string;
  to: string;
  /** Dimension filters (a tenant key's scope among them). */
  filters?: Partial<Record<Dimension, readonly (string | null)[]>>;
  keys?: ExperimentKeys;
};

export type ExperimentSummary = {
  id: string;
  variants: (string | null)[];
  totals: UsageTotals;
};

/** Every experiment id with usage in the range, biggest cost first. */
export function listExperiments(db: Db, prices: PriceBook, q: ExperimentRange): ExperimentSummary[] {
  const keys = q.keys ?? DEFAULT_EXPERIMENT_KEYS;
  const exp = `meta:${keys.experiment}` as Dimension;
  const variant = `meta:${keys.variant}` as Dimension;
  const rows = queryUsage(db, prices, { from: q.from, to: q.to, by: [exp, variant], filters: q.filters });
  const out = new Map<string, ExperimentSummary & { parts: UsageTotals[] }>();
  for (const r of rows) {
    const id = r.keys[exp];
    if (id === null || id === undefined) continue;
    let e = out.get(id);
    if (!e) {
      e = { id, variants: [], totals: emptyTotals(), parts: [] };
      out.set(id, e);
    }
    e.variants.push(r.keys[variant] ?? null);
    e.parts.push(r);
  }
  return [...out.values()]
    .map(({ parts, ...e }) => ({ ...e, variants: sortVariants(e.variants), totals: totalOf(parts) }))
    .sort((a, b) =>
      b.totals.costPico > a.totals.costPico
        ? 1
        : b.totals.costPico < a.totals.costPico
          ? -1
          : a.id.localeCompare(b.id),
    );
}

export type VariantStats = {
  variant: string | null;
  totals: UsageTotals;
  /** requests + errors: every call, the n of cost per call. */
  calls: number;
  errorRate: number | null;
  /** All four token buckets per successful request. */
  tokensPerRequest: number | null;
  /** Exact cost / calls and / successful requests, micro-USD (fractional). */
  costPerCallMicros: number | null;
  costPerSuccessMicros: number | null;
  /** Sample standard deviation of cost per call, micro-USD (null below two calls). */
  costPerCallSdMicros: number | null;
  /** Mean logged latencyMs over the calls whose log carries one; null when none does. */
  latencyMs: number | null;
  latencyCalls: number;
  /** Σ cost and Σ cost² per call, pico-USD: the exact sums the statistic uses. */
  sums: Sums;
};

export type VariantComparison = {
  variant: string | null;
  baseline: string | null;
  /** Welch's 95 % interval on cost per call (variant − baseline), micro-USD; null when it cannot be formed. */
  welch: WelchResult | null;
};

export type ExperimentReport = {
  id: string;
  keys: ExperimentKeys;
  baseline: string | null;
  variants: VariantStats[];
  comparisons: VariantComparison[];
  /** Unpriced usage makes cost per call understate; the statistic is then not given. */
  unpriced: boolean;
};

/**
 * One experiment's variants and their comparison with the baseline (the first variant by name,
 * or `baseline`). @returns undefined when the experiment has no usage in the range.
 */
export function experimentReport(
  db: Db,
  prices: PriceBook,
  id: string,
  q: ExperimentRange & { baseline?: string },
): ExperimentReport | undefined {
  const keys = q.keys ?? DEFAULT_EXPERIMENT_KEYS;
  const exp = `meta:${keys.experiment}` as Dimension;
  const variantDim = `meta:${keys.variant}` as Dimension;
  const grouped = buildUsageSql({
    from: q.from,
    to: q.to,
    by: [variantDim],
    filters: { ...q.filters, [exp]: [id] },
    moments: true,
  });
  checkDayGrain(db, grouped);
  const stats = new Map<
    string | null,
    { totals: UsageTotals; sumSq: bigint; latencyMs: number; latencyCalls: number }
  >();
  for (const row of db.$client.prepare(grouped.sql).iterate(...grouped.params) as IterableIterator<
    Record<string, number | string | null>
  >) {
    const v = row.k0 === null || row.k0 === undefined ? null : String(row.k0);
    let s = stats.get(v);
    if (!s) {
      s = { totals: emptyTotals(), sumSq: 0n, latencyMs: 0, latencyCalls: 0 };
      stats.set(v, s);
    }
    accumulateUsageRow(s.totals, row, prices);
    s.sumSq += sumOfSquaredCost(row, prices);
    s.latencyMs += Number(row.latency_ms ?? 0);
    s.latencyCalls += Number(row.latency_count ?? 0);
  }
  if (stats.size === 0) return undefined;
  const variants: VariantStats[] = sortVariants([...stats.keys()]).map((variant) => {
    const s = stats.get(variant) as NonNullable<ReturnType<typeof stats.get>>;
    const t = s.totals;
    const calls = t.requests + t.errors;
    const tokens = t.inputTokens + t.outputTokens + t.cacheReadTokens + t.cacheWriteTokens;
    const sums: Sums = { n: calls, sum: t.costPico, sumSq: s.sumSq };
    const sd =
      calls >= 2
        ? Math.sqrt(Number(BigInt(calls) * s.sumSq - t.costPico * t.costPico) / (calls * (calls - 1))) / 1e6
        : null;
    return {
      variant,
      totals: t,
      calls,
      errorRate: calls === 0 ? null : t.errors / calls,
      tokensPerRequest: t.requests === 0 ? null : tokens / t.requests,
      costPerCallMicros: calls === 0 ? null : Number(t.costPico) / 1e6 / calls,
      costPerSuccessMicros: t.requests === 0 ? null : Number(t.costPico) / 1e6 / t.requests,
      costPerCallSdMicros: sd,
      latencyMs: s.latencyCalls === 0 ? null : s.latencyMs / s.latencyCalls,
      latencyCalls: s.latencyCalls,
      sums,
    };
  });
  const unpriced = variants.some((v) => v.totals.unpricedRequests > 0);
  const baselineStats =
    (q.baseline === undefined ? undefined : variants.find((v) => v.variant === q.baseline)) ?? variants[0];
  const baseline = baselineStats?.variant ?? null;
  const comparisons = variants
    .filter((v) => v !== baselineStats)
    .map((v) => ({
      variant: v.variant,
      baseline,
      welch: unpriced || !baselineStats ? null : inMicros(welch(baselineStats.sums, v.sums)),
    }));
  return { id, keys, baseline, variants, comparisons, unpriced };
}

/** pico-USD results → micro-USD. */
function inMicros(r: WelchResult | null): WelchResult | null {
  if (!r) return null;
  return { ...r, diff: r.diff / 1e6, low: r.low / 1e6, high: r.high / 1e6 };
}

/**
 * Σ over the row's calls of cost², pico-USD²: with p the price per token of each bucket (pico-USD),
 * cost = Σ_b p_b t_b, so Σ cost² = Σ_b Σ_c p_b p_c Σ t_b t_c, read from the row's moments.
 */
function sumOfSquaredCost(row: Record<string, number | string | null>, prices: PriceBook): bigint {
  const priceId = typeof row.price_id === "number" ? row.price_id : null;
  const price = priceId === null ? undefined : prices.get(priceId);
  if (!price) return 0n;
  const p = [price.inputMicros, price.outputMicros, price.cacheReadMicros, price.cacheWriteMicros].map(
    BigInt,
  );
  const m = (c: string) => BigInt(Number(row[c] ?? 0));
  const [pi = 0n, po = 0n, pr = 0n, pw = 0n] = p;
  return (
    pi * pi * m("m_ii") +
    po * po * m("m_oo") +
    pr * pr * m("m_rr") +
    pw * pw * m("m_ww") +
    2n *
      (pi * po * m("m_io") +
        pi * pr * m("m_ir") +
        pi * pw * m("m_iw") +
        po * pr * m("m_or") +
        po * pw * m("m_ow") +
        pr * pw * m("m_rw"))
  );
}

function sortVariants(vs: (string | null)[]): (string | null)[] {
  return [...vs].sort((a, b) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
}
