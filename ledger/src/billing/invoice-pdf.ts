/**
 * Tenant invoices as PDF documents (pdfkit) and many of them as one zip (fflate). This module lays
 * invoices out; it never adds anything up: every figure is the invoice's own, through the same
 * `invoiceLineRecord` mapping as the JSON, CSV and FOCUS exports, and `formatMicros` for totals.
 * Text is set in DejaVu Sans (embedded, subset), so tenant and issuer names in Latin, Greek,
 * Cyrillic, Hebrew or Arabic script print as written; CJK has no glyphs in it (docs/adr/0006-invoice-pdf.md).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, resolve } from "node:path";
import { inflateSync } from "node:zlib";
import { zipSync } from "fflate";
import { z } from "zod";
import { formatMicros } from "../pricing/money";
import { DEFAULT_INVOICE_ISSUER, type FocusOptions, invoiceLineRecord } from "./exports";
import type { Invoice } from "./invoices";

const require = createRequire(import.meta.url);
// Fonts by path: pdfkit caches a font per path within a document (the constructor's is reused).
const FONT_REGULAR = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
const FONT_BOLD = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf");

const partySchema = z.strictObject({
  name: z.string().min(1).max(200),
  address: z.array(z.string().max(200)).max(8).default([]),
  tax_id: z.string().min(1).max(64).optional(),
  email: z.string().min(1).max(200).optional(),
});

/**
 * The invoice configuration file: who issues invoices and whom each tenant's invoice is addressed
 * to. A tenant without an entry is addressed by its tenant id.
 * @example {"issuer":{"name":"Platform Team","address":["1 Main St"],"tax_id":"DE123","logo":"logo.png"},
 *           "recipients":{"acme":{"name":"Acme GmbH","address":["Berlin"]}}}
 */
export const invoiceConfigFileSchema = z.strictObject({
  issuer: partySchema.extend({
    /** PNG or JPEG, relative to the configuration file. */
    logo: z.string().min(1).optional(),
  }),
  recipients: z.record(z.string().min(1).max(256), partySchema).default({}),
  /** Printed at the foot of every invoice (payment terms, contact). */
  footer: z.string().max(500).optional(),
});

export type InvoiceParty = {
  name: string;
  address: string[];
  taxId: string | null;
  email: string | null;
};

export type InvoiceConfig = {
  issuer: InvoiceParty & { logo: Uint8Array | null };
  recipients: ReadonlyMap<string, InvoiceParty>;
  footer: string | null;
};

/** Used when no configuration file is given: the issuer is named, nothing else is claimed. */
export const DEFAULT_INVOICE_CONFIG: InvoiceConfig = {
  issuer: { name: DEFAULT_INVOICE_ISSUER, address: [], taxId: null, email: null, logo: null },
  recipients: new Map(),
  footer: null,
};

