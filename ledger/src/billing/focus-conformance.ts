/**
 * A FOCUS 1.2 conformance checker (FOCUS_Spec tag `v1.2`, 2025-05-30), written from the
 * specification's text (docs/billing-facts.md §4): column presence, custom-column naming and
 * order, nulls, numeric and date-time formats, and the allowed values of the enumerated columns.
 * It returns every violation, each naming the rule, the row and the column.
 */
import { parseCsv } from "./csv";

/** The FOCUS 1.2 columns a Cost and Usage dataset MUST carry (specification/columns/*.md). */
export const FOCUS_12_MANDATORY = [
  "BilledCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "ContractedCost",
  "EffectiveCost",
  "InvoiceIssuerName",
  "ListCost",
  "PricingQuantity",
  "PricingUnit",
  "ProviderName",
  "PublisherName",
  "ServiceCategory",
  "ServiceName",
] as const;

/** Every other column FOCUS 1.2 defines (conditional or recommended); anything else is custom. */
const FOCUS_12_OTHER = [
  "AvailabilityZone",
  "CapacityReservationId",
  "CapacityReservationStatus",
  "ChargeFrequency",
  "CommitmentDiscountCategory",
  "CommitmentDiscountId",
  "CommitmentDiscountName",
  "CommitmentDiscountQuantity",
  "CommitmentDiscountStatus",
  "CommitmentDiscountType",
  "CommitmentDiscountUnit",
  "ConsumedQuantity",
  "ConsumedUnit",
  "ContractedUnitPrice",
  "InvoiceId",
  "ListUnitPrice",
  "PricingCategory",
  "PricingCurrency",
  "PricingCurrencyContractedUnitPrice",
  "PricingCurrencyEffectiveCost",
  "PricingCurrencyListUnitPrice",
  "RegionId",
  "RegionName",
  "ResourceId",
  "ResourceName",
  "ResourceType",
  "ServiceSubcategory",
  "SkuId",
  "SkuMeter",
  "SkuPriceDetails",
  "SkuPriceId",
  "SubAccountId",
  "SubAccountName",
  "SubAccountType",
  "Tags",
];

const NOT_NULL = new Set([
  "BilledCost",
  "BillingAccountId",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "ChargeCategory",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "ContractedCost",
  "EffectiveCost",
  "InvoiceIssuerName",
  "ListCost",
  "ProviderName",
  "PublisherName",
  "ServiceCategory",
  "ServiceName",
]);

const NUMERIC = [
  "BilledCost",
  "ContractedCost",
  "EffectiveCost",
  "ListCost",
  "PricingQuantity",
  "ConsumedQuantity",
  "ListUnitPrice",
  "ContractedUnitPrice",
];
const DATETIME = ["BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"];
const UNITS = ["PricingUnit", "ConsumedUnit"];

const ALLOWED: Record<string, readonly string[]> = {
  ChargeCategory: ["Usage", "Purchase", "Tax", "Credit", "Adjustment"],
  ChargeClass: ["Correction"],
  ChargeFrequency: ["One-Time", "Recurring", "Usage-Based"],
  PricingCategory: ["Standard", "Dynamic", "Committed", "Other"],
  ServiceCategory: [
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
  ],
};

/** Numeric Format: an integer or decimal, a leading "-" only for negatives; no "+", exponent, comma or unit. */
const NUMBER = /^-?\d+(\.\d+)?$/;
/** Date/Time Format: ISO 8601 in UTC, `YYYY-MM-DDTHH:mm:ssZ`. */
const DATETIME_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** Currency Code Format: an ISO 4217 alphabetic code. */
const CURRENCY = /^[A-Z]{3}$/;
/** Unit Format: `[<quantity> ]<Units>[-<Units>][/<Unit>]`, capitalized nouns or data-size abbreviations. */
const UNIT = /^([1-9]\d* )?[A-Z][A-Za-z]*(-[A-Z][A-Za-z]*)?(\/([1-9]\d* )?[A-Z][A-Za-z]*)?$/;

export type FocusViolation = { rule: string; row: number | null; column: string | null; message: string };

/**
 * Checks a FOCUS CSV (header row first; an empty field is null).
 * @example checkFocus12(invoicesToFocusCsv(invoices)) // [] when conformant
 */
