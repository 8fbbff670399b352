/**
 * How the bill names Bedrock usage → the ledger's base model ids and Regions
 * (prices/bill-names.json, reviewed data with sources). A user file of the same shape is merged
 * over it, so an (inference) entry that is wrong for an account is fixed without code.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const entry = z.object({ model: z.string().min(1), source: z.string().min(1) });
export const billNamesSchema = z.object({
  regionPrefixes: z.record(z.string(), z.string()).default({}),
  bedrockModelTokens: z.record(z.string(), entry).default({}),
  marketplaceProducts: z.record(z.string(), entry).default({}),
});
export type BillNames = z.infer<typeof billNamesSchema>;

export const SHIPPED_BILL_NAMES_PATH = fileURLToPath(
  new URL("../../prices/bill-names.json", import.meta.url),
);

/** Reads a bill-names file; the error names the file and the bad field. */
export function loadBillNames(path: string): BillNames {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`bill names ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = billNamesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`bill names ${path}: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** The shipped table, with `overridePath`'s entries winning. */
export function billNames(overridePath?: string): BillNames {
  const shipped = loadBillNames(SHIPPED_BILL_NAMES_PATH);
  if (!overridePath) return shipped;
  const user = loadBillNames(overridePath);
  return {
    regionPrefixes: { ...shipped.regionPrefixes, ...user.regionPrefixes },
    bedrockModelTokens: { ...shipped.bedrockModelTokens, ...user.bedrockModelTokens },
    marketplaceProducts: { ...shipped.marketplaceProducts, ...user.marketplaceProducts },
  };
}
