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
import { INSIGHTS_FAILED_FIELD, insightsSuccessSum } from "./logs-insights/rollup";

/** A value a filter compares for equality (a requestMetadata value or a model id); escaped by `quote`. */
const filterValueSchema = z.string().min(1).max(2048);

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
  /** application-detail (required), filtered-breakdown: only this application_name. */
  application: filterValueSchema.optional(),
  /** filtered-breakdown: only this tenant_id. */
  tenant: filterValueSchema.optional(),
  /** filtered-breakdown: only this environment. */
  environment: filterValueSchema.optional(),
  /** filtered-breakdown: only this cost_center. */
  costCenter: filterValueSchema.optional(),
  /** filtered-breakdown: only this modelId, as logged (an inference-profile prefix included). */
  model: filterValueSchema.optional(),
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
  /** The filter params this query applies (ANDed); any other filter param is refused, never ignored. */
  filters?: readonly FilterName[];
  /** Filter params the query cannot run without. */
  requires?: readonly FilterName[];
  /** Params for the README's example text (the required ones). */
  example?: ConsoleParamsInput;
};

// ---- Logs Insights pieces -------------------------------------------------------------------
const INSIGHTS_FILTER = `filter schemaType = ${quote("ModelInvocationLog", "insights-string")}`;
const im = (key: string) => quote(`requestMetadata.${key}`, "insights-field");
/** The counters, with Athena's names and meaning: failed calls are errors and carry no tokens. */
const INSIGHTS_COUNTERS = [
  "sum(1 - failed) as requests",
  "sum(failed) as errors",
  `${insightsSuccessSum("input.inputTokenCount")} as input_tokens`,
  `${insightsSuccessSum("output.outputTokenCount")} as output_tokens`,
  `${insightsSuccessSum("input.cacheReadInputTokenCount")} as cache_read_tokens`,
  `${insightsSuccessSum("input.cacheWriteInputTokenCount")} as cache_write_tokens`,
].join(", ");
const COUNTER_COLUMNS = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
];
const INSIGHTS_TOTAL = `${insightsSuccessSum("(coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0) + coalesce(input.cacheReadInputTokenCount, 0) + coalesce(input.cacheWriteInputTokenCount, 0))")} as total_tokens`;

type Dim = {
  insights: (k: MetadataKeys, p: ConsoleParams) => string;
  athena: (k: MetadataKeys, p: ConsoleParams) => string;
};
const DIMS = {
  application: { insights: (k) => im(k.application), athena: (k) => athenaMeta(k.application) },
  tenant: { insights: (k) => im(k.tenant), athena: (k) => athenaMeta(k.tenant) },
  environment: { insights: (k) => im(k.environment), athena: (k) => athenaMeta(k.environment) },
  cost_center: { insights: (k) => im(k.cost_center), athena: (k) => athenaMeta(k.cost_center) },
  team: { insights: (k) => im(k.team), athena: (k) => athenaMeta(k.team) },
  user: { insights: (k) => im(k.user), athena: (k) => athenaMeta(k.user) },
  identity: { insights: () => "identity.arn", athena: () => "identity.arn" },
  model_id: { insights: () => "modelId", athena: () => "modelId" },
  experiment: { insights: (_k, p) => im(p.experimentKey), athena: (_k, p) => athenaMeta(p.experimentKey) },
  variant: { insights: (_k, p) => im(p.variantKey), athena: (_k, p) => athenaMeta(p.variantKey) },
} satisfies Record<string, Dim>;
type DimName = keyof typeof DIMS;

/** The filter params, each compared for equality with one dimension. */
const FILTERS = {
  application: "application",
  tenant: "tenant",
  environment: "environment",
  costCenter: "cost_center",
  model: "model_id",
} as const satisfies Record<string, DimName>;
export type FilterName = keyof typeof FILTERS;
const FILTER_NAMES: readonly FilterName[] = ["application", "tenant", "environment", "costCenter", "model"];

/** The set filters of `names` as [dimension, value]; every value goes through `quote` at the call site. */
function setFilters(p: ConsoleParams, names: readonly FilterName[]): [DimName, string][] {
  return names.flatMap((n) => {
    const value = p[n];
    const pair: [DimName, string] | undefined = value === undefined ? undefined : [FILTERS[n], value];
    return pair ? [pair] : [];
  });
}

