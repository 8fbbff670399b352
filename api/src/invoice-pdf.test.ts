/**
 * PDF invoices over HTTP: the PDF's text (poppler's pdftotext) carries the same lines and totals as
 * the invoice JSON for the same tenant and month, for an open month (DRAFT) and a closed one with
 * late-usage adjustments (FINAL); tenant keys get only their own PDF or zip.
 */
import { invoiceNumber, parseInvoiceConfig } from "@bedrock-chargeback/ledger";
import * as billingTesting from "@bedrock-chargeback/ledger/testing";
import { describe, expect, it } from "vitest";
import { harness } from "./test-setup";
import type { InvoiceResponse } from "./types";

const { addUsage, invoicePdfMismatches, pdfText, unzipFiles: unzipSync } = billingTesting;
const DEC = new Date("2026-12-05T00:00:00Z");

async function pdfOf(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/pdf");
  const bytes = new Uint8Array(await res.arrayBuffer());
  expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe("%PDF-");
  return pdfText(bytes);
}

async function invoiceJson(res: Response): Promise<InvoiceResponse> {
  expect(res.status).toBe(200);
  return (await res.json()) as InvoiceResponse;
}

describe("GET /v1/periods/{month}/invoices/{tenant}.pdf", () => {
  it("an open month: a DRAFT with the JSON's lines and totals", async () => {
    const h = harness();
    await h.call("PUT", "/v1/markups/acme", { body: { basis_points: 500, description: "Platform fee" } });
    const json = await invoiceJson(await h.call("GET", "/v1/periods/2026-10/invoices/acme"));
    const text = await pdfOf(await h.call("GET", "/v1/periods/2026-10/invoices/acme.pdf"));
    expect(json.status).toBe("open");
    expect(invoicePdfMismatches(text, json)).toEqual([]);
    // The harness's acme October: 1M input ($3) + 100k output ($1.5), 5% fee; unpriced usage stated.
    expect(json.total_usd).toBe("4.725000");
    expect(text).toMatch(/Total USD\s+4\.725000\s*$/m);
    expect(text).toMatch(/Subtotal \(usage \+ adjustments\)\s+4\.500000\s*$/m);
    expect(text).toContain("DRAFT");
    expect(text).toContain(`Invoice number: ${invoiceNumber("2026-10", "acme")}`);
    expect(text).toContain("2 requests, 10 tokens of models without a price: acme.mystery-model");
  });

  it("a closed month with late-usage adjustments: FINAL with the JSON's lines and totals", async () => {
    const h = harness({ now: () => DEC });
    expect((await h.call("POST", "/v1/periods/2026-10/close")).status).toBe(200);
    // Late October usage arrives after the close: an adjustment on November.
    addUsage(h.db, [{ hour: "2026-10-30T10:00:00Z", tenant: "acme", input: 250_000, output: 20_000 }]);
    expect((await h.call("POST", "/v1/periods/2026-11/close")).status).toBe(200);
    const json = await invoiceJson(await h.call("GET", "/v1/periods/2026-11/invoices/acme"));
    expect(json.status).toBe("closed");
    expect(
      json.lines.filter((l) => l.kind === "adjustment").map((l) => [l.token_bucket, l.amount_usd]),
    ).toEqual([
      ["input", "0.750000"],
      ["output", "0.300000"],
    ]);
    const text = await pdfOf(await h.call("GET", "/v1/periods/2026-11/invoices/acme.pdf"));
    expect(invoicePdfMismatches(text, json)).toEqual([]);
    expect(json.total_usd).toBe("4.050000");
    expect(text).toMatch(/Total USD\s+4\.050000\s*$/m);
    expect(text).toContain("FINAL");
    expect(text).toContain("Adjustments: late usage of closed months");
  });

  it("prints the configured issuer and recipient", async () => {
    const invoiceConfig = parseInvoiceConfig(
      {
        issuer: { name: "Platform Team", address: ["1 Main St"], tax_id: "US-42" },
        recipients: { acme: { name: "Acme Corporation", address: ["2 Side St"], tax_id: "US-7" } },
      },
      "/",
    );
    const h = harness({ invoiceConfig });
    const text = await pdfOf(
      await h.call("GET", "/v1/periods/2026-10/invoices/acme.pdf", { key: h.keys.acme }),
    );
    for (const s of [
      "Platform Team",
      "1 Main St",
      "Tax id: US-42",
      "Acme Corporation",
      "2 Side St",
      "Tax id: US-7",
    ])
      expect(text).toContain(s);
  });

  it("a tenant key gets its own PDF and zip only", async () => {
    const h = harness();
    const own = await pdfOf(
      await h.call("GET", "/v1/periods/2026-10/invoices/acme.pdf", { key: h.keys.acme }),
    );
    expect(own).toContain("Tenant id: acme");
    const denied = await h.call("GET", "/v1/periods/2026-10/invoices/beta.pdf", { key: h.keys.acme });
    expect(denied.status).toBe(403);
    const zip = await h.call("GET", "/v1/periods/2026-10/invoices.zip", { key: h.keys.acme });
    expect(zip.headers.get("content-type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files)).toEqual([`${invoiceNumber("2026-10", "acme")}-acme.pdf`]);
    const forBeta = await h.call("GET", "/v1/periods/2026-10/invoices.zip?tenant=beta", { key: h.keys.acme });
    expect(forBeta.status).toBe(403);
  });

  it("the zip for finance holds every tenant's PDF, each equal to its own route's text", async () => {
    const h = harness();
    const res = await h.call("GET", "/v1/periods/2026-10/invoices.zip", { key: h.keys.finance });
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="invoices-2026-10.zip"');
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(
      [`${invoiceNumber("2026-10", "acme")}-acme.pdf`, `${invoiceNumber("2026-10", "beta")}-beta.pdf`].sort(),
    );
    for (const tenant of ["acme", "beta"]) {
      const file = files[`${invoiceNumber("2026-10", tenant)}-${tenant}.pdf`];
      if (!file) throw new Error(`no ${tenant} PDF`);
      const json = await invoiceJson(await h.call("GET", `/v1/periods/2026-10/invoices/${tenant}`));
      expect(invoicePdfMismatches(pdfText(file), json)).toEqual([]);
    }
  });

  it("a tenant whose id ends in .pdf-like text still reaches its JSON invoice", async () => {
    const h = harness();
    const res = await h.call("GET", "/v1/periods/2026-10/invoices/acme.pdfx");
    expect(res.status).toBe(200);
    expect(((await res.json()) as InvoiceResponse).tenant).toBe("acme.pdfx");
  });
});
