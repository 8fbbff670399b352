/** zod at the edge: validation failures become 400 `bad_request` with a readable message. */
import { type Dimension, parseDimension } from "@bedrock-chargeback/collector";
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { z } from "zod";
import { badRequest } from "./errors";

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.map(String).join(".")}: ${i.message}` : i.message))
    .join("; ");
}

export function validate<T extends keyof ValidationTargets, S extends z.ZodType>(target: T, schema: S) {
  return zValidator(target, schema, (result) => {
    if (!result.success) throw badRequest(formatIssues(result.error.issues));
  });
}

export const HOUR_OR_DAY = /^\d{4}-\d{2}-\d{2}(T\d{2}:00:00Z)?$/;
export const timeBound = z.string().regex(HOUR_OR_DAY, "expected YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z");
export const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected a UTC day YYYY-MM-DD");
export const monthSchema = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month YYYY-MM");
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
  const out: Dimension[] = [];
  for (const name of (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const dim = parseDimension(name);
    if (!dim) {
      ctx.addIssue({
        code: "custom",
        path: ["group_by"],
        message: `unknown dimension ${JSON.stringify(name)} (tenant, application, cost_center, environment, team, model, region, account, model_id, scope, user, identity, meta:<key>)`,
      });
    } else if (!out.includes(dim)) out.push(dim);
  }
  if (out.length > 6) ctx.addIssue({ code: "custom", path: ["group_by"], message: "at most 6 dimensions" });
  return out;
}
