/**
 * The price catalog file format (prices/bedrock-prices.json, and user override files of the same
 * shape) and its expansion into store rows.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { DAY_PATTERN } from "@bedrock-chargeback/queries";
import { z } from "zod";
import { parseMicros } from "./money";

const amountSchema = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, 'a non-negative decimal string with at most 6 decimals, e.g. "3.75"');
const daySchema = z.string().regex(DAY_PATTERN, "a UTC day YYYY-MM-DD");
export const scopeSchema = z.enum(["in_region", "geographic", "global"]);

export const catalogEntrySchema = z.object({
  model: z.string().min(1),
  scopes: z.array(scopeSchema).min(1),
  regions: z.array(z.string().min(1)).min(1).default(["*"]),
  effective_from: daySchema,
  input: amountSchema,
  output: amountSchema,
  cache_read: amountSchema,
  cache_write: amountSchema,
  source: z.string().min(1),
});

export const catalogSchema = z.object({
  currency: z.literal("USD"),
  unit: z.literal("per_million_tokens"),
  reviewed: daySchema.optional(),
  sources: z.record(z.string(), z.string()).default({}),
  prices: z.array(catalogEntrySchema),
});
export type Catalog = z.infer<typeof catalogSchema>;
export type PriceOrigin = "catalog" | "pricelist" | "user" | "api";

/** One store row of `prices`, before insertion. */
export type PriceRowInput = {
  model: string;
  scope: string;
  region: string;
  effectiveFrom: string;
  currency: string;
  inputMicros: number;
  outputMicros: number;
  cacheReadMicros: number;
  cacheWriteMicros: number;
  source: string;
  origin: PriceOrigin;
  contentHash: string;
};

export const SHIPPED_CATALOG_PATH = fileURLToPath(
  new URL("../../prices/bedrock-prices.json", import.meta.url),
);

/** Reads and validates a catalog file; the error names the file and the bad field. */
export function loadCatalog(path: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`price file ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = catalogSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`price file ${path}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** Expands scopes × regions into rows; the content hash makes re-syncing idempotent. */
export function expandCatalog(catalog: Catalog, origin: PriceOrigin): PriceRowInput[] {
  const rows: PriceRowInput[] = [];
  for (const entry of catalog.prices) {
    for (const scope of entry.scopes) {
      for (const region of entry.regions) {
        const base = {
          model: entry.model,
          scope,
          region,
          effectiveFrom: entry.effective_from,
          currency: catalog.currency,
          inputMicros: Number(parseMicros(entry.input)),
          outputMicros: Number(parseMicros(entry.output)),
          cacheReadMicros: Number(parseMicros(entry.cache_read)),
          cacheWriteMicros: Number(parseMicros(entry.cache_write)),
          source: entry.source,
          origin,
        };
        rows.push({ ...base, contentHash: hashPrice(base) });
      }
    }
  }
  return rows;
}

function hashPrice(row: Omit<PriceRowInput, "contentHash">): string {
  return createHash("sha256").update(JSON.stringify(row)).digest("hex").slice(0, 32);
}