function party(p: z.infer<typeof partySchema>): InvoiceParty {
  return { name: p.name, address: p.address, taxId: p.tax_id ?? null, email: p.email ?? null };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Why a logo would not render, or null. A PNG's pixel data is inflated here, synchronously: pdfkit
 * inflates it in a zlib callback, where a damaged image throws past every handler and would stop
 * the server at the first invoice.
 */
function logoProblem(b: Uint8Array): string | null {
  if (b[0] === 0xff && b[1] === 0xd8) return b.length > 4 ? null : "a truncated JPEG";
  if (!PNG_SIGNATURE.every((v, i) => b[i] === v)) return "not a PNG or JPEG";
  const view = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const idat: Buffer[] = [];
  let at = 8;
  let ended = false;
  while (at + 12 <= view.length && !ended) {
    const length = view.readUInt32BE(at);
    const type = view.toString("latin1", at + 4, at + 8);
    if (at + 12 + length > view.length) return "a truncated PNG";
    if (type === "IDAT") idat.push(view.subarray(at + 8, at + 8 + length));
    ended = type === "IEND";
    at += 12 + length;
  }
  if (!ended || idat.length === 0) return "a truncated PNG";
  try {
    inflateSync(Buffer.concat(idat));
  } catch (error) {
    return `a damaged PNG (${String(error)})`;
  }
  return null;
}

/**
 * Parses an invoice configuration (already read as JSON) whose logo path is relative to `baseDir`.
 * Throws an Error with a readable message on any bad value, so start-up fails, not the first invoice.
 */
export function parseInvoiceConfig(
  json: unknown,
  baseDir: string,
  readFile: (path: string) => Uint8Array = readFileSync,
): InvoiceConfig {
  const parsed = invoiceConfigFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invoice config: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const c = parsed.data;
  let logo: Uint8Array | null = null;
  if (c.issuer.logo !== undefined) {
    const path = resolve(baseDir, c.issuer.logo);
    try {
      logo = readFile(path);
    } catch (error) {
      throw new Error(`invoice config: issuer.logo: cannot read ${path} (${String(error)})`);
    }
    const problem = logoProblem(logo);
    if (problem) throw new Error(`invoice config: issuer.logo: ${path} is ${problem}`);
  }
  return {
    issuer: { ...party(c.issuer), logo },
    recipients: new Map(Object.entries(c.recipients).map(([tenant, p]) => [tenant, party(p)])),
    footer: c.footer ?? null,
  };
}

/** Reads and parses an invoice configuration file (JSON). Call from a config module at start-up. */
export function readInvoiceConfig(path: string): InvoiceConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`invoice config: cannot read ${path} as JSON (${String(error)})`);
  }
  return parseInvoiceConfig(json, dirname(resolve(path)));
}

/** Whom a tenant's invoice is addressed to: its configured recipient, or the tenant id. */
export function recipientFor(config: InvoiceConfig, tenant: string): InvoiceParty {
  return config.recipients.get(tenant) ?? { name: tenant, address: [], taxId: null, email: null };
}

/**
 * The invoice number: `INV-<YYYYMM>-<first 12 hex digits of sha256(tenant id)>`. Stable (a pure
 * function of month and tenant, so a re-rendered invoice keeps its number) and unique per
 * tenant × month: the month is spelled out, and two tenant ids share 48 hash bits with
 * probability ~n²/2⁴⁹ (1.8e-5 for 100,000 tenants); `invoicesPdfZip` refuses a collision.
 * @example invoiceNumber("2026-10", "acme") // => "INV-202610-…" (12 hex digits)
 */
export function invoiceNumber(month: string, tenant: string): string {
  const hash = createHash("sha256").update(tenant, "utf8").digest("hex").slice(0, 12).toUpperCase();
  return `INV-${month.replace("-", "")}-${hash}`;
}

/** A file name safe in a zip and a Content-Disposition header. */
export function invoicePdfFileName(month: string, tenant: string): string {
  const safe = tenant.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64);
  return `${invoiceNumber(month, tenant)}-${safe}.pdf`;
}

const tokens = new Intl.NumberFormat("en-US");
const BUCKET_LABEL: Record<string, string> = {
  input: "input",
  output: "output",
  cache_read: "cache read",
  cache_write: "cache write",
};

type Column = { title: string; width: number; align: "left" | "right" };
const COLUMNS: Column[] = [
  { title: "Application", width: 95, align: "left" },
  { title: "Model", width: 140, align: "left" },
  { title: "Token bucket", width: 62, align: "left" },
  { title: "Tokens", width: 70, align: "right" },
  { title: "USD per 1M", width: 66, align: "right" },
  { title: "Amount USD", width: 82, align: "right" },
];
const GAP = 0;
const INK = "#111827";
const MUTED = "#4b5563";
const RULE = "#d1d5db";

/**
 * Renders one tenant's invoice as a PDF. `now` stamps a draft (an open month); a final invoice is
 * dated by its closing, so re-rendering a closed month gives the same document.
 * @example writeFileSync("invoice.pdf", await renderInvoicePdf(getInvoice(db, prices, "2026-10", "acme"), DEFAULT_INVOICE_CONFIG))
 */
