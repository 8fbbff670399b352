/**
 * The one place tokens meet prices: a set of counters priced bucket by bucket, exactly
 * (docs/rules.md rules 1 and 3). Reports sum `pico`; invoices turn `buckets` into lines. Both
 * come from this function, so an invoice always adds up to the report of the same usage.
 */
import { costPico } from "./money";

/** The four token buckets, never merged, in the order invoices list them. */
export const TOKEN_BUCKETS = ["input", "output", "cache_read", "cache_write"] as const;
export type TokenBucket = (typeof TOKEN_BUCKETS)[number];

/** Token counters as usage rows carry them. */
export type TokenCounters = {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

/** A price's rates, micro-USD per 1M tokens (= pico-USD per token). */
export type BucketRates = {
  inputMicros: number;
  outputMicros: number;
  cacheReadMicros: number;
  cacheWriteMicros: number;
};

const FIELDS: Record<TokenBucket, { tokens: keyof TokenCounters; rate: keyof BucketRates }> = {
  input: { tokens: "inputTokens", rate: "inputMicros" },
  output: { tokens: "outputTokens", rate: "outputMicros" },
  cache_read: { tokens: "cacheReadTokens", rate: "cacheReadMicros" },
  cache_write: { tokens: "cacheWriteTokens", rate: "cacheWriteMicros" },
};

export type PricedBucket = { bucket: TokenBucket; quantity: number; unitMicros: number; pico: bigint };

/** The exact cost of `counters` at `rates`: per bucket (buckets with no tokens left out) and in all. */
export function priceCounters(
  counters: TokenCounters,
  rates: BucketRates,
): { buckets: PricedBucket[]; pico: bigint } {
  const buckets: PricedBucket[] = [];
  let pico = 0n;
  for (const bucket of TOKEN_BUCKETS) {
    const quantity = counters[FIELDS[bucket].tokens];
    if (quantity === 0) continue;
    const unitMicros = rates[FIELDS[bucket].rate];
    const bucketPico = costPico(quantity, unitMicros);
    buckets.push({ bucket, quantity, unitMicros, pico: bucketPico });
    pico += bucketPico;
  }
  return { buckets, pico };
}
