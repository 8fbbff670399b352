/**
 * The console collection: the questions users ask, for Logs Insights and/or Athena. Each query
 * is a builder (params → text) plus the columns it returns, so `chargeback query <name>` can run
 * it and check the header, and a user can paste the printed text into the console.
 * Logs Insights takes its time range from the console / StartQuery; Athena's is in the SQL.
 */
import { z } from "zod";
import { glueNameSchema } from "./athena/ddl";
import { ATHENA_COUNTERS, athenaMeta, athenaRecordsCte, athenaRollupParamsSchema } from "./athena/rollup";
import {
  DEFAULT_METADATA_KEYS,
  hourSchema,
  type MetadataKeys,
  metadataKeySchema,
  metadataKeysSchema,
} from "./common";
import { quote } from "./escape";

export const consoleParamsSchema = z.object({
  metadataKeys: metadataKeysSchema.default(DEFAULT_METADATA_KEYS),
  database: glueNameSchema.default("bedrock_logs"),
  table: glueNameSchema.default("bedrock_invocation_logs"),
  /** Athena only: inclusive start hour (UTC). */
  from: hourSchema.default("2026-01-01T00:00:00Z"),
  /** Athena only: exclusive end hour (UTC). */
  to: hourSchema.default("2026-02-01T00:00:00Z"),
  /** Rows for the top-N queries. */
  top: z.number().int().min(1).max(10_000).default(20),
  /** large-requests: input tokens at or above this. */
  minInputTokens: z.number().int().min(0).default(10_000),
  /** output-size-distribution: bucket width in tokens. */
  bucketSize: z.number().int().min(1).default(256),
  experimentKey: metadataKeySchema.default("experiment_id"),
  variantKey: metadataKeySchema.default("variant"),
});
export type ConsoleParamsInput = z.input<typeof consoleParamsSchema>;
export type ConsoleParams = z.output<typeof consoleParamsSchema>;

export type Engine = "logs-insights" | "athena";
export type EngineQuery = { build: (p: ConsoleParams) => string; columns: readonly string[] };
export type ConsoleQuery = {
  name: string;
  title: string;
  description: string;
  "logs-insights"?: EngineQuery;
  athena?: EngineQuery;
};

// ---- Logs Insights pieces -------------------------------------------------------------------
const INSIGHTS_FILTER = `filter schemaType = ${quote("ModelInvocationLog", "insights-string")}`;
const im = (key: string) => quote(`requestMetadata.${key}`, "insights-field");
const INSIGHTS_COUNTERS = [
  "count(*) as records",
  "count(errorCode) as errors",
  "sum(input.inputTokenCount) as input_tokens",
  "sum(output.outputTokenCount) as output_tokens",
  "sum(input.cacheReadInputTokenCount) as cache_read_tokens",
  "sum(input.cacheWriteInputTokenCount) as cache_write_tokens",
].join(", ");
const INSIGHTS_COUNTER_COLUMNS = [
  "records",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
];
const INSIGHTS_TOTAL =
  "sum(coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0) + coalesce(input.cacheReadInputTokenCount, 0) + coalesce(input.cacheWriteInputTokenCount, 0)) as total_tokens";

type Dim = {
  insights: (k: MetadataKeys, p: ConsoleParams) => string;
  athena: (k: MetadataKeys, p: ConsoleParams) => string;
};
const DIMS = {
  application: { insights: (k) => im(k.application), athena: (k) => athenaMeta(k.application) },
  tenant: { insights: (k) => im(k.tenant), athena: (k) => athenaMeta(k.tenant) },
  cost_center: { insights: (k) => im(k.cost_center), athena: (k) => athenaMeta(k.cost_center) },
  team: { insights: (k) => im(k.team), athena: (k) => athenaMeta(k.team) },
  user: { insights: (k) => im(k.user), athena: (k) => athenaMeta(k.user) },
  identity: { insights: () => "identity.arn", athena: () => "identity.arn" },
  model_id: { insights: () => "modelId", athena: () => "modelId" },
  experiment: { insights: (_k, p) => im(p.experimentKey), athena: (_k, p) => athenaMeta(p.experimentKey) },
  variant: { insights: (_k, p) => im(p.variantKey), athena: (_k, p) => athenaMeta(p.variantKey) },
} satisfies Record<string, Dim>;
type DimName = keyof typeof DIMS;

function insightsBreakdown(dims: DimName[], opts: { sort?: string; limit?: boolean } = {}): EngineQuery {
  return {
    build: (p) =>
      [
        INSIGHTS_FILTER,
        `| fields ${dims.map((d) => `${DIMS[d].insights(p.metadataKeys, p)} as ${d}`).join(", ")}`,
        `| stats ${INSIGHTS_COUNTERS}, ${INSIGHTS_TOTAL} by ${dims.join(", ")}`,
        `| sort ${opts.sort ?? "total_tokens"} desc`,
        ...(opts.limit ? [`| limit ${p.top}`] : []),
      ].join("\n"),
    columns: [...dims, ...INSIGHTS_COUNTER_COLUMNS, "total_tokens"],
  };
}

