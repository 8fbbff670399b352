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

/**
 * FOCUS 1.2 (FinOps Open Cost and Usage Specification, tag `v1.2`, 2025-05-30; docs/billing-facts.md
 * §4): every mandatory column, then the conditional and recommended ones we can fill, then our
 * own columns, prefixed `x_` as the spec requires. Checked by focus-conformance.ts.
 */
export const FOCUS_COLUMNS = [
  "BilledCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "ConsumedQuantity",
  "ConsumedUnit",
  "ContractedCost",
  "ContractedUnitPrice",
  "EffectiveCost",
  "InvoiceIssuerName",
  "ListCost",
  "ListUnitPrice",
  "PricingCategory",
  "PricingQuantity",
  "PricingUnit",
  "ProviderName",
  "PublisherName",
  "RegionId",
  "ResourceId",
  "ServiceCategory",
  "ServiceName",
  "ServiceSubcategory",
  "SkuId",
  "SubAccountId",
  "Tags",
  "x_Tenant",
  "x_Application",
  "x_CostCenter",
  "x_Model",
  "x_TokenBucket",
  "x_UsageMonth",
  "x_LineKind",
  "x_PriceVersion",
] as const;

/** Who issues the chargeback invoices and how tenants are named (the PDF invoice configuration). */
export type FocusOptions = { invoiceIssuerName?: string; accountNames?: ReadonlyMap<string, string> };

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

function focusRow(inv: Invoice, l: InvoiceLine, options: FocusOptions): Record<string, unknown> {
  const billing = monthBounds(inv.month);
  const charge = monthBounds(l.usageMonth);
  const amount = formatMicros(l.amountMicros);
  const isUsage = l.kind === "usage";
  const tags: Record<string, string> = {};
  if (l.application !== null) tags.application = l.application;
  if (l.costCenter !== null) tags.cost_center = l.costCenter;
  const unit = l.unitMicros === null ? null : formatMicros(BigInt(l.unitMicros));
  return {
    BilledCost: amount,
    // The tenant is the billing account of a chargeback invoice.
    BillingAccountId: inv.tenant,
    BillingAccountName: options.accountNames?.get(inv.tenant) ?? inv.tenant,
    BillingCurrency: "USD",
    BillingPeriodEnd: billing.end,
    BillingPeriodStart: billing.start,
    ChargeCategory: isUsage ? "Usage" : "Adjustment",
    // Late usage of a closed (already invoiced) month is a correction of that period.
    ChargeClass: l.kind === "adjustment" ? "Correction" : null,
    ChargeDescription: l.description,
    ChargeFrequency: l.quantity === null ? "One-Time" : "Usage-Based",
    ChargePeriodEnd: charge.end,
    ChargePeriodStart: charge.start,
    ConsumedQuantity: l.quantity,
    ConsumedUnit: l.quantity === null ? null : "Tokens",
    // No negotiated rates: the contracted cost is the billed cost, line by line.
    ContractedCost: amount,
    ContractedUnitPrice: unit,
    EffectiveCost: amount,
    InvoiceIssuerName: options.invoiceIssuerName ?? DEFAULT_INVOICE_ISSUER,
    // List cost is tokens × list unit price: the usage and adjustment amounts; a markup has none.
    ListCost: l.quantity === null ? "0.000000" : amount,
    ListUnitPrice: unit,
    PricingCategory: l.quantity === null ? null : "Standard",
    // Priced per 1M tokens: the pricing quantity is tokens ÷ 10^6, exact.
    PricingQuantity: l.quantity === null ? null : formatMicros(BigInt(l.quantity)),
    PricingUnit: l.quantity === null ? null : "1000000 Tokens",
    ProviderName: "Amazon Web Services",
    PublisherName: publisherOf(l.model),
    RegionId: l.priceRegion === null || l.priceRegion === "*" ? null : l.priceRegion,
    ResourceId: l.model,
    ServiceCategory: "AI and Machine Learning",
    ServiceName: "Amazon Bedrock",
    ServiceSubcategory: "Generative AI",
    SkuId: l.priceVersion,
    SubAccountId: inv.tenant,
    Tags: Object.keys(tags).length > 0 ? JSON.stringify(tags) : null,
    x_Tenant: inv.tenant,
    x_Application: l.application,
    x_CostCenter: l.costCenter,
    x_Model: l.model,
    x_TokenBucket: l.tokenBucket,
    x_UsageMonth: l.usageMonth,
    x_LineKind: l.kind,
    x_PriceVersion: l.priceVersion,
  };
}

/** The issuer named when no invoice configuration names one (as on the PDF invoices, invoice-pdf.ts). */
export const DEFAULT_INVOICE_ISSUER = "Bedrock Chargeback";

/** FOCUS 1.2 rows, one per invoice line (focus-conformance.ts checks them). */
export function invoicesToFocusCsv(list: readonly Invoice[], options: FocusOptions = {}): string {
  return toCsv(
    FOCUS_COLUMNS,
    list.flatMap((inv) => inv.lines.map((l) => focusRow(inv, l, options))),
  );
}
