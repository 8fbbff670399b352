import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { formatMicros } from "../pricing/money";
import { PriceBook } from "../pricing/price-book";
import { invoiceLineRecord } from "./exports";
import {
  DEFAULT_INVOICE_CONFIG,
  invoiceNumber,
  invoicePdfFileName,
  invoicesPdfZip,
  parseInvoiceConfig,
  readInvoiceConfig,
  renderInvoicePdf,
} from "./invoice-pdf";
import { getInvoice, getInvoices, type Invoice } from "./invoices";
import { setMarkup } from "./markups";
import { closePeriod } from "./periods";
import { addUsage, invoicePdfMismatches, pdfText, testDb, UNPRICED_MODEL } from "./testing";

const NOW = new Date("2026-12-10T00:00:00Z");
// A 1×1 transparent PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

/** The invoice as the JSON views carry it: the same `invoiceLineRecord` mapping. */
function asJson(inv: Invoice) {
  return {
    status: inv.status,
    subtotal_usd: formatMicros(inv.subtotalMicros),
    total_usd: formatMicros(inv.totalMicros),
    unpriced: inv.unpriced,
    lines: inv.lines.map(invoiceLineRecord),
  };
}

describe("invoiceNumber", () => {
  it("is stable, names the month, and differs between tenants and months", () => {
    expect(invoiceNumber("2026-10", "acme")).toBe(invoiceNumber("2026-10", "acme"));
    expect(invoiceNumber("2026-10", "acme")).toMatch(/^INV-202610-[0-9A-F]{12}$/);
    expect(invoiceNumber("2026-11", "acme")).not.toBe(invoiceNumber("2026-10", "acme"));
    // Tenants that look alike, and 20,000 generated ones: no two share a number in a month.
    const tenants = [
      "acme",
      "Acme",
      "acme ",
      "acme/1",
      "acme_1",
      ...Array.from({ length: 20_000 }, (_, i) => `t-${i}`),
    ];
    expect(new Set(tenants.map((t) => invoiceNumber("2026-10", t))).size).toBe(tenants.length);
    expect(new Set(tenants.map((t) => invoicePdfFileName("2026-10", t))).size).toBe(tenants.length);
    expect(invoicePdfFileName("2026-10", "a/b c")).toMatch(/^INV-202610-[0-9A-F]{12}-a_b_c\.pdf$/);
  });
});

describe("invoice configuration", () => {
  it("reads issuer (with a logo relative to the file) and recipients", () => {
    const dir = mkdtempSync(join(tmpdir(), "invoice-config-"));
    writeFileSync(join(dir, "logo.png"), PNG);
    const path = join(dir, "invoices.json");
    writeFileSync(
      path,
      JSON.stringify({
        issuer: { name: "Platform Team", address: ["1 Main St"], tax_id: "DE123", logo: "logo.png" },
        recipients: { acme: { name: "Acme GmbH", tax_id: "DE999" } },
      }),
    );
    const c = readInvoiceConfig(path);
    expect(c.issuer.name).toBe("Platform Team");
    expect(c.issuer.logo?.length).toBe(PNG.length);
    expect(c.recipients.get("acme")).toEqual({ name: "Acme GmbH", address: [], taxId: "DE999", email: null });
  });

  it("rejects bad values with a readable message", () => {
    expect(() => parseInvoiceConfig({ issuer: {} }, "/")).toThrow(/invoice config: issuer\.name/);
    expect(() => parseInvoiceConfig({ issuer: { name: "x" }, extra: 1 }, "/")).toThrow(
      /invoice config: .*extra/,
    );
    expect(() => parseInvoiceConfig({ issuer: { name: "x", logo: "missing.png" } }, "/nowhere")).toThrow(
      /issuer\.logo: cannot read \/nowhere\/missing\.png/,
    );
    expect(() =>
      parseInvoiceConfig({ issuer: { name: "x", logo: "l.gif" } }, "/", () => Buffer.from("GIF89a")),
    ).toThrow(/is not a PNG or JPEG/);
    // A PNG whose pixel data does not inflate: pdfkit would throw it from a zlib callback, past
    // every handler; the configuration refuses it instead.
    const damaged = Buffer.from(PNG);
    const at = damaged.indexOf("IDAT") + 6;
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
    expect(() => parseInvoiceConfig({ issuer: { name: "x", logo: "l.png" } }, "/", () => damaged)).toThrow(
      /is a damaged PNG/,
    );
    expect(() =>
      parseInvoiceConfig({ issuer: { name: "x", logo: "l.png" } }, "/", () => PNG.subarray(0, 30)),
    ).toThrow(/is a truncated PNG/);
  });
});