// ---- Athena pieces --------------------------------------------------------------------------
const ATHENA_COUNTER_COLUMNS = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
];
const ATHENA_TOTAL = `sum(IF(failed, 0, coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0)
         + coalesce(input.cacheReadInputTokenCount, 0) + coalesce(input.cacheWriteInputTokenCount, 0))) AS total_tokens`;

function cte(p: ConsoleParams): string {
  return athenaRecordsCte(
    athenaRollupParamsSchema.parse({ database: p.database, table: p.table, from: p.from, to: p.to }),
  );
}

function athenaBreakdown(dims: DimName[], opts: { limit?: boolean } = {}): EngineQuery {
  return {
    build: (p) =>
      `${cte(p)}
SELECT ${dims.map((d) => `${DIMS[d].athena(p.metadataKeys, p)} AS ${d}`).join(",\n       ")},
       ${ATHENA_COUNTERS},
       ${ATHENA_TOTAL}
FROM records
GROUP BY ${dims.map((_, i) => i + 1).join(", ")}
ORDER BY total_tokens DESC${opts.limit ? `\nLIMIT ${p.top}` : ""}`,
    columns: [...dims, ...ATHENA_COUNTER_COLUMNS, "total_tokens"],
  };
}

function trend(
  unit: "1h" | "1d" | "1mo",
  athenaFormat: string,
  column: string,
  dims: DimName[] = [],
): Pick<ConsoleQuery, "logs-insights" | "athena"> {
  return {
    "logs-insights": {
      build: (p) =>
        [
          INSIGHTS_FILTER,
          ...(dims.length
            ? [`| fields ${dims.map((d) => `${DIMS[d].insights(p.metadataKeys, p)} as ${d}`).join(", ")}`]
            : []),
          `| stats ${INSIGHTS_COUNTERS} by bin(${unit})${dims.map((d) => `, ${d}`).join("")}`,
        ].join("\n"),
      columns: [`bin(${unit})`, ...dims, ...INSIGHTS_COUNTER_COLUMNS],
    },
    athena: {
      build: (p) =>
        `${cte(p)}
SELECT date_format(ts AT TIME ZONE 'UTC', ${quote(athenaFormat, "athena-string")}) AS ${column},
${dims.map((d) => `       ${DIMS[d].athena(p.metadataKeys, p)} AS ${d},\n`).join("")}       ${ATHENA_COUNTERS}
FROM records
GROUP BY ${[column, ...dims].map((_, i) => i + 1).join(", ")}
ORDER BY 1`,
      columns: [column, ...dims, ...ATHENA_COUNTER_COLUMNS],
    },
  };
}

