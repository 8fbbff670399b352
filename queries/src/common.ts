/**
 * Shared pieces of the query builders: which requestMetadata keys feed which dimension, time
 * bounds, and exact parsing of the numbers AWS returns as text.
 */
import { z } from "zod";

/** requestMetadata keys as Bedrock allows them (docs/aws-facts.md §2). */
export const metadataKeySchema = z
  .string()
  .regex(/^[a-zA-Z0-9\s:_@$#=/+,.-]{1,256}$/, "not a valid requestMetadata key");

/** Which requestMetadata key feeds which dimension. The one default: the collector uses it too. */
export const metadataKeysSchema = z.object({
  tenant: metadataKeySchema,
  application: metadataKeySchema,
  cost_center: metadataKeySchema,
  environment: metadataKeySchema,
  team: metadataKeySchema,
  user: metadataKeySchema,
});
export type MetadataKeys = z.infer<typeof metadataKeysSchema>;

export const DEFAULT_METADATA_KEYS: MetadataKeys = {
  tenant: "tenant_id",
  application: "application_name",
  cost_center: "cost_center",
  environment: "environment",
  team: "team",
  user: "user_id",
};

/**
 * The shapes of a UTC day, hour boundary and month, written once for every package (queries is the
 * lowest layer). Calendar and range checks on user input are ledger/src/user-input.ts's.
 */
export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
export const HOUR_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$/;
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A UTC hour boundary `YYYY-MM-DDTHH:00:00Z`. */
export const hourSchema = z.string().regex(HOUR_PATTERN, "expected YYYY-MM-DDTHH:00:00Z (UTC)");

/** The rollup's dimension columns, in the order every rollup query returns them. */
export const ROLLUP_COLUMNS = [
  "account",
  "region",
  "tenant",
  "application",
  "cost_center",
  "environment",
  "team",
  "model_id",
] as const;

/** The counter columns; `records` (Logs Insights) or `requests` (Athena) is added per engine. */
export const TOKEN_COLUMNS = [
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
] as const;

/**
 * Parses a count returned as text ("42", "42.0", "4.2E1") exactly; refuses fractions, negatives
 * and values beyond 2^53 rather than rounding.
 * @example parseExactCount("1.5E3") // 1500
 */
export function parseExactCount(text: string): number | undefined {
  const m = /^\+?(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const [, whole = "", frac = "", exp = "0"] = m;
  const shift = Number(exp);
  if (!Number.isSafeInteger(shift) || Math.abs(shift) > 400) return undefined;
  const digits = `${whole}${frac}`;
  const point = whole.length + shift;
  let intPart = digits.slice(0, Math.max(0, point));
  if (point > digits.length) intPart += "0".repeat(point - digits.length);
  const fracPart = digits.slice(Math.max(0, point));
  if (/[1-9]/.test(fracPart)) return undefined;
  const value = BigInt(intPart === "" ? "0" : intPart);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(value);
}

/** A zod schema for a count sent as text; a missing value (null) is 0. */
export const countTextSchema = z
  .string()
  .nullable()
  .transform((text, ctx) => {
    if (text === null || text === "") return 0;
    const n = parseExactCount(text);
    if (n === undefined) {
      ctx.addIssue({ code: "custom", message: `not an exact non-negative integer: ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return n;
  });

/** A text cell; AWS omits a field or cell for null. */
export const nullableTextSchema = z.string().nullable();

/** Logs Insights time bins ("2026-01-15 12:00:00.000") and Athena hours → `YYYY-MM-DDTHH:00:00Z`. */
export const hourTextSchema = z.string().transform((text, ctx) => {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):00(?::00(?:\.0+)?)?(?:Z|\s?UTC|\+00:00)?$/.exec(text.trim());
  if (!m) {
    ctx.addIssue({ code: "custom", message: `not an hour: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return `${m[1]}T${m[2]}:00:00Z`;
});

/** A day from a `bin(1d)` value ("2026-01-15 00:00:00.000") or a plain `YYYY-MM-DD`. */
export const dayTextSchema = z.string().transform((text, ctx) => {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?(?:Z|\s?UTC|\+00:00)?)?$/.exec(text.trim());
  if (!m?.[1]) {
    ctx.addIssue({ code: "custom", message: `not a day: ${JSON.stringify(text)}` });
    return z.NEVER;
  }
  return m[1];
});

/** A row from AWS that did not match its query's row schema. */
export class QueryRowError extends Error {
  readonly retryable = false;
  constructor(
    message: string,
    readonly rowIndex: number,
  ) {
    super(message);
    this.name = "QueryRowError";
  }
}

/** Validates each row against `schema`, naming the row and field on the first mismatch. */
export function parseRows<S extends z.ZodType>(
  rows: readonly Record<string, string | null>[],
  schema: S,
): z.output<S>[] {
  return rows.map((row, i) => {
    const parsed = schema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new QueryRowError(
        `row ${i}: ${issue?.path.join(".") || "row"}: ${issue?.message ?? "invalid"}`,
        i,
      );
    }
    return parsed.data;
  });
}
