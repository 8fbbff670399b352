/**
 * What collecting costs: Logs Insights bills bytes scanned ($0.005 per GB), Athena bills bytes
 * scanned per query ($5 per TB, rounded up to the MB, 10 MB minimum). Exact BigInt pico-USD,
 * rounded up once per query (a bill is never under-estimated). Prices are configurable.
 */

/** $0.005 per GB (GB = 10^9 bytes), in micro-USD. */
export const INSIGHTS_MICROS_PER_GB = 5_000n;
/** $5 per TB (TB = 2^40 bytes, billed in whole MB of 2^20 bytes), in micro-USD. */
export const ATHENA_MICROS_PER_TB = 5_000_000n;
export const ATHENA_MIN_MB = 10n;

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** @example insightsScanCostPico(1_000_000_000) // 5_000_000_000n pico-USD = $0.005 */
export function insightsScanCostPico(bytes: number, microsPerGb: bigint = INSIGHTS_MICROS_PER_GB): bigint {
  return ceilDiv(BigInt(Math.max(0, Math.ceil(bytes))) * microsPerGb * 1_000_000n, 1_000_000_000n);
}

/** @example athenaScanCostPico(1) // 10 MB minimum: 47_683_716n pico-USD ≈ $0.0000477 */
export function athenaScanCostPico(
  bytes: number,
  microsPerTb: bigint = ATHENA_MICROS_PER_TB,
  minMb = ATHENA_MIN_MB,
): bigint {
  const mb = ceilDiv(BigInt(Math.max(0, Math.ceil(bytes))), 1_048_576n);
  const billed = mb > minMb ? mb : minMb;
  return ceilDiv(billed * microsPerTb * 1_000_000n, 1_048_576n);
}

/** pico-USD → "$0.000048" (6 decimals, rounded up so a cost never shows as $0.000000). */
export function formatScanCost(pico: bigint): string {
  const micros = ceilDiv(pico, 1_000_000n);
  return `$${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, "0")}`;
}
