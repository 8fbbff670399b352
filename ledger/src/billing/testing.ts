/** Test helpers for the billing domain and the API: a store with simple prices and usage rows. */

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync } from "fflate";
import { PriceBook } from "../pricing/price-book";
import type { Counters, FactRow, HourlyRow } from "../rollup/types";
import { addRollupRows } from "../rollup/write";
import { createDb, type Db } from "../store/db";
import { addPrice } from "./prices";

/** Model priced by `testDb`: $3 / $15 / $0.30 / $3.75 per 1M tokens from 2026-01-01. */
export const TEST_MODEL = "anthropic.claude-test";
/** A model with no price. */
export const UNPRICED_MODEL = "acme.mystery-model";

export function testDb(): Db {
  const db = createDb(":memory:");
  addPrice(db, {
    model: TEST_MODEL,
    scopes: ["in_region"],
    effectiveFrom: "2026-01-01",
    input: "3.00",
    output: "15.00",
    cacheRead: "0.30",
    cacheWrite: "3.75",
    source: "test",
  });
  return db;
}

export type UsageInput = {
  hour: string;
  tenant?: string | null;
  application?: string | null;
  costCenter?: string | null;
  model?: string;
  region?: string;
  identity?: string | null;
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
  requests?: number;
  errors?: number;
  /** user_id and other metadata keys (experiment_id, variant, …) of every call of the row. */
  user?: string;
  meta?: Record<string, string>;
};

/** Adds usage rows (hourly + a fact row with the identity), priced with the store's current price book. */
export function addUsage(db: Db, rows: readonly UsageInput[]): void {
  const prices = PriceBook.load(db);
  const hourly: HourlyRow[] = [];
  const facts: FactRow[] = [];
  for (const r of rows) {
    const dims = {
      accountId: "111122223333",
      region: r.region ?? "us-east-1",
      tenantId: r.tenant === undefined ? "acme" : r.tenant,
      applicationName: r.application === undefined ? "support" : r.application,
      costCenter: r.costCenter === undefined ? "CC-1" : r.costCenter,
      environment: "production",
      team: "cx",
      modelId: r.model ?? TEST_MODEL,
    };
    const counters: Counters = {
      requests: r.requests ?? 1,
      errors: r.errors ?? 0,
      inputTokens: r.input ?? 0,
      outputTokens: r.output ?? 0,
      cacheReadTokens: r.cacheRead ?? 0,
      cacheWriteTokens: r.cacheWrite ?? 0,
    };
    hourly.push({ hour: r.hour, dims, counters });
    facts.push({
      hour: r.hour,
      grain: 1,
      dims,
      attrs: { user: null, identity: r.identity ?? "arn:aws:iam::111122223333:role/app", meta: {} },
      counters,
    });
  }
  db.$client.transaction(() => addRollupRows({ db, source: "raw", prices }, hourly, facts))();
}

/**
 * A PDF's text as poppler's `pdftotext -layout` reads it (tests only; scripts/ensure-poppler.sh
 * installs poppler-utils).
 */
export function pdfText(pdf: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "invoice-pdf-"));
  try {
    const file = join(dir, "invoice.pdf");
    writeFileSync(file, pdf);
    return execFileSync("pdftotext", ["-layout", "-enc", "UTF-8", file, "-"], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The invoice JSON fields a PDF must carry (the API's invoice view, or `invoiceLineRecord`s). */
export type InvoiceJsonLike = {
  status: string;
  subtotal_usd: string;
  total_usd: string;
  unpriced: { requests: number; tokens: number; models: string[] };
  lines: {
    kind: string;
    token_bucket: string | null;
    quantity: number | null;
    unit_price_usd_per_mtok: string | null;
    amount_usd: string;
    description: string;
  }[];
};

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const groupDigits = new Intl.NumberFormat("en-US");

/**
 * Where a PDF's text disagrees with the invoice JSON: every line (bucket, tokens, unit price,
 * amount) as one row exactly as often as in the JSON, no other rows, the subtotal, markup, total,
 * status and unpriced usage as the same exact strings. Empty when they agree.
 */
export function invoicePdfMismatches(text: string, inv: InvoiceJsonLike): string[] {
  const out: string[] = [];
  const rows = text.split("\n");
  const rowRe = /\s(-?[\d,]+)\s+(-?\d+\.\d{6})\s+(-?\d+\.\d{6})\s*$/;
  const pdfRows = rows.filter((r) => rowRe.test(r));
  const billed = inv.lines.filter((l) => l.kind !== "markup");
  if (pdfRows.length !== billed.length)
    out.push(`PDF has ${pdfRows.length} line rows, JSON has ${billed.length} usage/adjustment lines`);
  const want = new Map<string, number>();
  for (const l of billed) {
    const bucket = (l.token_bucket ?? "").replace("_", " ");
    const key = `${bucket}\\s+${escapeRe(groupDigits.format(l.quantity ?? 0))}\\s+${escapeRe(l.unit_price_usd_per_mtok ?? "")}\\s+${escapeRe(l.amount_usd)}\\s*$`;
    want.set(key, (want.get(key) ?? 0) + 1);
  }
  for (const [key, n] of want) {
    const found = pdfRows.filter((r) => new RegExp(`\\s${key}`).test(r)).length;
    if (found !== n) out.push(`line /${key}/: ${found} in the PDF, ${n} in the JSON`);
  }
  const must: [string, RegExp][] = [
    ["status", inv.status === "closed" ? /\bFINAL\b/ : /\bDRAFT\b/],
    [
      "subtotal",
      new RegExp(`Subtotal \\(usage \\+ adjustments\\)\\s+${escapeRe(inv.subtotal_usd)}\\s*$`, "m"),
    ],
    ["total", new RegExp(`Total USD\\s+${escapeRe(inv.total_usd)}\\s*$`, "m")],
  ];
  const flat = text.replace(/\s+/g, " ");
  for (const m of inv.lines.filter((l) => l.kind === "markup")) {
    must.push([
      "markup amount",
      new RegExp(`^\\s*Markup / discount: .*\\s${escapeRe(m.amount_usd)}\\s*$`, "m"),
    ]);
    if (!flat.includes(`Markup / discount: ${m.description}`)) out.push(`markup: no "${m.description}"`);
  }
  if (!inv.lines.some((l) => l.kind === "markup")) must.push(["no markup", /Markup \/ discount\s+none\s*$/m]);
  if (inv.lines.some((l) => l.kind === "adjustment")) must.push(["adjustments", /Adjustments: late usage/]);
  must.push([
    "unpriced",
    inv.unpriced.requests > 0 || inv.unpriced.tokens > 0
      ? new RegExp(
          `${escapeRe(groupDigits.format(inv.unpriced.requests))} requests, ${escapeRe(groupDigits.format(inv.unpriced.tokens))} tokens of models without a price: ${escapeRe(inv.unpriced.models.join(", "))}`,
        )
      : /None: every request in this period had a price/,
  ]);
  for (const [what, re] of must) if (!re.test(text)) out.push(`${what}: no match for ${re}`);
  return out;
}

/** The files of a zip (tests of the invoice zip). */
export function unzipFiles(zip: Uint8Array): Record<string, Uint8Array> {
  return unzipSync(zip);
}
