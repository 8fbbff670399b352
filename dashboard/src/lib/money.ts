/**
 * Money as the API sends it: exact decimal strings ("12.345678") and integer micro-USD. Displayed
 * totals are always the API's own figures, formatted here; nothing shown is a sum of floats.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** True for an exact decimal string such as "12.345678" or "-0.50". */
export function isDecimalString(value: string): value is `${number}` {
  return DECIMAL.test(value);
}

const cents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const micros = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 6,
  maximumFractionDigits: 6,
});

/**
 * Formats an exact decimal string in USD, rounded half-up to the cent from the exact string
 * (Intl formats the string itself, never a float).
 * @example formatUsd("14.213331") // => "$14.21"
 */
export function formatUsd(value: string): string {
  return isDecimalString(value) ? cents.format(value) : "—";
}

/**
 * Formats to the micro-dollar (6 decimals, as billed), for tables: invoice lines, tenants. Fixed
 * width so columns line up.
 * @example formatUsdPrecise("0.003894") // => "$0.003894"
 */
export function formatUsdPrecise(value: string): string {
  return isDecimalString(value) ? micros.format(value) : "—";
}

/**
 * Exact decimal string → integer micro-USD (truncates beyond 6 decimals; the API sends 6).
 * @example parseMicros("1.5") // => 1500000n
 */
export function parseMicros(value: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) throw new Error(`not a decimal amount: ${JSON.stringify(value)}`);
  const frac = (m[3] ?? "").padEnd(6, "0").slice(0, 6);
  const abs = BigInt(m[2] ?? "0") * 1_000_000n + BigInt(frac);
  return m[1] === "-" ? -abs : abs;
}

/**
 * Integer micro-USD → exact decimal string with 6 decimals.
 * @example microsToDecimal(1500000n) // => "1.500000"
 */
export function microsToDecimal(value: bigint): string {
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  return `${sign}${abs / 1_000_000n}.${String(abs % 1_000_000n).padStart(6, "0")}`;
}

/** Micro-USD as a float in dollars: for chart geometry only, never for a displayed figure. */
export function microsToChartDollars(value: number | bigint): number {
  return Number(value) / 1_000_000;
}