/** `| filter a = "x" and b = "y"` for the set filters, or nothing. */
function insightsFilters(p: ConsoleParams, names: readonly FilterName[]): string[] {
  const conditions = setFilters(p, names).map(
    ([d, v]) => `${DIMS[d].insights(p.metadataKeys, p)} = ${quote(v, "insights-string")}`,
  );
  return conditions.length ? [`| filter ${conditions.join(" and ")}`] : [];
}

/** `WHERE a = 'x'\n  AND b = 'y'\n` for the set filters, or "". */
function athenaWhere(p: ConsoleParams, names: readonly FilterName[]): string {
  const conditions = setFilters(p, names).map(
    ([d, v]) => `${DIMS[d].athena(p.metadataKeys, p)} = ${quote(v, "athena-string")}`,
  );
  return conditions.length ? `WHERE ${conditions.join("\n  AND ")}\n` : "";
}

type BreakdownOptions = { sort?: string; limit?: boolean; filters?: readonly FilterName[] };

function insightsBreakdown(dims: DimName[], opts: BreakdownOptions = {}): EngineQuery {
  return {
    build: (p) =>
      [
        INSIGHTS_FILTER,
        ...insightsFilters(p, opts.filters ?? []),
        `| fields ${dims.map((d) => `${DIMS[d].insights(p.metadataKeys, p)} as ${d}`).join(", ")}, ${INSIGHTS_FAILED_FIELD}`,
        `| stats ${INSIGHTS_COUNTERS}, ${INSIGHTS_TOTAL} by ${dims.join(", ")}`,
        `| sort ${opts.sort ?? "total_tokens"} desc`,
        ...(opts.limit ? [`| limit ${p.top}`] : []),
      ].join("\n"),
    columns: [...dims, ...COUNTER_COLUMNS, "total_tokens"],
  };
}

// ---- Athena pieces --------------------------------------------------------------------------
const ATHENA_TOTAL = `sum(IF(failed, 0, coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0)
         + coalesce(input.cacheReadInputTokenCount, 0) + coalesce(input.cacheWriteInputTokenCount, 0))) AS total_tokens`;

function cte(p: ConsoleParams): string {
  return athenaRecordsCte(
    athenaRollupParamsSchema.parse({ database: p.database, table: p.table, from: p.from, to: p.to }),
  );
}

function athenaBreakdown(dims: DimName[], opts: BreakdownOptions = {}): EngineQuery {
  return {
    build: (p) =>
      `${cte(p)}
SELECT ${dims.map((d) => `${DIMS[d].athena(p.metadataKeys, p)} AS ${d}`).join(",\n       ")},
       ${ATHENA_COUNTERS},
       ${ATHENA_TOTAL}
FROM records
${athenaWhere(p, opts.filters ?? [])}GROUP BY ${dims.map((_, i) => i + 1).join(", ")}
ORDER BY total_tokens DESC${opts.limit ? `\nLIMIT ${p.top}` : ""}`,
    columns: [...dims, ...COUNTER_COLUMNS, "total_tokens"],
  };
}

function trend(
  unit: "1h" | "1d" | "1mo",
  athenaFormat: string,
  column: string,
  dims: DimName[] = [],
  filters: readonly FilterName[] = [],
): Pick<ConsoleQuery, "logs-insights" | "athena"> {
  return {
    "logs-insights": {
      build: (p) =>
        [
          INSIGHTS_FILTER,
          ...insightsFilters(p, filters),
          `| fields ${[...dims.map((d) => `${DIMS[d].insights(p.metadataKeys, p)} as ${d}`), INSIGHTS_FAILED_FIELD].join(", ")}`,
          `| stats ${INSIGHTS_COUNTERS} by bin(${unit})${dims.map((d) => `, ${d}`).join("")}`,
        ].join("\n"),
      columns: [`bin(${unit})`, ...dims, ...COUNTER_COLUMNS],
    },
    athena: {
      build: (p) =>
        `${cte(p)}
SELECT date_format(ts AT TIME ZONE 'UTC', ${quote(athenaFormat, "athena-string")}) AS ${column},
${dims.map((d) => `       ${DIMS[d].athena(p.metadataKeys, p)} AS ${d},\n`).join("")}       ${ATHENA_COUNTERS}
FROM records
${athenaWhere(p, filters)}GROUP BY ${[column, ...dims].map((_, i) => i + 1).join(", ")}
ORDER BY 1`,
      columns: [column, ...dims, ...COUNTER_COLUMNS],
    },
  };
}