export async function renderInvoicePdf(
  inv: Invoice,
  config: InvoiceConfig,
  opts: { now?: Date } = {},
): Promise<Uint8Array> {
  const issued = inv.status === "closed" && inv.closedAt ? new Date(inv.closedAt) : (opts.now ?? new Date());
  const number = invoiceNumber(inv.month, inv.tenant);
  const recipient = recipientFor(config, inv.tenant);
  // Loaded on first use: pdfkit and its font stack cost every command and the API ~40 MB of RSS
  // and ~0.2 s of start-up otherwise (bench/cli-startup.ts).
  const { default: PDFDocument } = await import("pdfkit");
  const doc = new PDFDocument({
    size: "A4",
    margin: 40,
    bufferPages: true,
    font: FONT_REGULAR,
    info: {
      Title: `Invoice ${number}`,
      Author: config.issuer.name,
      Subject: `${inv.month} Amazon Bedrock usage of ${inv.tenant}`,
      CreationDate: issued,
      ModDate: issued,
    },
  });
  doc.registerFont("bold", FONT_BOLD);
  const chunks: Uint8Array[] = [];
  doc.on("data", (c: Uint8Array) => chunks.push(c));
  const done = new Promise<Uint8Array>((resolveDone, reject) => {
    doc.on("end", () => resolveDone(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  const left = doc.page.margins.left;
  const width = doc.page.width - doc.page.margins.left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom - 24;
  const text = (s: string, x: number, y: number, o: PDFKit.Mixins.TextOptions = {}) =>
    doc.text(s, x, y, { lineBreak: true, ...o });

  // Header: logo and issuer on the left, title, number and status on the right.
  let y = doc.page.margins.top;
  if (config.issuer.logo) {
    doc.image(Buffer.from(config.issuer.logo), left, y, { fit: [140, 48] });
    y += 54;
  }
  doc.font("bold").fontSize(11).fillColor(INK);
  text(config.issuer.name, left, y, { width: 260 });
  doc.font(FONT_REGULAR).fontSize(8.5).fillColor(MUTED);
  for (const l of partyLines(config.issuer)) text(l, left, doc.y, { width: 260 });
  const issuerBottom = doc.y;

  const rx = left + width - 220;
  const draft = inv.status !== "closed";
  doc.font("bold").fontSize(20).fillColor(INK);
  text("INVOICE", rx, doc.page.margins.top, { width: 220, align: "right" });
  doc.fontSize(10).fillColor(draft ? "#b45309" : "#047857");
  text(draft ? "DRAFT" : "FINAL", rx, doc.y + 2, { width: 220, align: "right" });
  doc.font(FONT_REGULAR).fontSize(8.5).fillColor(INK);
  const meta: [string, string][] = [
    ["Invoice number", number],
    ["Period", `${inv.month} (${inv.periodStart.slice(0, 10)} to ${lastDay(inv.periodEnd)}, UTC)`],
    [draft ? "Generated" : "Issued", issued.toISOString().slice(0, 10)],
    ["Currency", "USD"],
  ];
  for (const [k, v] of meta) text(`${k}: ${v}`, rx, doc.y + 1, { width: 220, align: "right" });
  doc.fillColor(MUTED).fontSize(7.5);
  text(
    draft
      ? "Draft: the month is open; figures may change until it is closed."
      : `Final: the month was closed on ${(inv.closedAt ?? "").replace("T", " ").slice(0, 16)} UTC.`,
    rx,
    doc.y + 2,
    { width: 220, align: "right" },
  );
  y = Math.max(issuerBottom, doc.y) + 16;

  // Bill to.
  doc.font("bold").fontSize(8).fillColor(MUTED);
  text("BILL TO", left, y);
  doc.font("bold").fontSize(10.5).fillColor(INK);
  text(recipient.name, left, doc.y + 1, { width: 300 });
  doc.font(FONT_REGULAR).fontSize(8.5).fillColor(MUTED);
  for (const l of partyLines(recipient)) text(l, left, doc.y, { width: 300 });
  text(`Tenant id: ${inv.tenant}`, left, doc.y, { width: 300 });
  y = doc.y + 14;

  const records = inv.lines.map(invoiceLineRecord);
  const usage = records.filter((r) => r.kind === "usage");
  const adjustments = records.filter((r) => r.kind === "adjustment");
  const markups = records.filter((r) => r.kind === "markup");

  const header = () => {
    doc.font("bold").fontSize(7.5).fillColor(MUTED);
    let x = left;
    for (const c of COLUMNS) {
      text(c.title, x, y, { width: c.width - 4, align: c.align, lineBreak: false });
      x += c.width + GAP;
    }
    y += 12;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .strokeColor(RULE)
      .lineWidth(0.6)
      .stroke();
    y += 4;
  };
  const ensure = (h: number) => {
    if (y + h <= bottom()) return;
    doc.addPage();
    y = doc.page.margins.top;
    header();
  };
  const section = (title: string, note: string) => {
    ensure(40);
    doc.font("bold").fontSize(9.5).fillColor(INK);
    text(title, left, y);
    doc.font(FONT_REGULAR).fontSize(7.5).fillColor(MUTED);
    text(note, left, doc.y, { width });
    y = doc.y + 4;
    header();
  };
  const row = (r: (typeof records)[number]) => {
    const cells = [
      r.application ?? "(no application)",
      r.model ?? "",
      r.token_bucket ? (BUCKET_LABEL[r.token_bucket] ?? r.token_bucket) : "",
      r.quantity === null ? "" : tokens.format(r.quantity),
      r.unit_price_usd_per_mtok ?? "",
      r.amount_usd,
    ];
    const detail = [
      r.kind === "adjustment" ? `late usage for ${r.usage_month}` : null,
      r.cost_center ? `cost center ${r.cost_center}` : null,
      r.price_version ? `price ${r.price_version}` : null,
    ]
      .filter((s): s is string => s !== null)
      .join(" · ");
    doc.font(FONT_REGULAR).fontSize(8);
    const h =
      Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: (COLUMNS[i]?.width ?? 60) - 4 }))) +
      (detail ? doc.fontSize(6.5).heightOfString(detail, { width }) : 0) +
      5;
    ensure(h);
    doc.font(FONT_REGULAR).fontSize(8).fillColor(INK);
    let x = left;
    let lowest = y;
    cells.forEach((c, i) => {
      const col = COLUMNS[i];
      if (!col) return;
      text(c, x, y, { width: col.width - 4, align: col.align });
      lowest = Math.max(lowest, doc.y);
      x += col.width + GAP;
    });
    y = lowest;
    if (detail) {
      doc.fontSize(6.5).fillColor(MUTED);
      text(detail, left, y, { width });
      y = doc.y;
    }
    y += 3;
    doc
      .moveTo(left, y)
      .lineTo(left + width, y)
      .strokeColor("#eef0f3")
      .lineWidth(0.4)
      .stroke();
    y += 3;
  };

  section(
    "Usage",
    "Per application × model × token bucket, at the dated price version named under each line.",
  );
  if (usage.length === 0) {
    doc.font(FONT_REGULAR).fontSize(8).fillColor(MUTED);
    text("No priced usage in this period.", left, y);
    y = doc.y + 6;
  }
  for (const r of usage) row(r);
  if (adjustments.length > 0) {
    y += 6;
    section(
      "Adjustments: late usage of closed months",
      "Usage of an already closed month that arrived after it closed, less what its invoice billed (a true-up; negative = credit).",
    );
    for (const r of adjustments) row(r);
  }

  // Totals, right-aligned: every figure is the invoice's own.
  ensure(90);
  y += 8;
  const tx = left + width - 340;
  const totalRow = (label: string, value: string, bold = false) => {
    doc
      .font(bold ? "bold" : FONT_REGULAR)
      .fontSize(bold ? 10 : 8.5)
      .fillColor(INK);
    text(label, tx, y, { width: 250, align: "left" });
    const labelBottom = doc.y;
    text(value, tx + 250, y, { width: 90, align: "right" });
    y = Math.max(labelBottom, doc.y) + 3;
  };
  totalRow("Subtotal (usage + adjustments)", formatMicros(inv.subtotalMicros));
  if (markups.length === 0) totalRow("Markup / discount", "none");
  for (const m of markups) totalRow(`Markup / discount: ${m.description}`, m.amount_usd);
  for (const t of records.filter((r) => r.kind === "true_up"))
    totalRow("True-up to the AWS bill", t.amount_usd);
  doc
    .moveTo(tx, y)
    .lineTo(left + width, y)
    .strokeColor(INK)
    .lineWidth(0.8)
    .stroke();
  y += 4;
  totalRow("Total USD", formatMicros(inv.totalMicros), true);
  y += 10;

  // Unpriced usage and the counts behind the lines: stated, never silently left out.
  ensure(70);
  doc.font("bold").fontSize(8.5).fillColor(INK);
  text("Unpriced usage (not billed above)", left, y);
  doc
    .font(FONT_REGULAR)
    .fontSize(8)
    .fillColor(inv.unpriced.requests > 0 ? "#b91c1c" : MUTED);
  text(
    inv.unpriced.requests > 0 || inv.unpriced.tokens > 0
      ? `${tokens.format(inv.unpriced.requests)} requests, ${tokens.format(inv.unpriced.tokens)} tokens of models without a price: ${inv.unpriced.models.join(", ")}. ${draft ? "They are billed once a price is added and the month repriced, while it is open." : "They were not billed on this invoice."}`
      : "None: every request in this period had a price.",
    left,
    doc.y + 1,
    { width },
  );
  doc.fillColor(MUTED);
  text(`Requests: ${tokens.format(inv.requests)} (errors: ${tokens.format(inv.errors)}).`, left, doc.y + 3, {
    width,
  });
  const versions = [...new Set(records.map((r) => r.price_version).filter((v): v is string => !!v))].sort();
  text(`Price versions used: ${versions.length > 0 ? versions.join(", ") : "none"}.`, left, doc.y + 3, {
    width,
  });
  if (config.footer) text(config.footer, left, doc.y + 8, { width });

  // Footer on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const fy = doc.page.height - doc.page.margins.bottom - 10;
    doc.font(FONT_REGULAR).fontSize(7).fillColor(MUTED);
    doc.text(
      `${number} · ${inv.tenant} · ${inv.month} · ${draft ? "DRAFT" : "FINAL"} · page ${i - range.start + 1} of ${range.count}`,
      left,
      fy,
      { width, align: "center", lineBreak: false, height: 10 },
    );
  }
  doc.end();
  return done;
}

