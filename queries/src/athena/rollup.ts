/**
 * The Athena rollup SQL the collector runs. Partition pruning on `datehour` (the delivery folder)
 * with slack on both sides, then the record's own timestamp decides the hour (docs/rules.md rule 7).
 * Duplicates of a requestId count once; errors (errorCode present and non-empty) carry no tokens.
 */
import { z } from "zod";
import {
  countTextSchema,
  DEFAULT_METADATA_KEYS,
  dayTextSchema,
  hourSchema,
  hourTextSchema,
  type MetadataKeys,
  metadataKeysSchema,
  nullableTextSchema,
} from "../common";
import { quote } from "../escape";
import { glueNameSchema } from "./ddl";
import { parseAthenaRows } from "./results";

export const athenaRollupParamsSchema = z
  .object({
    database: glueNameSchema.default("bedrock_logs"),
    table: glueNameSchema.default("bedrock_invocation_logs"),
    /** Inclusive start hour (UTC). */
    from: hourSchema,
    /** Exclusive end hour (UTC). */
    to: hourSchema,
    metadataKeys: metadataKeysSchema.default(DEFAULT_METADATA_KEYS),
    /** Delivery folders scanned before `from` (clock skew, folder-hour doubts). */
    partitionLeadHours: z.number().int().min(0).max(48).default(1),
    /** Delivery folders scanned after `to`, for records delivered late. */
    partitionLagHours: z.number().int().min(0).max(168).default(3),
  })
  .refine((p) => p.from < p.to, "`from` must be before `to`");
export type AthenaRollupParams = z.input<typeof athenaRollupParamsSchema>;

/** `2026-01-15T12:00:00Z` shifted by `hours` → `2026/01/15/12` (the projection's format). */
export function datehourOf(hour: string, shiftHours = 0): string {
  const d = new Date(Date.parse(hour) + shiftHours * 3_600_000).toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(11, 13)}`;
}

export function qualifiedTable(database: string, table: string): string {
  return `${quote(database, "athena-identifier")}.${quote(table, "athena-identifier")}`;
}

/** The deduplicated, windowed records every rollup starts from. */
export function athenaRecordsCte(p: z.output<typeof athenaRollupParamsSchema>): string {
  const lit = (v: string) => quote(v, "athena-string");
  return `WITH copies AS (
  SELECT accountId, region, requestId, operation, modelId, errorCode, identity, requestMetadata, input, output,
         from_iso8601_timestamp("timestamp") AS ts,
         row_number() OVER (PARTITION BY requestId ORDER BY datehour, "timestamp") AS copy
  FROM ${qualifiedTable(p.database, p.table)}
  WHERE datehour BETWEEN ${lit(datehourOf(p.from, -p.partitionLeadHours))} AND ${lit(datehourOf(p.to, p.partitionLagHours))}
    AND schemaType = ${lit("ModelInvocationLog")}
    AND requestId IS NOT NULL AND modelId IS NOT NULL AND "timestamp" IS NOT NULL
),
records AS (
  SELECT *, coalesce(errorCode, '') <> '' AS failed
  FROM copies
  WHERE copy = 1
    AND ts >= from_iso8601_timestamp(${lit(p.from)})
    AND ts < from_iso8601_timestamp(${lit(p.to)})
)`;
}

/** `element_at` yields NULL for a missing key where `m['k']` would fail the query. */
export function athenaMeta(key: string): string {
  return `element_at(requestMetadata, ${quote(key, "athena-string")})`;
}

function dimensionSelect(keys: MetadataKeys): string {
  return [
    "accountId AS account",
    "region",
    `${athenaMeta(keys.tenant)} AS tenant`,
    `${athenaMeta(keys.application)} AS application`,
    `${athenaMeta(keys.cost_center)} AS cost_center`,
    `${athenaMeta(keys.environment)} AS environment`,
    `${athenaMeta(keys.team)} AS team`,
    "modelId AS model_id",
  ].join(",\n       ");
}

/** The four token buckets, zero for failed calls (docs/rules.md rules 1 and 8). */
export const ATHENA_COUNTERS = `count_if(NOT failed) AS requests,
       count_if(failed) AS errors,
       sum(IF(failed, 0, coalesce(input.inputTokenCount, 0))) AS input_tokens,
       sum(IF(failed, 0, coalesce(output.outputTokenCount, 0))) AS output_tokens,
       sum(IF(failed, 0, coalesce(input.cacheReadInputTokenCount, 0))) AS cache_read_tokens,
       sum(IF(failed, 0, coalesce(input.cacheWriteInputTokenCount, 0))) AS cache_write_tokens`;

/**
 * Hourly rollup over [from, to).
 * @example buildAthenaRollupSql({ from: "2026-01-01T00:00:00Z", to: "2026-01-02T00:00:00Z" })
 */
export function buildAthenaRollupSql(input: AthenaRollupParams): string {
  const p = athenaRollupParamsSchema.parse(input);
  return `${athenaRecordsCte(p)}