/** The requestMetadata dimensions, as recent-invocations lists them. */
const METADATA_DIMS: DimName[] = ["tenant", "application", "cost_center", "environment", "team", "user"];
const RECENT_COLUMNS = [
  "time",
  "request_id",
  "model_id",
  "operation",
  "tenant",
  "application",
  "cost_center",
  "environment",
  "team",
  "user",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
  "error_code",
] as const;
const FILTERED_DIMS: DimName[] = ["application", "tenant", "environment", "cost_center", "model_id"];

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
    name: "application-environment",
    title: "Tokens by application × environment",
    description:
      "Requests, errors and token buckets per application_name × environment (production vs the rest).",
    "logs-insights": insightsBreakdown(["application", "environment"]),
    athena: athenaBreakdown(["application", "environment"]),
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
    name: "recent-invocations",
    title: "Recent invocations",
    description:
      "The newest `top` invocation records, newest first: time, ids, operation, the metadata dimensions, the four token counts as logged, and errorCode.",
    "logs-insights": {
      build: (p) =>
        [
          INSIGHTS_FILTER,
          `| fields @timestamp as time, requestId as request_id, modelId as model_id, operation, ${METADATA_DIMS.map((d) => `${DIMS[d].insights(p.metadataKeys, p)} as ${d}`).join(", ")}, input.inputTokenCount as input_tokens, output.outputTokenCount as output_tokens, input.cacheReadInputTokenCount as cache_read_tokens, input.cacheWriteInputTokenCount as cache_write_tokens, errorCode as error_code`,
          "| sort @timestamp desc",
          `| limit ${p.top}`,
        ].join("\n"),
      columns: RECENT_COLUMNS,
    },
    athena: {
      build: (p) =>
        `${cte(p)}
SELECT to_iso8601(ts) AS time, requestId AS request_id, modelId AS model_id, operation,
       ${METADATA_DIMS.map((d) => `${DIMS[d].athena(p.metadataKeys, p)} AS ${d}`).join(",\n       ")},
       input.inputTokenCount AS input_tokens, output.outputTokenCount AS output_tokens,
       input.cacheReadInputTokenCount AS cache_read_tokens, input.cacheWriteInputTokenCount AS cache_write_tokens,
       errorCode AS error_code
FROM records
ORDER BY ts DESC
LIMIT ${p.top}`,
      columns: RECENT_COLUMNS,
    },
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
          `| filter isempty(errorCode) and input.inputTokenCount >= ${p.minInputTokens}`,
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
          "| filter isempty(errorCode)",
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
  {
    // By model and day: an application's cost is priced per model, and the days show when it was
    // spent (the same grain as daily-trend). Its tenant split is tokens-by-tenant-application.
    name: "application-detail",
    title: "Single-application detail",
    description:
      "One application (`application`, required): requests, errors and token buckets per UTC day and model id — its cost is priced per model, and the days show when it was spent. Its split by tenant: tokens-by-tenant-application.",
    ...trend("1d", "%Y-%m-%d", "day", ["model_id"], ["application"]),
    filters: ["application"],
    requires: ["application"],
    example: { application: "support-bot" },
  },
  {
    name: "filtered-breakdown",
    title: "Filtered breakdown",
    description:
      "Token buckets per application × tenant × environment × cost center × model id, keeping only the records that match every filter given (`application`, `tenant`, `environment`, `costCenter`, `model`).",
    "logs-insights": insightsBreakdown(FILTERED_DIMS, { filters: FILTER_NAMES }),
    athena: athenaBreakdown(FILTERED_DIMS, { filters: FILTER_NAMES }),
    filters: FILTER_NAMES,
    example: { application: "support-bot", environment: "production" },
  },
];

/** The CLI flag of each filter param, for error messages. */
const FLAG_OF: Record<FilterName, string> = {
  application: "application",
  tenant: "tenant",
  environment: "environment",
  costCenter: "cost-center",
  model: "model",
};

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
  for (const f of FILTER_NAMES) {
    if (params[f] !== undefined && !query.filters?.includes(f)) {
      throw new UnknownQueryError(
        `${name} takes no \`${f}\` filter; queries with filters: ${CONSOLE_QUERIES.filter((q) =>
          q.filters?.includes(f),
        )
          .map((q) => q.name)
          .join(", ")}`,
      );
    }
  }
  for (const f of query.requires ?? []) {
    if (params[f] === undefined)
      throw new UnknownQueryError(`${name} needs \`${f}\` (CLI: --${FLAG_OF[f]} <value>)`);
  }
  if (engine === "athena" && params.from >= params.to)
    throw new UnknownQueryError("`from` must be before `to`");
  return { text: builder.build(params), columns: builder.columns };
}