export function checkFocus12(csv: string): FocusViolation[] {
  const out: FocusViolation[] = [];
  const [header = [], ...rows] = parseCsv(csv);
  const defined = new Set<string>([...FOCUS_12_MANDATORY, ...FOCUS_12_OTHER]);
  for (const column of FOCUS_12_MANDATORY)
    if (!header.includes(column))
      out.push({
        rule: "ColumnPresent",
        row: null,
        column,
        message: `mandatory column ${column} is missing`,
      });
  let seenCustom = false;
  for (const column of header) {
    if (defined.has(column)) {
      if (seenCustom)
        out.push({
          rule: "CustomColumnOrder",
          row: null,
          column,
          message: `FOCUS column ${column} after a custom column`,
        });
      continue;
    }
    seenCustom = true;
    if (!/^x_[A-Za-z0-9_]+$/.test(column))
      out.push({
        rule: "CustomColumnPrefix",
        row: null,
        column,
        message: `custom column ${column} lacks the x_ prefix`,
      });
  }
  if (new Set(header).size !== header.length)
    out.push({ rule: "ColumnUnique", row: null, column: null, message: "a column name appears twice" });

  rows.forEach((cells, i) => {
    const row = i + 1;
    const get = (c: string): string | null => {
      const at = header.indexOf(c);
      const v = at < 0 ? undefined : cells[at];
      return v === undefined || v === "" ? null : v;
    };
    const bad = (rule: string, column: string, message: string) => out.push({ rule, row, column, message });
    if (cells.length !== header.length)
      bad("RowShape", "", `${cells.length} fields for ${header.length} columns`);
    for (const c of NOT_NULL) if (header.includes(c) && get(c) === null) bad("NotNull", c, `${c} is null`);
    for (const c of NUMERIC) {
      const v = get(c);
      if (v !== null && !NUMBER.test(v))
        bad("NumericFormat", c, `${JSON.stringify(v)} is not a plain decimal number`);
    }
    for (const c of DATETIME) {
      const v = get(c);
      if (v !== null && !DATETIME_UTC.test(v))
        bad("DateTimeFormat", c, `${JSON.stringify(v)} is not a UTC YYYY-MM-DDTHH:mm:ssZ`);
    }
    for (const c of UNITS) {
      const v = get(c);
      if (v !== null && !UNIT.test(v)) bad("UnitFormat", c, `${JSON.stringify(v)} is not in the unit format`);
    }
    for (const [c, allowed] of Object.entries(ALLOWED)) {
      const v = get(c);
      if (v !== null && !allowed.includes(v))
        bad("AllowedValues", c, `${JSON.stringify(v)} is not one of ${allowed.join(", ")}`);
    }
    const currency = get("BillingCurrency");
    if (currency !== null && !CURRENCY.test(currency))
      bad("CurrencyCodeFormat", "BillingCurrency", `${currency} is not ISO 4217`);
    // Start inclusive, end exclusive: a period ends after it starts.
    for (const [s, e] of [
      ["BillingPeriodStart", "BillingPeriodEnd"],
      ["ChargePeriodStart", "ChargePeriodEnd"],
    ] as const) {
      const start = get(s);
      const end = get(e);
      if (start && end && DATETIME_UTC.test(start) && DATETIME_UTC.test(end) && !(start < end))
        bad("PeriodBounds", e, `${e} ${end} is not after ${s} ${start}`);
    }
    // A correction corrects a previously invoiced period: its charge period ends by this billing period's start.
    if (get("ChargeClass") === "Correction") {
      const chargeEnd = get("ChargePeriodEnd");
      const billingStart = get("BillingPeriodStart");
      if (chargeEnd && billingStart && chargeEnd > billingStart)
        bad(
          "ChargeClassCorrection",
          "ChargeClass",
          "Correction on a charge inside the current billing period",
        );
    }
    // A Usage charge is consumption: its pricing quantity and unit are present (PricingQuantity, PricingUnit).
    if (get("ChargeCategory") === "Usage" && (get("PricingQuantity") === null || get("PricingUnit") === null))
      bad("UsagePricing", "PricingQuantity", "Usage without PricingQuantity and PricingUnit");
    const tags = get("Tags");
    if (tags !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(tags);
      } catch {
        parsed = null;
      }
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        bad("KeyValueFormat", "Tags", "Tags is not a JSON object");
    }
  });
  return out;
}