function partyLines(p: InvoiceParty): string[] {
  return [...p.address, ...(p.taxId ? [`Tax id: ${p.taxId}`] : []), ...(p.email ? [p.email] : [])];
}

/** `2026-11-01T00:00:00Z` (exclusive end) → `2026-10-31`. */
function lastDay(exclusiveEnd: string): string {
  return new Date(Date.parse(exclusiveEnd) - 86_400_000).toISOString().slice(0, 10);
}

/**
 * Every invoice of a month as one zip of PDFs (one per tenant, named by invoice number).
 * @example writeFileSync("2026-10.zip", await invoicesPdfZip(getInvoices(db, prices, "2026-10"), config))
 */
export async function invoicesPdfZip(
  list: readonly Invoice[],
  config: InvoiceConfig,
  opts: { now?: Date } = {},
): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  const seen = new Map<string, string>();
  for (const inv of list) {
    const number = invoiceNumber(inv.month, inv.tenant);
    const other = seen.get(number);
    if (other !== undefined && other !== inv.tenant)
      throw new Error(`invoice number ${number} would be shared by tenants ${other} and ${inv.tenant}`);
    seen.set(number, inv.tenant);
    // PDFs are already compressed: store them.
    files[invoicePdfFileName(inv.month, inv.tenant)] = await renderInvoicePdf(inv, config, opts);
  }
  return zipSync(files, { level: 0, mtime: new Date("2000-01-01T00:00:00Z") });
}

/** The FOCUS names from the invoice configuration: its issuer, and each recipient's name. */
export function focusOptions(config: InvoiceConfig): FocusOptions {
  return {
    invoiceIssuerName: config.issuer.name,
    accountNames: new Map([...config.recipients].map(([tenant, p]) => [tenant, p.name])),
  };
}
