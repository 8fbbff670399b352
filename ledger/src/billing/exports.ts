/**
 * Monthly billing exports: plain CSV (one row per invoice line) and a FinOps FOCUS 1.x style CSV.
 * Every field goes through the one CSV escaping function (csv.ts). JSON is the invoices themselves.
 */
import { formatMicros } from "../pricing/money";
import { toCsv } from "./csv";
import type { Invoice, InvoiceLine } from "./invoices";
import { monthBounds } from "./months";

export const EXPORT_CSV_COLUMNS = [
  "month",
  "tenant",
  "status",
  "kind",
  "usage_month",
  "application",
  "cost_center",
  "model",
  "token_bucket",
  "quantity",
  "unit_price_usd_per_mtok",
  "price_version",
  "basis_points",
  "amount_usd",
  "description",
] as const;

/**
 * An invoice line as a flat snake_case record: the one mapping shared by the API's invoice views
 * and the CSV export. Amounts are exact 6-decimal USD strings beside integer micro-USD.
 */
export function invoiceLineRecord(l: InvoiceLine) {
  return {
    kind: l.kind,
    usage_month: l.usageMonth,
    application: l.application,
    cost_center: l.costCenter,
    model: l.model,
    token_bucket: l.tokenBucket,
    quantity: l.quantity,
    unit_price_usd_per_mtok: l.unitMicros === null ? null : formatMicros(BigInt(l.unitMicros)),
    unit_price_micro_usd_per_mtok: l.unitMicros,
    price_id: l.priceId,
    price_version: l.priceVersion,
    basis_points: l.basisPoints,
    amount_usd: formatMicros(l.amountMicros),
    amount_micro_usd: Number(l.amountMicros),
    description: l.description,
  };
}

/** One row per line of every invoice; amounts are exact 6-decimal USD. */
export function invoicesToCsv(list: readonly Invoice[]): string {
  const rows = list.flatMap((inv) =>
    inv.lines.map((l) => ({
      month: inv.month,
      tenant: inv.tenant,
      status: inv.status,
      ...invoiceLineRecord(l),
    })),
  );
  return toCsv(EXPORT_CSV_COLUMNS, rows);
}

export const FOCUS_COLUMNS = [
  "BilledCost",
  "EffectiveCost",
  "ListCost",
  "BillingCurrency",
  "BillingPeriodStart",
  "BillingPeriodEnd",
  "ChargePeriodStart",
  "ChargePeriodEnd",
  "ChargeCategory",
  "ChargeDescription",
  "ConsumedQuantity",
  "ConsumedUnit",
  "PricingQuantity",
  "PricingUnit",
  "ListUnitPrice",
  "ProviderName",
  "PublisherName",
  "ServiceName",
  "ServiceCategory",
  "RegionId",
  "ResourceId",
  "SkuId",
  "SubAccountId",
  "Tags",
] as const;

const PUBLISHERS: Record<string, string> = {
  anthropic: "Anthropic",
  amazon: "Amazon",
  meta: "Meta",
  mistral: "Mistral AI",
  cohere: "Cohere",
  ai21: "AI21 Labs",
  deepseek: "DeepSeek",
  openai: "OpenAI",
  qwen: "Qwen",
  writer: "Writer",
  stability: "Stability AI",
};

/** The model's publisher from its id (`anthropic.claude-…` → Anthropic). */
export function publisherOf(model: string | null): string {
  if (!model) return "Amazon Web Services";
  const vendor = model.split(".")[0] ?? "";
  return PUBLISHERS[vendor] ?? vendor;
}

function focusRow(inv: Invoice, l: InvoiceLine): Record<string, unknown> {
  const billing = monthBounds(inv.month);
  const charge = monthBounds(l.usageMonth);
  const amount = formatMicros(l.amountMicros);
  const isUsage = l.kind === "usage";
  const tags: Record<string, string> = {};
  if (l.application !== null) tags.application = l.application;
  if (l.costCenter !== null) tags.cost_center = l.costCenter;
  return {
    BilledCost: amount,
    EffectiveCost: amount,
    // List cost is tokens × list unit price: the usage and adjustment amounts; a markup has none.
    ListCost: l.kind === "markup" ? "0.000000" : amount,
    BillingCurrency: "USD",
    BillingPeriodStart: billing.start,
    BillingPeriodEnd: billing.end,
    ChargePeriodStart: charge.start,
    ChargePeriodEnd: charge.end,
    ChargeCategory: isUsage ? "Usage" : "Adjustment",
    ChargeDescription: l.description,
    ConsumedQuantity: l.quantity,
    ConsumedUnit: l.quantity === null ? null : "Tokens",
    // Priced per 1M tokens: the pricing quantity is tokens ÷ 10^6, exact.
    PricingQuantity: l.quantity === null ? null : formatMicros(BigInt(l.quantity)),
    PricingUnit: l.quantity === null ? null : "1M Tokens",
    ListUnitPrice: l.unitMicros === null ? null : formatMicros(BigInt(l.unitMicros)),
    ProviderName: "Amazon Web Services",
    PublisherName: publisherOf(l.model),
    ServiceName: "Amazon Bedrock",
    ServiceCategory: "AI and Machine Learning",
    RegionId: l.priceRegion === null || l.priceRegion === "*" ? null : l.priceRegion,
    ResourceId: l.model,
    SkuId: l.priceVersion,
    SubAccountId: inv.tenant,
    Tags: Object.keys(tags).length > 0 ? JSON.stringify(tags) : null,
  };
}

/** FOCUS 1.x style rows (one per invoice line). */
export function invoicesToFocusCsv(list: readonly Invoice[]): string {
  return toCsv(
    FOCUS_COLUMNS,
    list.flatMap((inv) => inv.lines.map((l) => focusRow(inv, l))),
  );
}
