/**
 * The FOCUS export conforms to FOCUS 1.2 (tag v1.2) by the checker written from the spec's text:
 * header and every value, on invoices with usage, a late-usage correction, a markup and a
 * discount; and the checker itself catches each kind of violation.
 */
import { describe, expect, it } from "vitest";
import { PriceBook } from "../pricing/price-book";
import { parseCsv, readCsvRecords, toCsv } from "./csv";
import { FOCUS_COLUMNS, invoicesToFocusCsv } from "./exports";
import { checkFocus12, FOCUS_12_MANDATORY } from "./focus-conformance";
import { getInvoices } from "./invoices";
import { setMarkup } from "./markups";
import { closePeriod } from "./periods";
import { addUsage, testDb } from "./testing";

function focusExport() {
  const db = testDb();
  addUsage(db, [
    { hour: "2026-10-05T10:00:00Z", input: 1_000_001, output: 3, application: "support" },
    { hour: "2026-10-09T10:00:00Z", tenant: "beta", cacheWrite: 7 },
  ]);
  closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "test", now: new Date("2026-11-02T00:00:00Z") });
  // Late usage for the closed October, and November's own usage.
  addUsage(db, [
    { hour: "2026-10-20T10:00:00Z", input: 500_000 },
    { hour: "2026-11-03T10:00:00Z", input: 2_000_000, output: 10 },
  ]);
  setMarkup(db, { tenant: "acme", basisPoints: 500, description: "Platform fee" });
  setMarkup(db, { tenant: "beta", basisPoints: -1_000, description: "Discount" });
  const list = getInvoices(db, PriceBook.load(db), "2026-11");
  return { csv: invoicesToFocusCsv(list, { invoiceIssuerName: "Platform Team" }), list };
}

describe("FOCUS 1.2 export", () => {
  it("passes every check: header and every value", () => {
    const { csv } = focusExport();
    expect(checkFocus12(csv)).toEqual([]);
    const [header] = parseCsv(csv);
    expect(header).toEqual([...FOCUS_COLUMNS]);
    for (const c of FOCUS_12_MANDATORY) expect(header).toContain(c);
  });

  it("marks late usage of an invoiced month as a Correction, in the month it corrects", () => {
    const rows = readCsvRecords(focusExport().csv);
    expect(
      rows.map((r) => [r.x_Tenant, r.x_LineKind, r.ChargeCategory, r.ChargeClass, r.ChargePeriodStart]),
    ).toEqual([
      ["acme", "usage", "Usage", "", "2026-11-01T00:00:00Z"],
      ["acme", "usage", "Usage", "", "2026-11-01T00:00:00Z"],
      ["acme", "adjustment", "Adjustment", "Correction", "2026-10-01T00:00:00Z"],
      ["acme", "markup", "Adjustment", "", "2026-11-01T00:00:00Z"],
    ]);
    const correction = rows[2];
    expect(correction).toMatchObject({
      BillingAccountId: "acme",
      BillingAccountName: "acme",
      BillingPeriodStart: "2026-11-01T00:00:00Z",
      BillingPeriodEnd: "2026-12-01T00:00:00Z",
      ChargePeriodEnd: "2026-11-01T00:00:00Z",
      BilledCost: "1.500000",
      ContractedCost: "1.500000",
      InvoiceIssuerName: "Platform Team",
      PricingUnit: "1000000 Tokens",
      PricingQuantity: "0.500000",
      ServiceCategory: "AI and Machine Learning",
      ServiceSubcategory: "Generative AI",
      x_UsageMonth: "2026-10",
    });
  });

  it("the checker catches each violation it is written for", () => {
    const { csv } = focusExport();
    const [header = [], ...rows] = parseCsv(csv);
    const records = readCsvRecords(csv);
    const mutate = (fn: (r: Record<string, string>, i: number) => void, columns: string[] = header) =>
      toCsv(
        columns,
        records.map((r, i) => {
          const copy = { ...r };
          fn(copy, i);
          return copy;
        }),
      );
    const rules = (text: string) =>
      [...new Set(checkFocus12(text).map((v) => `${v.rule}:${v.column}`))].sort();
    expect(rows.length).toBeGreaterThan(2);
    expect(
      rules(
        mutate(
          () => {},
          header.filter((c) => c !== "BillingAccountId"),
        ),
      ),
    ).toEqual(["ColumnPresent:BillingAccountId"]);
    expect(rules(mutate(() => {}, [...header.filter((c) => c !== "x_Tenant"), "Tenant"]))).toEqual([
      "CustomColumnPrefix:Tenant",
    ]);
    expect(rules(mutate(() => {}, ["x_Tenant", ...header.filter((c) => c !== "x_Tenant")]))).toContain(
      "CustomColumnOrder:BilledCost",
    );
    expect(
      rules(
        mutate((r) => {
          r.ChargeCategory = "Fee";
        }),
      ),
    ).toEqual(["AllowedValues:ChargeCategory"]);
    expect(
      rules(
        mutate((r) => {
          r.ChargeClass = "Late";
        }),
      ),
    ).toEqual(["AllowedValues:ChargeClass"]);
    expect(
      rules(
        mutate((r) => {
          r.ServiceCategory = "AI";
        }),
      ),
    ).toEqual(["AllowedValues:ServiceCategory"]);
    expect(
      rules(
        mutate((r) => {
          r.BilledCost = "$1.00";
        }),
      ),
    ).toEqual(["NumericFormat:BilledCost"]);
    expect(
      rules(
        mutate((r) => {
          r.ListCost = "1e-3";
        }),
      ),
    ).toEqual(["NumericFormat:ListCost"]);
    expect(
      rules(
        mutate((r) => {
          r.ContractedCost = "+1";
        }),
      ),
    ).toEqual(["NumericFormat:ContractedCost"]);
    expect(
      rules(
        mutate((r) => {
          r.ChargePeriodStart = "2026-11-01T01:00:00+01:00";
        }),
      ),
    ).toEqual(["DateTimeFormat:ChargePeriodStart"]);
    expect(
      rules(
        mutate((r) => {
          r.BillingPeriodEnd = r.BillingPeriodStart ?? "";
        }),
      ),
    ).toEqual(["PeriodBounds:BillingPeriodEnd"]);
    expect(
      rules(
        mutate((r) => {
          r.InvoiceIssuerName = "";
        }),
      ),
    ).toEqual(["NotNull:InvoiceIssuerName"]);
    expect(
      rules(
        mutate((r) => {
          r.BillingCurrency = "usd";
        }),
      ),
    ).toEqual(["CurrencyCodeFormat:BillingCurrency"]);
    expect(
      rules(
        mutate((r) => {
          if (r.x_LineKind === "usage") r.PricingUnit = "1M tokens";
        }),
      ),
    ).toEqual(["UnitFormat:PricingUnit"]);
    expect(
      rules(
        mutate((r) => {
          if (r.x_LineKind === "usage") r.ChargeClass = "Correction";
        }),
      ),
    ).toEqual(["ChargeClassCorrection:ChargeClass"]);
    expect(
      rules(
        mutate((r) => {
          r.Tags = "[1]";
        }),
      ),
    ).toEqual(["KeyValueFormat:Tags"]);
  });
});
