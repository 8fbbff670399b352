/**
 * The Logs Insights rollup queries the collector runs: four token buckets, records and errors by
 * hour (or day, for the user / identity facets) and the rollup dimensions.
 *
 * Dedupe: Logs Insights QL allows only `limit` after `dedup`, so a `stats` rollup cannot dedupe
 * by requestId (CloudWatch delivery writes one event per invocation). Athena's rollup dedupes.
 * Errors: `failed` is 1 when errorCode is present and non-empty (Athena's and the raw path's
 * meaning, docs/rules.md rule 8); errors = sum(failed), requests = records − errors, and a failed
 * call's token counts are multiplied by 0.
 */
import { z } from "zod";
import {
  countTextSchema,
  DEFAULT_METADATA_KEYS,
  dayTextSchema,
  hourTextSchema,
  metadataKeysSchema,
  nullableTextSchema,
  parseRows,
} from "../common";
import { quote } from "../escape";
import { toInsightsRecords } from "./results";

export const insightsRollupParamsSchema = z.object({
  metadataKeys: metadataKeysSchema.default(DEFAULT_METADATA_KEYS),
});
export type InsightsRollupParams = z.input<typeof insightsRollupParamsSchema>;

const meta = (key: string) => quote(`requestMetadata.${key}`, "insights-field");

/**
 * 1 for a failed call (errorCode present and non-empty), else 0. Not `count(errorCode)`: that
 * counts every record that has the field, `""` included (docs/aws-facts.md §4). strlen, least and
 * coalesce are documented to return numbers; `isempty` returns a Boolean, unfit for arithmetic.
 */
export const INSIGHTS_FAILED_FIELD = `least(strlen(coalesce(errorCode, ${quote("", "insights-string")})), 1) as failed`;

/** `sum(<field> * (1 - failed))`: the field's sum over successful calls only (docs/rules.md rule 8). */
export function insightsSuccessSum(expr: string): string {
  return `sum(${expr} * (1 - failed))`;
}

function dimensionFields(keys: z.infer<typeof metadataKeysSchema>): string[] {
  return [
    "accountId as account",
    "region as aws_region",
    `${meta(keys.tenant)} as tenant`,
    `${meta(keys.application)} as application`,
    `${meta(keys.cost_center)} as cost_center`,
    `${meta(keys.environment)} as environment`,
    `${meta(keys.team)} as team`,
    "modelId as model_id",
    INSIGHTS_FAILED_FIELD,
  ];
}

const GROUP_DIMENSIONS = "account, aws_region, tenant, application, cost_center, environment, team, model_id";

const STATS = [
  "count(*) as records",
  "sum(failed) as errors",
  `${insightsSuccessSum("input.inputTokenCount")} as input_tokens`,
  `${insightsSuccessSum("output.outputTokenCount")} as output_tokens`,
  `${insightsSuccessSum("input.cacheReadInputTokenCount")} as cache_read_tokens`,
  `${insightsSuccessSum("input.cacheWriteInputTokenCount")} as cache_write_tokens`,
].join(",\n        ");

const FILTER = `filter schemaType = ${quote("ModelInvocationLog", "insights-string")} and ispresent(modelId)`;

/**
 * Hourly rollup: one row per hour × dimension tuple.
 * @example buildInsightsRollupQuery({}) // "filter schemaType = \"ModelInvocationLog\" …"
 */
export function buildInsightsRollupQuery(input: InsightsRollupParams = {}): string {
  const p = insightsRollupParamsSchema.parse(input);
  return [
    FILTER,
    `| fields ${dimensionFields(p.metadataKeys).join(",\n         ")}`,
    `| stats ${STATS}\n  by bin(1h), ${GROUP_DIMENSIONS}`,
  ].join("\n");
}

/**
 * Daily facets: one row per day × dimension tuple × user_id × identity.arn (the collector folds
 * it into the `user` and `identity` facets; one scan instead of two).
 */
export function buildInsightsFacetQuery(input: InsightsRollupParams = {}): string {
  const p = insightsRollupParamsSchema.parse(input);
  return [
    FILTER,
    `| fields ${[...dimensionFields(p.metadataKeys), `${meta(p.metadataKeys.user)} as user`, "identity.arn as identity"].join(",\n         ")}`,
    `| stats ${STATS}\n  by bin(1d), ${GROUP_DIMENSIONS}, user, identity`,
  ].join("\n");
}

const dimensionShape = {
  account: nullableTextSchema,
  aws_region: nullableTextSchema,
  tenant: nullableTextSchema,
  application: nullableTextSchema,
  cost_center: nullableTextSchema,
  environment: nullableTextSchema,
  team: nullableTextSchema,
  model_id: z.string().min(1),
  records: countTextSchema,
  errors: countTextSchema,
  input_tokens: countTextSchema,
  output_tokens: countTextSchema,
  cache_read_tokens: countTextSchema,
  cache_write_tokens: countTextSchema,
};

function toCounters<T extends { records: number; errors: number }>(row: T, ctx: z.RefinementCtx) {
  const { records, ...rest } = row;
  if (row.errors > records) {
    ctx.addIssue({ code: "custom", message: `errors (${row.errors}) exceed records (${records})` });
  }
  return { ...rest, requests: Math.max(0, records - row.errors) };
}

export const insightsRollupRowSchema = z
  .object({ "bin(1h)": hourTextSchema, ...dimensionShape })
  .transform(({ "bin(1h)": hour, aws_region, ...rest }, ctx) =>
    toCounters({ hour, region: aws_region, ...rest }, ctx),
  );
export type InsightsRollupRow = z.output<typeof insightsRollupRowSchema>;

export const insightsFacetRowSchema = z
  .object({
    "bin(1d)": dayTextSchema,
    ...dimensionShape,
    user: nullableTextSchema,
    identity: nullableTextSchema,
  })
  .transform(({ "bin(1d)": day, aws_region, ...rest }, ctx) =>
    toCounters({ day, region: aws_region, ...rest }, ctx),
  );
export type InsightsFacetRow = z.output<typeof insightsFacetRowSchema>;

const ROLLUP_FIELDS = ["bin(1h)", ...Object.keys(dimensionShape)];
const FACET_FIELDS = ["bin(1d)", ...Object.keys(dimensionShape), "user", "identity"];

/** GetQueryResults.results of the rollup query → validated rows (missing fields are null / 0). */
export function parseInsightsRollupResults(results: unknown): InsightsRollupRow[] {
  return parseRows(toInsightsRecords(results, ROLLUP_FIELDS), insightsRollupRowSchema);
}

/** GetQueryResults.results of the facet query → validated rows. */
export function parseInsightsFacetResults(results: unknown): InsightsFacetRow[] {
  return parseRows(toInsightsRecords(results, FACET_FIELDS), insightsFacetRowSchema);
}
