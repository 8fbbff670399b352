/** `chargeback periods export --format pdf|zip`: the invoice PDF on stdout, equal to the JSON export. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  billingTesting,
  invocationRecord,
  logKey,
  tempDir,
  writeObject,
} from "@bedrock-chargeback/collector/testing";
import { invoiceNumber } from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

const { invoicePdfMismatches, pdfText, unzipFiles } = billingTesting;
type InvoiceJsonLike = Parameters<typeof invoicePdfMismatches>[1];

/** A store (through the real ingest) with September usage of acme and beta, one request unpriced. */
async function store(): Promise<string> {
  const root = tempDir();
  writeObject(root, logKey("2026-09-10T10", "a"), [
    invocationRecord({
      requestId: "s1",
      timestamp: "2026-09-10T10:00:00Z",
      input: { inputTokenCount: 1_000_000 },
      output: { outputTokenCount: 100_000 },
    }),
    invocationRecord({
      requestId: "s2",
      timestamp: "2026-09-10T11:00:00Z",
      modelId: "mistral.mistral-large-2407-v1:0",
    }),
    invocationRecord({
      requestId: "s3",
      timestamp: "2026-09-11T11:00:00Z",
      metadata: { tenant_id: "beta", application_name: "search" },
      input: { inputTokenCount: 20_000 },
    }),
  ]);
  const db = join(tempDir(), "store.db");
  expect((await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db])).code).toBe(0);
  return db;
}

/** The one invoice of the CLI's JSON export (the API's export JSON: `invoices` are invoice views). */
function jsonView(stdout: string) {
  const body: unknown = JSON.parse(stdout);
  if (typeof body !== "object" || body === null || !("invoices" in body) || !Array.isArray(body.invoices))
    throw new Error("not an export JSON");
  const [inv] = body.invoices as InvoiceJsonLike[];
  if (!inv) throw new Error("no invoice in the JSON export");
  return inv;
}

describe("chargeback periods export --format pdf", () => {
  it("writes one tenant's PDF whose text equals the JSON export, DRAFT then FINAL", async () => {
    const db = await store();
    const exportAcme = (format: "json" | "pdf") =>
      runCaptured(["periods", "export", "2026-09", "--tenant", "acme", "--format", format, "--db", db]);
    const json = await exportAcme("json");
    const pdf = await exportAcme("pdf");
    expect(pdf.code).toBe(0);
    expect(pdf.stdoutBytes.subarray(0, 5).toString()).toBe("%PDF-");
    const draft = pdfText(pdf.stdoutBytes);
    const view = jsonView(json.stdout);
    expect(view.lines.length).toBeGreaterThan(0);
    expect(invoicePdfMismatches(draft, view)).toEqual([]);
    expect(draft).toContain("DRAFT");
    expect(draft).toContain(`Invoice number: ${invoiceNumber("2026-09", "acme")}`);
    expect(draft).toMatch(
      /1 requests, \d[\d,]* tokens of models without a price: mistral\.mistral-large-2407-v1:0/,
    );

    expect((await runCaptured(["periods", "close", "2026-09", "--db", db])).code).toBe(0);
    const closedJson = jsonView((await exportAcme("json")).stdout);
    const final = pdfText((await exportAcme("pdf")).stdoutBytes);
    expect(invoicePdfMismatches(final, closedJson)).toEqual([]);
    expect(final).toContain("FINAL");
    expect(closedJson.total_usd).toBe(view.total_usd);
  });

  it("--format zip: every tenant's PDF; issuer from --invoice-config", async () => {
    const db = await store();
    const dir = tempDir();
    const config = join(dir, "invoices.json");
    writeFileSync(
      config,
      JSON.stringify({
        issuer: { name: "Platform Team", tax_id: "US-42" },
        recipients: { beta: { name: "Beta Inc" } },
      }),
    );
    const zip = await runCaptured([
      "periods",
      "export",
      "2026-09",
      "--format",
      "zip",
      "--invoice-config",
      config,
      "--db",
      db,
    ]);
    expect(zip.code).toBe(0);
    const files = unzipFiles(zip.stdoutBytes);
    const beta = files[`${invoiceNumber("2026-09", "beta")}-beta.pdf`];
    expect(Object.keys(files).sort()).toEqual(
      [`${invoiceNumber("2026-09", "acme")}-acme.pdf`, `${invoiceNumber("2026-09", "beta")}-beta.pdf`].sort(),
    );
    if (!beta) throw new Error("no beta PDF");
    const text = pdfText(beta);
    expect(text).toContain("Platform Team");
    expect(text).toContain("Beta Inc");
    expect(text).toMatch(/input\s+20,000\s+\d+\.\d{6}\s+\d+\.\d{6}\s*$/m);
  });

  it("asks for --tenant with pdf, and reports a bad invoice config as a usage error", async () => {
    const db = await store();
    const noTenant = await runCaptured(["periods", "export", "2026-09", "--format", "pdf", "--db", db]);
    expect(noTenant.code).toBe(2);
    expect(noTenant.stderr).toMatch(/--tenant/);
    const badConfig = await runCaptured([
      "periods",
      "export",
      "2026-09",
      "--tenant",
      "acme",
      "--format",
      "pdf",
      "--invoice-config",
      join(tempDir(), "missing.json"),
      "--db",
      db,
    ]);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/invoice config: cannot read .*missing\.json/);
    expect(badConfig.stdoutBytes.length).toBe(0);
  });
});
