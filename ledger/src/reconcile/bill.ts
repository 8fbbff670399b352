/**
 * One bill line item (a CUR 2.0 row or a Cost Explorer group) → a token bucket of one model on
 * one day, or a charge listed apart (credit, refund, discount, tax, fee). Not a Bedrock item →
 * ignored. A Bedrock token item whose model is in no table → kept as unmapped, never guessed.
 */

import type { TokenBucket } from "../pricing/cost";
import type { BillNames } from "../pricing/model-names";
import { parseBilledPico } from "../pricing/money";
import { type BillTier, parseUsageType } from "./usage-type";

/** A bill line item as read from CUR or Cost Explorer, before mapping. */
export type BillItem = {
  /** UTC day of the usage, `YYYY-MM-DD`. */
  date: string;
  /** `null` when the source does not say (Cost Explorer grouped by service × usage type). */
  account: string | null;
  /** The Region when the source has a column for it; else taken from the usage type's prefix. */
  region: string | null;
  lineItemType: string;
  productCode: string;
  /** `product['product_name']` in CUR, the SERVICE in Cost Explorer. */
  productName: string;
  usageType: string;
  /** `line_item_usage_amount` as decimal text. */
  usageAmount: string;
  costPico: bigint;
};

/**
 * Tokens per unit of `line_item_usage_amount`. UNCONFIRMED (docs/billing-facts.md §2.3): the unit
 * is undocumented; the defaults follow the price-list units (AmazonBedrock "1K tokens",
 * Marketplace "Units" = 1M tokens). `--usage-units bedrock=N,marketplace=N` changes them.
 */
export type UsageUnits = { bedrock: bigint; marketplace: bigint };
export const DEFAULT_USAGE_UNITS: UsageUnits = { bedrock: 1_000n, marketplace: 1_000_000n };

/** Line item types that are consumption; every other type is listed apart (docs/billing-facts.md §2.2). */
const USAGE_TYPES = new Set(["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"]);
const MARKETPLACE_SUFFIX = "(Amazon Bedrock Edition)";

export type MappedBillItem =
  | {
      kind: "usage";
      date: string;
      account: string | null;
      region: string;
      model: string;
      bucket: TokenBucket;
      tokens: bigint;
      pico: bigint;
      tier: BillTier;
    }
  | { kind: "other"; lineItemType: string; pico: bigint }
  | {
      kind: "unmapped";
      date: string;
      account: string | null;
      region: string;
      name: string;
      bucket: TokenBucket | null;
      pico: bigint;
    };

/** Whether an item is Bedrock's at all: the AmazonBedrock product or a Bedrock Edition listing. */
export function isBedrockItem(item: Pick<BillItem, "productCode" | "productName">): boolean {
  return (
    item.productCode === "AmazonBedrock" ||
    item.productName === "Amazon Bedrock" ||
    item.productName.endsWith(MARKETPLACE_SUFFIX)
  );
}

/** `amount` × `scale`, rounded half away from zero to a whole number (exact decimal arithmetic). */
function scaleAmount(amount: string, scale: bigint): bigint {
  const pico = parseBilledPico(amount === "" ? "0" : amount) * scale;
  const whole = pico / 1_000_000_000_000n;
  const rest = pico % 1_000_000_000_000n;
  if (rest >= 500_000_000_000n) return whole + 1n;
  if (rest <= -500_000_000_000n) return whole - 1n;
  return whole;
}

/** Maps one item; `null` when it is not Bedrock's. */
export function mapBillItem(
  item: BillItem,
  names: BillNames,
  units: UsageUnits = DEFAULT_USAGE_UNITS,
): MappedBillItem | null {
  if (!isBedrockItem(item)) return null;
  if (!USAGE_TYPES.has(item.lineItemType))
    return { kind: "other", lineItemType: item.lineItemType, pico: item.costPico };
  const parsed = parseUsageType(item.usageType);
  if (!parsed)
    return {
      kind: "other",
      lineItemType: `${item.lineItemType} (not token usage: ${item.usageType})`,
      pico: item.costPico,
    };
  const region =
    item.region || names.regionPrefixes[parsed.regionPrefix] || `(prefix ${parsed.regionPrefix || "none"})`;
  const model = parsed.marketplace
    ? names.marketplaceProducts[item.productName]?.model
    : names.bedrockModelTokens[parsed.modelToken ?? ""]?.model;
  if (!model) {
    return {
      kind: "unmapped",
      date: item.date,
      account: item.account,
      region,
      name: parsed.marketplace ? item.productName : `${parsed.modelToken} (${item.usageType})`,
      bucket: parsed.bucket,
      pico: item.costPico,
    };
  }
  const tokens = scaleAmount(item.usageAmount, parsed.marketplace ? units.marketplace : units.bedrock);
  return {
    kind: "usage",
    date: item.date,
    account: item.account,
    region,
    model,
    bucket: parsed.bucket,
    tokens,
    pico: item.costPico,
    tier: parsed.tier,
  };
}

/** Parses `bedrock=1000,marketplace=1000000`; the error says which part is wrong. */
export function parseUsageUnits(text: string): UsageUnits {
  const units = { ...DEFAULT_USAGE_UNITS };
  for (const part of text.split(",")) {
    const m = /^\s*(bedrock|marketplace)\s*=\s*(\d+)\s*$/.exec(part);
    if (!m || BigInt(m[2] ?? "0") === 0n)
      throw new Error(
        `usage units: ${JSON.stringify(part)} is not bedrock=<tokens per unit> or marketplace=<tokens per unit>`,
      );
    const perUnit = BigInt(m[2] ?? "1");
    if (m[1] === "bedrock") units.bedrock = perUnit;
    else units.marketplace = perUnit;
  }
  return units;
}
