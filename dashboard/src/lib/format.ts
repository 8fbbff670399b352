/** Number, percent and time formatting (en-US), shared by every page and by the e2e test. */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 2 });

/** @example formatInt(1234567) // => "1,234,567" */
export function formatInt(value: number): string {
  return integer.format(value);
}

/** @example formatCompact(1234567) // => "1.2M" */
export function formatCompact(value: number): string {
  return compact.format(value);
}

/** A percentage the API already computed (e.g. coverage_pct 82.08). @example formatPct(82.08) // => "82.08%" */
export function formatPct(value: number): string {
  return `${percent.format(value)}%`;
}

/** Share of a whole as a percentage, for labels; 0 when the whole is 0. */
export function sharePct(part: number | bigint, whole: number | bigint): number {
  const w = Number(whole);
  return w === 0 ? 0 : (Number(part) / w) * 100;
}

/** The four token buckets added up, as an integer. */
export function totalTokens(f: {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
}): number {
  return f.input_tokens + f.output_tokens + f.cache_read_input_tokens + f.cache_write_input_tokens;
}

/** ISO instant → "Nov 24, 2026, 00:20 UTC". */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toLocaleString("en-US", {
    timeZone: "UTC",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  })} UTC`;
}

/** How long ago, coarse: "5 min ago", "3 h ago", "2 d ago". */
export function formatAge(iso: string, nowMs: number): string {
  const ms = nowMs - new Date(iso).getTime();
  if (Number.isNaN(ms)) return "unknown";
  if (ms < 0) return "just now";
  const min = Math.floor(ms / 60_000);
  if (min < 1) return "just now";
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** "2026-11" → "November 2026". */
export function formatMonth(month: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  if (!m) return month;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)).toLocaleString("en-US", {
    timeZone: "UTC",
    month: "long",
    year: "numeric",
  });
}

/** A dimension value for display: null is usage whose metadata was missing. */
export function dimensionLabel(value: string | null): string {
  return value ?? "(unattributed)";
}

/**
 * A model id short enough for an axis: no provider prefix, release date or version suffix.
 * @example shortModelName("anthropic.claude-sonnet-4-20250514-v1:0") // => "claude-sonnet-4"
 */
export function shortModelName(id: string): string {
  const short = id
    .replace(/^[a-z0-9-]+\./, "")
    .replace(/-v\d+(:\d+)?$/, "")
    .replace(/-\d{8}$/, "");
  return short.length > 0 ? short : id;
}
