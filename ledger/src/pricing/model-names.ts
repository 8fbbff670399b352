/**
 * The ONE reviewed table from the names AWS gives Bedrock models to the ledger's base model ids
 * (ledger/prices/model-names.json, data with a source per entry). The Price List parser reads
 * `priceListModels` and `marketplaceProducts` (price-list.ts); the bill mapper reads
 * `marketplaceProducts`, `bedrockModelTokens` and `regionPrefixes` (reconcile/bill.ts). A user file
 * of the same shape is merged over it for `reconcile --bill-names`, so an (inference) entry that is
 * wrong for an account is fixed without code. Invariants: model-names.test.ts.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const entry = z.object({ model: z.string().min(1), source: z.string().min(1) });
const names = z.record(z.string().min(1), entry).default({});

export const modelNamesSchema = z.object({
  sources: z.record(z.string(), z.string()).default({}),
  regionPrefixes: z.record(z.string(), z.string()).default({}),
  /** Price List `model` / `titanModel` display names (AmazonBedrock, AmazonBedrockService). */
  priceListModels: names,
  /** Price List `servicename` (AmazonBedrockFoundationModels) = CUR product name = Cost Explorer SERVICE. */
  marketplaceProducts: names,
  /** The model part of an AmazonBedrock usage type, `USE1-<token>-input-tokens`. */
  bedrockModelTokens: names,
});
export type ModelNameTable = z.infer<typeof modelNamesSchema>;

/** What the bill mapper reads of the table. */
export type BillNames = Pick<ModelNameTable, "regionPrefixes" | "bedrockModelTokens" | "marketplaceProducts">;

export const MODEL_NAMES_PATH = fileURLToPath(new URL("../../prices/model-names.json", import.meta.url));

/** Reads a name table file; the error names the file and the bad field. */
export function loadModelNames(path = MODEL_NAMES_PATH): ModelNameTable {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`model names ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = modelNamesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`model names ${path}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The shipped table, with `overridePath`'s entries winning (the bill mapper's view). */
export function billNames(overridePath?: string): BillNames {
  const shipped = loadModelNames();
  if (!overridePath) return shipped;
  const user = loadModelNames(overridePath);
  return {
    regionPrefixes: { ...shipped.regionPrefixes, ...user.regionPrefixes },
    bedrockModelTokens: { ...shipped.bedrockModelTokens, ...user.bedrockModelTokens },
    marketplaceProducts: { ...shipped.marketplaceProducts, ...user.marketplaceProducts },
  };
}

/** The id a Price List SKU's display name or Marketplace servicename maps to, or undefined (listed as unknown). */
export function modelIdOf(table: ModelNameTable, attributes: Record<string, string>): string | undefined {
  const byModel = attributes.model ?? attributes.titanModel;
  if (byModel && Object.hasOwn(table.priceListModels, byModel)) return table.priceListModels[byModel]?.model;
  const service = attributes.servicename;
  if (service && Object.hasOwn(table.marketplaceProducts, service))
    return table.marketplaceProducts[service]?.model;
  return undefined;
}
