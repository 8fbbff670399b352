/**
 * Exact money. Prices are integer micro-USD per 1M tokens, which is the same number as pico-USD
 * per token; so cost = tokens × price in pico-USD, exactly, in BigInt. Rounding happens once:
 * `roundPicoToMicros` (half away from zero) when a figure is shown or becomes an invoice line.
 */

const DECIMAL = /^(-?)(\d+)(?:\.(\d{1,6}))?$/;

/** "3.75" → 3_750_000n micro-units. More than six decimals is an error, never a silent rounding. */
export function parseMicros(value: string): bigint {
  const m = DECIMAL.exec(value.trim());
  if (!m) throw new Error(`not a decimal amount with at most 6 decimals: ${JSON.stringify(value)}`);
  const [, sign, whole = "0", frac = ""] = m;
  const micros = BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0"));
  return sign === "-" ? -micros : micros;
}

/** pico-USD for `tokens` at `microsPerMTok` (micro-USD per 1M tokens). */
export function costPico(tokens: number | bigint, microsPerMTok: number | bigint): bigint {
  return BigInt(tokens) * BigInt(microsPerMTok);
}

/** Rounds pico-USD to micro-USD, half away from zero. The only rounding step. */
export function roundPicoToMicros(pico: bigint): bigint {
  const q = pico / 1_000_000n;
  const r = pico % 1_000_000n;
  if (r >= 500_000n) return q + 1n;
  if (r <= -500_000n) return q - 1n;
  return q;
}

/**
 * micro-units → "12.345678" (exact decimal string). With fewer decimals it rounds half away from
 * zero, like every other rounding here: formatMicros(233_859_112n, 2) === "233.86".
 */
export function formatMicros(micros: bigint, decimals = 6): string {
  const neg = micros < 0n;
  const abs = neg ? -micros : micros;
  const unit = 10n ** BigInt(6 - decimals);
  const scaled = abs / unit + (2n * (abs % unit) >= unit ? 1n : 0n);
  const scale = 10n ** BigInt(decimals);
  const whole = scaled / scale;
  const frac = (scaled % scale).toString().padStart(decimals, "0");
  const text = decimals > 0 ? `${whole}.${frac}` : `${whole}`;
  return neg && scaled !== 0n ? `-${text}` : text;
}

/** micro-USD → a JSON number with at most 6 decimals (exact as decimal text; sums stay in BigInt). */
export function microsToNumber(micros: bigint): number {
  return Number(formatMicros(micros));
}

/** Rounds micro-USD to cents, half away from zero (for display and exports in whole cents). */
export function roundMicrosToCents(micros: bigint): bigint {
  const q = micros / 10_000n;
  const r = micros % 10_000n;
  if (r >= 5_000n) return (q + 1n) * 10_000n;
  if (r <= -5_000n) return (q - 1n) * 10_000n;
  return q * 10_000n;
}

const BILL_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A billed amount as AWS writes it (a decimal string, or a double's shortest text such as
 * "1.5e-7") → pico-USD, exact up to 12 decimals and rounded half away from zero beyond.
 * @example parseBilledPico("0.0080000000") === 8_000_000_000n
 */
export function parseBilledPico(value: string | number): bigint {
  const text = typeof value === "number" ? String(value) : value.trim();
  const m = BILL_DECIMAL.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === ""))
    throw new Error(`not a decimal amount: ${JSON.stringify(value)}`);
  const [, sign, whole = "", frac = "", exp = "0"] = m;
  const digits = BigInt(`${whole}${frac}` || "0");
  const shift = 12 + Number(exp) - frac.length; // digits × 10^shift = pico
  let pico: bigint;
  if (shift >= 0) pico = digits * 10n ** BigInt(shift);
  else {
    const unit = 10n ** BigInt(-shift);
    pico = digits / unit + (2n * (digits % unit) >= unit ? 1n : 0n);
  }
  return sign === "-" ? -pico : pico;
}