SELECT date_format(date_trunc('hour', ts AT TIME ZONE 'UTC'), '%Y-%m-%dT%H:00:00Z') AS hour,
       ${dimensionSelect(p.metadataKeys)},
       ${ATHENA_COUNTERS}
FROM records
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ORDER BY 1`;
}

/**
 * Daily facts over whole days [from, to): per day × dimension tuple × user_id × identity.arn, so
 * each record is in exactly one row (the store's usage_facts; docs/adr/0011-usage-facts.md).
 */
export function buildAthenaFacetSql(input: AthenaRollupParams): string {
  const p = athenaRollupParamsSchema.parse(input);
  return `${athenaRecordsCte(p)}
SELECT date_format(ts AT TIME ZONE 'UTC', '%Y-%m-%d') AS day,
       ${dimensionSelect(p.metadataKeys)},
       ${athenaMeta(p.metadataKeys.user)} AS user_id,
       identity.arn AS identity_arn,
       ${ATHENA_COUNTERS}
FROM records
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
ORDER BY 1`;
}

const dims = {
  account: nullableTextSchema,
  region: nullableTextSchema,
  tenant: nullableTextSchema,
  application: nullableTextSchema,
  cost_center: nullableTextSchema,
  environment: nullableTextSchema,
  team: nullableTextSchema,
  model_id: z.string().min(1),
};
const counters = {
  requests: countTextSchema,
  errors: countTextSchema,
  input_tokens: countTextSchema,
  output_tokens: countTextSchema,
  cache_read_tokens: countTextSchema,
  cache_write_tokens: countTextSchema,
};

export const athenaRollupRowSchema = z.object({ hour: hourTextSchema, ...dims, ...counters });
export type AthenaRollupRow = z.output<typeof athenaRollupRowSchema>;
export const ATHENA_ROLLUP_COLUMNS = Object.keys(athenaRollupRowSchema.shape);

export const athenaFacetRowSchema = z.object({
  day: dayTextSchema,
  ...dims,
  user_id: nullableTextSchema,
  identity_arn: nullableTextSchema,
  ...counters,
});
export type AthenaFacetRow = z.output<typeof athenaFacetRowSchema>;
export const ATHENA_FACET_COLUMNS = Object.keys(athenaFacetRowSchema.shape);

/** Result pages of the rollup SQL (first page starts with the header row) → validated rows. */
export function parseAthenaRollupPages(pages: readonly unknown[]): AthenaRollupRow[] {
  return parseAthenaRows(pages, ATHENA_ROLLUP_COLUMNS, athenaRollupRowSchema);
}

export function parseAthenaFacetPages(pages: readonly unknown[]): AthenaFacetRow[] {
  return parseAthenaRows(pages, ATHENA_FACET_COLUMNS, athenaFacetRowSchema);
}
