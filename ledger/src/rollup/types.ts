/** The rollup's building blocks, shared by the raw path and the Logs Insights / Athena collectors. */

export type Counters = {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

/** The dimension tuple of a rollup row, as logged (before model resolution). */
export type RollupDims = {
  accountId: string | null;
  region: string | null;
  tenantId: string | null;
  applicationName: string | null;
  costCenter: string | null;
  environment: string | null;
  team: string | null;
  /** The model id as logged. */
  modelId: string;
};

/** Usage of one hour × dimension tuple. `dimsKey` may be given when already computed. */
export type HourlyRow = { hour: string; dims: RollupDims; dimsKey?: string; counters: Counters };

/**
 * Per-request attributes beside the rollup dimensions: user_id, the caller's identity.arn and
 * every other metadata key (`meta`, keys as logged). Absent = null / not in `meta`.
 */
export type Attrs = { user: string | null; identity: string | null; meta: Record<string, string> };

/** The number of token-product sums in `Moments`. */
export const MOMENT_COUNT = 10;
/**
 * Σ over requests of the products of their token buckets (i = input, o = output, r = cache read,
 * w = cache write): [ii, oo, rr, ww, io, ir, iw, or, ow, rw]. With a price vector p, Σ cost² =
 * Σ (p·t)² follows exactly, for the variance of cost per request (docs/adr/0011-usage-facts.md).
 */
export type Moments = number[];

/** The moments of one request's tokens. */
export function momentsOf(i: number, o: number, r: number, w: number): Moments {
  return [i * i, o * o, r * r, w * w, i * o, i * r, i * w, o * r, o * w, r * w];
}

/**
 * Usage of one hour (grain 1) or one whole day filed at its 00:00 hour (grain 24, collectors) ×
 * dimension tuple × attribute combination. Collectors leave `moments` out (unknown: zeros).
 */
export type FactRow = {
  hour: string;
  grain: 1 | 24;
  dims: RollupDims;
  dimsKey?: string;
  attrs: Attrs;
  /** `attrsKeyOf(attrs)`, when already computed. */
  attrsKey?: { key: string; meta: string };
  counters: Counters;
  moments?: Moments;
  latencyMs?: number;
  latencyCount?: number;
};

/** The unique key of an attribute combination: JSON, meta's keys sorted. */
export function attrsKeyOf(a: Attrs): { key: string; meta: string } {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(a.meta).sort()) sorted[k] = a.meta[k] as string;
  const meta = JSON.stringify(sorted);
  return { key: `[${JSON.stringify(a.user)},${JSON.stringify(a.identity)},${meta}]`, meta };
}

export function zeroCounters(): Counters {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export function addCounters(into: Counters, from: Counters): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.cacheReadTokens += from.cacheReadTokens;
  into.cacheWriteTokens += from.cacheWriteTokens;
}

/** The unique key of a dimension tuple; JSON keeps `null` distinct from "". */
export function dimsKeyOf(d: RollupDims): string {
  return JSON.stringify([
    d.accountId,
    d.region,
    d.tenantId,
    d.applicationName,
    d.costCenter,
    d.environment,
    d.team,
    d.modelId,
  ]);
}
