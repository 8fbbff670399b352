/**
 * Request schemas shared by the routes, and the readable message of a failed validation (the
 * routes' validation hook in api/src/openapi.ts turns it into a 400 `bad_request`).
 */
import { type Dimension, parseDimension, parseDimensionList } from "@bedrock-chargeback/ledger";
import { z } from "zod";

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Days, hours and months: one parser for the API and the CLI (ledger/src/user-input.ts). */
export { daySchema, monthSchema, timeBoundSchema as timeBound } from "@bedrock-chargeback/ledger";
export const usdSchema = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,6})?$/, 'expected a USD amount like "1000.00" (≤ 6 decimals)');
/** Filters use this value for "the metadata was missing". */
export const NULL_VALUE = "__null__";

export type Filters = Partial<Record<Dimension, (string | null)[]>>;

/**
 * Every query parameter that names a dimension is a filter (repeatable); anything else not in
 * `reserved` is an error, so a typo never silently widens a query.
 */
export function extractFilters(
  query: Record<string, unknown>,
  reserved: ReadonlySet<string>,
  ctx: z.RefinementCtx,
): Filters {
  const filters: Record<string, (string | null)[]> = {};
  for (const [name, raw] of Object.entries(query)) {
    if (reserved.has(name)) continue;
    const dim = parseDimension(name);
    if (!dim) {
      ctx.addIssue({ code: "custom", path: [name], message: "unknown query parameter (not a dimension)" });
      continue;
    }
    const values = Array.isArray(raw) ? raw : [raw];
    const out: (string | null)[] = [];
    for (const v of values) {
      if (typeof v !== "string") ctx.addIssue({ code: "custom", path: [name], message: "expected a string" });
      else out.push(v === NULL_VALUE ? null : v);
    }
    filters[dim] = out;
  }
  return filters;
}

export function parseGroupBy(value: string | undefined, ctx: z.RefinementCtx): Dimension[] {
  const parsed = parseDimensionList(value ?? "");
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: "custom", path: ["group_by"], message: parsed.message });
  return [];
}
