/**
 * The Bedrock `usagetype` grammar on the bill (docs/billing-facts.md §2): which token bucket a
 * CUR line item or Cost Explorer group is, in which Region prefix, at which routing and tier.
 *
 * - AWS-billed (`AmazonBedrock`): `USE1-NovaPro-input-tokens`, `…-output-tokens`,
 *   `…-cache-read-input-token-count`, `…-cache-write-input-token-count[-1-hour]`, "mantle" style
 *   `…-mantle-input-tokens-standard`, with `-batch`, `-flex`, `-priority`, `-latency-optimized`
 *   and `-cross-region-global` variants.
 * - Marketplace (Claude and other third-party models): `USE1-MP:USE1_InputTokenCount-Units`,
 *   `…_OutputTokenCount…`, `…_CacheReadInputTokenCount…`, `…_CacheWrite[1h|5m|30m]InputTokenCount…`,
 *   snake style `…_input_tokens_standard-Units`, with `_Global`, `_Batch`, `_LatencyOptimized`,
 *   `_flex`, `_priority` variants. The model is not in these: it is the product name.
 */
import type { TokenBucket } from "../pricing/cost";

export type BillTier = "standard" | "batch" | "flex" | "priority" | "latency_optimized";

export type ParsedUsageType = {
  /** The Region prefix (`USE1`, `EU`, `APN1` …), "" when the usage type has none. */
  regionPrefix: string;
  /** `AmazonBedrock` usage types name the model (`NovaPro`, `Claude3Haiku`); Marketplace ones do not. */
  modelToken: string | null;
  marketplace: boolean;
  bucket: TokenBucket;
  /** Cache-write TTL when the usage type names one (`1h`, `5m`, `30m`). */
  cacheTtl: string | null;
  global: boolean;
  tier: BillTier;
};

const BEDROCK_BUCKET =
  /^(.*?)-(?:mantle-)?(input-tokens|output-tokens|cache-read-input-token-count|cache-read-tokens|cache-write-input-token-count|cache-write-tokens)(.*)$/;

/**
 * Parses a usage type; `null` for anything that is not on-demand token usage (customization,
 * provisioned throughput, cache storage, guardrails, media…), which the caller lists apart.
 * @example parseUsageType("USW2-MP:USW2_InputTokenCount-Units")
 * // { regionPrefix: "USW2", modelToken: null, marketplace: true, bucket: "input", global: false, tier: "standard", cacheTtl: null }
 */
export function parseUsageType(usageType: string): ParsedUsageType | null {
  const mp = /^(?:([A-Z]{2,4}\d?)-)?MP:(?:([A-Z]{2,4}\d?)_)?(.+?)(?:-Units)?$/.exec(usageType);
  if (mp) return parseMarketplace(mp[1] ?? mp[2] ?? "", mp[3] ?? "");
  const prefix = /^([A-Z]{2,4}\d?)-(.+)$/.exec(usageType);
  const regionPrefix = prefix ? (prefix[1] ?? "") : "";
  const rest = prefix ? (prefix[2] ?? "") : usageType;
  const m = BEDROCK_BUCKET.exec(rest);
  if (!m) return null;
  const [, modelToken = "", kind = "", tail = ""] = m;
  if (modelToken === "" || /customization|provisioned|storage/i.test(tail)) return null;
  const bucket: TokenBucket = kind.startsWith("input")
    ? "input"
    : kind.startsWith("output")
      ? "output"
      : kind.startsWith("cache-read")
        ? "cache_read"
        : "cache_write";
  const ttl = /-(1-hour|1h|5m|30m)(?:-|$)/.exec(tail)?.[1];
  return {
    regionPrefix,
    modelToken,
    marketplace: false,
    bucket,
    cacheTtl: ttl === "1-hour" ? "1h" : (ttl ?? null),
    global: /global/i.test(tail),
    tier: tierOf(tail),
  };
}

function parseMarketplace(regionPrefix: string, metric: string): ParsedUsageType | null {
  const lower = metric.toLowerCase();
  if (/storage|provisioned|100k/.test(lower)) return null;
  let bucket: TokenBucket;
  if (/^(million)?(batch)?input_?tokens?(_?count)?/.test(lower) || /^(million)?batchinputtokens/.test(lower))
    bucket = "input";
  else if (/^(million)?(batch)?output_?tokens?/.test(lower)) bucket = "output";
  else if (/^cache_?read/.test(lower)) bucket = "cache_read";
  else if (/^cache_?write/.test(lower)) bucket = "cache_write";
  else return null;
  const ttl = /cache_?write_?(?:tokens_)?(1h|5m|30m)/.exec(lower)?.[1] ?? null;
  return {
    regionPrefix,
    modelToken: null,
    marketplace: true,
    bucket,
    cacheTtl: ttl,
    global: /global/.test(lower),
    tier: tierOf(lower),
  };
}

function tierOf(text: string): BillTier {
  const t = text.toLowerCase();
  if (/batch/.test(t)) return "batch";
  if (/latency[-_]?optimized/.test(t)) return "latency_optimized";
  if (/flex/.test(t)) return "flex";
  if (/priority/.test(t)) return "priority";
  return "standard";
}