/** The collection, in the order `chargeback query --list` shows it. */
export const CONSOLE_QUERIES: readonly ConsoleQuery[] = [
  {
    name: "tokens-by-application",
    title: "Tokens by application",
    description: "The four token buckets, requests and errors per application_name.",
    "logs-insights": insightsBreakdown(["application"]),
    athena: athenaBreakdown(["application"]),
  },
  {
    name: "tokens-by-tenant-application",
    title: "Tokens by tenant × application",
    description: "Who uses which application: token buckets per tenant_id × application_name.",
    "logs-insights": insightsBreakdown(["tenant", "application"]),
    athena: athenaBreakdown(["tenant", "application"]),
  },
  {
    name: "tokens-by-cost-center-team",
    title: "Tokens by cost center × team",
    description: "Token buckets per cost_center × team, for showback to budget owners.",
    "logs-insights": insightsBreakdown(["cost_center", "team"]),
    athena: athenaBreakdown(["cost_center", "team"]),
  },
  {
    name: "hourly-trend",
    title: "Hourly trend",
    description: "Requests, errors and token buckets per UTC hour.",
    ...trend("1h", "%Y-%m-%dT%H:00:00Z", "hour"),
  },
  {
    name: "daily-trend",
    title: "Daily trend by model",
    description: "Requests, errors and token buckets per UTC day and model id.",
    ...trend("1d", "%Y-%m-%d", "day", ["model_id"]),
  },
  {
    name: "top-tenants",
    title: "Top tenants",
    description: "The tenants with the most tokens (all four buckets), top N.",
    "logs-insights": insightsBreakdown(["tenant"], { limit: true }),
    athena: athenaBreakdown(["tenant"], { limit: true }),
  },
  {
    name: "top-users",
    title: "Top users",
    description: "The user_id values with the most tokens, top N (per tenant).",
    "logs-insights": insightsBreakdown(["tenant", "user"], { limit: true }),
    athena: athenaBreakdown(["tenant", "user"], { limit: true }),
  },
  {
    name: "large-requests",
    title: "Large requests",
    description:
      "Single invocations with at least `minInputTokens` input tokens, largest first (deduplicated by requestId).",
    "logs-insights": {
      build: (p) =>
        [
          INSIGHTS_FILTER,
          `| filter input.inputTokenCount >= ${p.minInputTokens}`,
          `| fields @timestamp as time, requestId as request_id, modelId as model_id, ${im(p.metadataKeys.tenant)} as tenant, ${im(p.metadataKeys.application)} as application, identity.arn as identity, input.inputTokenCount as input_tokens, output.outputTokenCount as output_tokens`,
          "| sort input_tokens desc",
          "| dedup request_id",
          `| limit ${p.top}`,
        ].join("\n"),
      columns: [
        "time",
        "request_id",
        "model_id",
        "tenant",
        "application",
        "identity",
        "input_tokens",
        "output_tokens",
      ],
    },
    athena: {
      build: (p) =>
        `${cte(p)}
SELECT to_iso8601(ts) AS time, requestId AS request_id, modelId AS model_id,
       ${athenaMeta(p.metadataKeys.tenant)} AS tenant, ${athenaMeta(p.metadataKeys.application)} AS application,
       identity.arn AS identity, input.inputTokenCount AS input_tokens, output.outputTokenCount AS output_tokens
FROM records
WHERE NOT failed AND input.inputTokenCount >= ${p.minInputTokens}
ORDER BY input.inputTokenCount DESC
LIMIT ${p.top}`,
      columns: [
        "time",
        "request_id",
        "model_id",
        "tenant",
        "application",
        "identity",
        "input_tokens",
        "output_tokens",
      ],
    },
  },
  {
    name: "output-size-distribution",
    title: "Output size distribution",
    description: "How many successful requests fall in each output-token bucket of `bucketSize` tokens.",
    "logs-insights": {
      build: (p) =>
        [
          INSIGHTS_FILTER,
          "| filter not ispresent(errorCode)",
          `| fields floor(coalesce(output.outputTokenCount, 0) / ${p.bucketSize}) * ${p.bucketSize} as bucket_start`,
          "| stats count(*) as requests by bucket_start",
          "| sort bucket_start asc",
        ].join("\n"),
      columns: ["bucket_start", "requests"],
    },
    athena: {
      build: (p) =>
        `${cte(p)}
SELECT (coalesce(output.outputTokenCount, 0) / ${p.bucketSize}) * ${p.bucketSize} AS bucket_start, count(*) AS requests
FROM records
WHERE NOT failed
GROUP BY 1
ORDER BY 1`,
      columns: ["bucket_start", "requests"],
    },
  },
  {
    name: "experiment-variants",
    title: "A/B experiments",
    description:
      "Token buckets per experiment × variant × model (metadata keys `experimentKey`, `variantKey`).",
    "logs-insights": insightsBreakdown(["experiment", "variant", "model_id"], { sort: "experiment" }),
    athena: athenaBreakdown(["experiment", "variant", "model_id"]),
  },
  {
    name: "identity-application-tenant",
    title: "Identity × application × tenant",
    description:
      "Which IAM principal (identity.arn) calls for which application and tenant; finds untagged callers.",
    "logs-insights": insightsBreakdown(["identity", "application", "tenant"]),
    athena: athenaBreakdown(["identity", "application", "tenant"]),
  },
  {
    name: "monthly-tenant-billing",
    title: "Monthly tenant billing",
    description: "Token buckets per UTC month × tenant × model id: the quantities a tenant invoice prices.",
    ...trend("1mo", "%Y-%m", "month", ["tenant", "model_id"]),
  },
];

export class UnknownQueryError extends Error {
  readonly retryable = false;
}

/** Finds a console query and builds its text for `engine`. */
export function buildConsoleQuery(
  name: string,
  engine: Engine,
  input: ConsoleParamsInput = {},
): { text: string; columns: readonly string[] } {
  const query = CONSOLE_QUERIES.find((q) => q.name === name);
  if (!query) {
    throw new UnknownQueryError(
      `unknown query ${JSON.stringify(name)}; known: ${CONSOLE_QUERIES.map((q) => q.name).join(", ")}`,
    );
  }
  const builder = query[engine];
  if (!builder) throw new UnknownQueryError(`query ${name} has no ${engine} form`);
  const params = consoleParamsSchema.parse(input);
  if (engine === "athena" && params.from >= params.to)
    throw new UnknownQueryError("`from` must be before `to`");
  return { text: builder.build(params), columns: builder.columns };
}