describe("renderInvoicePdf", () => {
  it("an open month: a DRAFT whose text carries every line and total of the invoice JSON", async () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-12-01T10:00:00Z", input: 1_234_567, output: 89_012, requests: 10, errors: 1 },
      { hour: "2026-12-02T11:00:00Z", application: "search", cacheRead: 2_000_000, cacheWrite: 33_333 },
      { hour: "2026-12-03T00:00:00Z", model: UNPRICED_MODEL, input: 999, requests: 2 },
      { hour: "2026-12-03T00:00:00Z", tenant: "beta", input: 5 },
    ]);
    setMarkup(db, { tenant: "acme", basisPoints: -250, description: "Volume discount" });
    const inv = getInvoice(db, PriceBook.load(db), "2026-12", "acme");
    expect(inv.status).toBe("open");
    const text = pdfText(await renderInvoicePdf(inv, DEFAULT_INVOICE_CONFIG, { now: NOW }));
    expect(invoicePdfMismatches(text, asJson(inv))).toEqual([]);
    // The figures themselves, spelled out (the helper could not pass on an empty document).
    expect(text).toMatch(/input\s+1,234,567\s+3\.000000\s+3\.703701\s*$/m);
    expect(text).toMatch(/cache write\s+33,333\s+3\.750000\s+0\.124999\s*$/m);
    expect(text).toMatch(/Markup \/ discount: Volume discount \(-2\.5%\)\s+-0\.144097\s*$/m);
    expect(text).toMatch(/Total USD\s+5\.619783\s*$/m);
    expect(formatMicros(inv.totalMicros)).toBe("5.619783");
    expect(text).toContain(invoiceNumber("2026-12", "acme"));
    expect(text).toMatch(/DRAFT/);
    expect(text).not.toMatch(/FINAL/);
    expect(text).toContain("2 requests, 999 tokens of models without a price: acme.mystery-model");
    expect(text).toContain("Price versions used: p1:anthropic.claude-test:in_region:*:2026-01-01.");
    expect(text).toContain("Generated: 2026-12-10");
    expect(text).not.toContain("beta");
  });

  it("a closed month with late-usage adjustments: FINAL, adjustments labelled, same totals", async () => {
    const db = testDb();
    addUsage(db, [{ hour: "2026-10-05T10:00:00Z", input: 1_000_000, output: 100_000 }]);
    closePeriod(db, PriceBook.load(db), "2026-10", {
      closedBy: "finance",
      now: new Date("2026-11-02T00:00:00Z"),
    });
    // Late October usage, and November's own.
    addUsage(db, [
      { hour: "2026-10-20T10:00:00Z", input: 500_000 },
      { hour: "2026-11-03T10:00:00Z", input: 2_000_000, output: 10_000 },
    ]);
    setMarkup(db, { tenant: "acme", basisPoints: 1000, description: "Platform fee" });
    closePeriod(db, PriceBook.load(db), "2026-11", {
      closedBy: "finance",
      now: new Date("2026-12-02T00:00:00Z"),
    });
    const inv = getInvoice(db, PriceBook.load(db), "2026-11", "acme");
    expect(inv.status).toBe("closed");
    expect(inv.lines.map((l) => l.kind)).toEqual(["usage", "usage", "adjustment", "markup"]);
    const pdf = await renderInvoicePdf(inv, DEFAULT_INVOICE_CONFIG, { now: NOW });
    const text = pdfText(pdf);
    expect(invoicePdfMismatches(text, asJson(inv))).toEqual([]);
    expect(text).toMatch(/FINAL/);
    expect(text).not.toMatch(/DRAFT/);
    expect(text).toContain("Adjustments: late usage of closed months");
    expect(text).toContain("late usage for 2026-10");
    expect(text).toMatch(/input\s+500,000\s+3\.000000\s+1\.500000\s*$/m);
    expect(text).toMatch(/Subtotal \(usage \+ adjustments\)\s+7\.650000\s*$/m);
    expect(text).toMatch(/Total USD\s+8\.415000\s*$/m);
    expect(text).toContain("Issued: 2026-12-02");
    // A final invoice is dated by its closing: rendering it again gives the same document.
    expect(Buffer.from(await renderInvoicePdf(inv, DEFAULT_INVOICE_CONFIG, { now: new Date() }))).toEqual(
      Buffer.from(pdf),
    );
  });

  it("a mismatch is caught: the helper fails on a changed total or a missing line", async () => {
    const db = testDb();
    addUsage(db, [{ hour: "2026-12-01T10:00:00Z", input: 1_000_000, output: 1_000 }]);
    const inv = getInvoice(db, PriceBook.load(db), "2026-12", "acme");
    const text = pdfText(await renderInvoicePdf(inv, DEFAULT_INVOICE_CONFIG, { now: NOW }));
    const json = asJson(inv);
    expect(invoicePdfMismatches(text, { ...json, total_usd: "3.015001" })).toHaveLength(1);
    expect(invoicePdfMismatches(text, { ...json, lines: json.lines.slice(1) }).length).toBeGreaterThan(0);
  });

  it("prints issuer, recipient and names in other scripts as written", async () => {
    const db = testDb();
    const tenant = "zürich-Ωmega-Кириллица";
    addUsage(db, [{ hour: "2026-12-01T10:00:00Z", tenant, input: 1_000 }]);
    const config = parseInvoiceConfig(
      {
        issuer: {
          name: "Platform Engineering GmbH",
          address: ["Hauptstraße 1"],
          tax_id: "DE123456789",
          logo: "l.png",
        },
        recipients: { [tenant]: { name: "Ωmega Кириллица AG", address: ["8001 Zürich"], tax_id: "CHE-1" } },
        footer: "Payable within 30 days.",
      },
      "/",
      () => PNG,
    );
    const text = pdfText(
      await renderInvoicePdf(getInvoice(db, PriceBook.load(db), "2026-12", tenant), config),
    );
    for (const s of [
      "Platform Engineering GmbH",
      "Hauptstraße 1",
      "Tax id: DE123456789",
      "Ωmega Кириллица AG",
      "8001 Zürich",
      "Tax id: CHE-1",
      `Tenant id: ${tenant}`,
      "Payable within 30 days.",
    ])
      expect(text).toContain(s);
  });

  it("an invoice with no usage says so and totals 0.000000", async () => {
    const db = testDb();
    const text = pdfText(
      await renderInvoicePdf(getInvoice(db, PriceBook.load(db), "2026-12", "nobody"), DEFAULT_INVOICE_CONFIG),
    );
    expect(text).toContain("No priced usage in this period.");
    expect(text).toMatch(/Total USD\s+0\.000000\s*$/m);
    expect(text).toContain("None: every request in this period had a price.");
  });

  it("many lines run onto more pages, each with its footer", async () => {
    const db = testDb();
    addUsage(
      db,
      Array.from({ length: 40 }, (_, i) => ({
        hour: "2026-12-01T10:00:00Z",
        application: `app-${String(i).padStart(2, "0")}`,
        input: 1_000 + i,
        output: 10 + i,
      })),
    );
    const inv = getInvoice(db, PriceBook.load(db), "2026-12", "acme");
    const text = pdfText(await renderInvoicePdf(inv, DEFAULT_INVOICE_CONFIG, { now: NOW }));
    expect(invoicePdfMismatches(text, asJson(inv))).toEqual([]);
    const pages = text.split("\f").filter((p) => p.trim().length > 0);
    expect(pages.length).toBeGreaterThan(1);
    for (const [i, p] of pages.entries()) expect(p).toContain(`page ${i + 1} of ${pages.length}`);
  });
});

describe("invoicesPdfZip", () => {
  it("one PDF per tenant, named by invoice number", async () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-12-01T10:00:00Z", input: 1_000 },
      { hour: "2026-12-01T10:00:00Z", tenant: "beta", input: 2_000 },
    ]);
    const list = getInvoices(db, PriceBook.load(db), "2026-12");
    const files = unzipSync(await invoicesPdfZip(list, DEFAULT_INVOICE_CONFIG, { now: NOW }));
    expect(Object.keys(files).sort()).toEqual(
      [invoicePdfFileName("2026-12", "acme"), invoicePdfFileName("2026-12", "beta")].sort(),
    );
    for (const [name, bytes] of Object.entries(files)) {
      expect(strFromU8(bytes.subarray(0, 5))).toBe("%PDF-");
      const tenant = name.endsWith("-acme.pdf") ? "acme" : "beta";
      expect(pdfText(bytes)).toContain(`Tenant id: ${tenant}`);
    }
  });
});
