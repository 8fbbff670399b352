/**
 * Every response body of the chargeback API (v1), once, as zod schemas. From these come the
 * TypeScript types (api/src/types.ts), the OpenAPI document's component schemas (api/src/openapi.ts)
 * and the dashboard's run-time response checks (`@bedrock-chargeback/api/schemas`).
 *
 * This module imports zod and nothing else: the dashboard bundles it, and must not pull server code.
 * Each schema's `.meta({ id })` names its component in the OpenAPI document.
 *
 * Money: `*_usd` is an exact decimal string with 6 decimals ("12.345678"); `*_micro_usd` is the
 * same amount as an integer number of micro-USD. Token counts and requests are integers.
 */
import { z } from "zod";

/** An exact decimal string such as "12.345678" or "-0.50" (never a float). */
export const Usd = z.string().regex(/^-?\d+(\.\d+)?$/, "expected an exact decimal string");
const int = z.number().int();
const nullableString = z.string().nullable();

export const Role = z.enum(["admin", "finance", "tenant"]).meta({ id: "Role" });
export type Role = z.infer<typeof Role>;

/** The codes of the error envelope; the HTTP status follows from the code (api/src/errors.ts). */
export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** `{ error: { code, message, requestId } }` on every non-2xx response. */
export const ErrorResponse = z
  .object({
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string(), requestId: z.string() }),
  })
  .meta({ id: "ErrorResponse" });
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** Last ingest per source (from the ingest ledger). */
export const SourceFreshness = z
  .object({
    source: z.string(),
    /** When the newest finished run of this source finished (ISO UTC), or null when none finished. */
    last_finished_at: nullableString,
    /** ok | partial | incomplete (objects left unread, listing incomplete) | failed | interrupted | running */
    last_status: z.string(),
    /** Newest record timestamp that source had seen, or null. */
    data_until: nullableString,
  })
  .meta({ id: "SourceFreshness" });
export type SourceFreshness = z.infer<typeof SourceFreshness>;
export const Freshness = z.object({ sources: z.array(SourceFreshness) }).meta({ id: "Freshness" });
export type Freshness = z.infer<typeof Freshness>;

const usageFiguresShape = {
  requests: int,
  errors: int,
  input_tokens: int,
  output_tokens: int,
  cache_read_input_tokens: int,
  cache_write_input_tokens: int,
  /** Cost of the priced usage; rounded once from exact pico-USD. */
  cost_usd: Usd,
  cost_micro_usd: int,
  /** Requests whose model has no price: counted, never priced at $0. */
  unpriced_requests: int,
  unpriced_tokens: int,
  unpriced_models: z.array(z.string()),
};
/** The figures every usage breakdown row and total carries. */
export const UsageFigures = z.object(usageFiguresShape).meta({ id: "UsageFigures" });
export type UsageFigures = z.infer<typeof UsageFigures>;

export const UsageRow = z
  .object({
    /** One entry per `group_by` dimension; null = the metadata was missing ("(unattributed)"). */
    keys: z.record(z.string(), nullableString),
    /** Present when a granularity was asked for: `YYYY-MM-DDTHH:00:00Z`, `YYYY-MM-DD` or `YYYY-MM`. */
    period: z.string().optional(),
    ...usageFiguresShape,
  })
  .meta({ id: "UsageRow" });
export type UsageRow = z.infer<typeof UsageRow>;

/** Filters applied, tenant scoping included (null = missing metadata). */
const filterMap = z.record(z.string(), z.array(nullableString));

export const UsageResponse = z
  .object({
    query: z.object({
      from: z.string(),
      to: z.string(),
      group_by: z.array(z.string()),
      granularity: z.enum(["hour", "day", "month"]).nullable(),
      filters: filterMap,
    }),
    /**
     * One page: at most `limit` rows (default 1000, max 10000), ordered by period, then the
     * group_by values (missing = null first).
     */
    rows: z.array(UsageRow),
    /** Send as `cursor` (same query otherwise) for the next page; null = this was the last page. */
    next_cursor: nullableString,
    /** Over every row of the query, not just this page. */
    total: UsageFigures,
    /**
     * While now lies inside [from, to): the total cost projected linearly to `to` (spend so far ×
     * range length ÷ time elapsed), the same rule as budgets. Null for a range in the past or future.
     */
    forecast: z.object({ cost_usd: Usd, cost_micro_usd: int }).nullable(),
    freshness: Freshness,
  })
  .meta({ id: "UsageResponse" });
export type UsageResponse = z.infer<typeof UsageResponse>;

export const AttributionResponse = z
  .object({
    query: z.object({ from: z.string(), to: z.string(), filters: filterMap }),
    total: UsageFigures,
    /** Usage missing tenant, application or cost center (any of them). */
    unattributed: UsageFigures,
    /** Share of cost (priced) and of requests that is unattributed, percent with 2 decimals. */
    unattributed_cost_pct: z.number(),
    unattributed_requests_pct: z.number(),
    /** 100 − unattributed_cost_pct: the headline number. */
    coverage_pct: z.number(),
    /** Per missing dimension (a row missing two counts in both). */
    missing: z.object({ tenant: UsageFigures, application: UsageFigures, cost_center: UsageFigures }),
    /** Caller identities (identity.arn) behind the unattributed usage, by cost then requests. */
    top_identities: z.array(z.object({ identity_arn: nullableString, ...usageFiguresShape })),
    freshness: Freshness,
  })
  .meta({ id: "AttributionResponse" });
export type AttributionResponse = z.infer<typeof AttributionResponse>;

const nullableNumber = z.number().nullable();
const experimentQuery = {
  from: z.string(),
  to: z.string(),
  experiment_key: z.string(),
  variant_key: z.string(),
  filters: filterMap,
};

export const ExperimentSummary = z
  .object({
    experiment_id: z.string(),
    /** Variant values seen (null = calls of the experiment without a variant). */
    variants: z.array(nullableString),
    ...usageFiguresShape,
  })
  .meta({ id: "ExperimentSummary" });
export type ExperimentSummary = z.infer<typeof ExperimentSummary>;

export const ExperimentListResponse = z
  .object({ query: z.object(experimentQuery), experiments: z.array(ExperimentSummary) })
  .meta({ id: "ExperimentListResponse" });
export type ExperimentListResponse = z.infer<typeof ExperimentListResponse>;

export const ExperimentVariant = z
  .object({
    variant: nullableString,
    ...usageFiguresShape,
    /** requests + errors: every call. */
    calls: int,
    error_rate: nullableNumber,
    /** All four token buckets per successful request. */
    tokens_per_request: nullableNumber,
    /** Exact cost over calls and over successful requests, micro-USD (fractional). */
    cost_per_call_micro_usd: nullableNumber,
    cost_per_successful_request_micro_usd: nullableNumber,
    /** Sample standard deviation of cost per call, micro-USD. */
    cost_per_call_sd_micro_usd: nullableNumber,
    /** Mean logged latencyMs (Converse response bodies, when logged) and how many calls carry one. */
    latency_ms: nullableNumber,
    latency_calls: int,
  })
  .meta({ id: "ExperimentVariant" });
export type ExperimentVariant = z.infer<typeof ExperimentVariant>;

export const ExperimentComparison = z
  .object({
    variant: nullableString,
    baseline: nullableString,
    /** Welch's t interval (95 %) on cost per call, variant − baseline, micro-USD; null when it cannot be formed (fewer than 2 calls, no spread, or unpriced usage). */
    welch: z
      .object({
        diff_micro_usd: z.number(),
        low_micro_usd: z.number(),
        high_micro_usd: z.number(),
        df: z.number(),
        t: z.number(),
        /** The interval excludes 0: the difference is larger than its noise. */
        significant: z.boolean(),
      })
      .nullable(),
  })
  .meta({ id: "ExperimentComparison" });
export type ExperimentComparison = z.infer<typeof ExperimentComparison>;

export const ExperimentResponse = z
  .object({
    query: z.object({ ...experimentQuery, baseline: nullableString }),
    experiment_id: z.string(),
    baseline: nullableString,
    variants: z.array(ExperimentVariant),
    comparisons: z.array(ExperimentComparison),
    /** Some usage has no price: cost per call understates and no statistic is given. */
    unpriced: z.boolean(),
    statistic: z.string(),
  })
  .meta({ id: "ExperimentResponse" });
export type ExperimentResponse = z.infer<typeof ExperimentResponse>;

export const TopUsersGroup = z
  .object({
    /** The `per` dimensions' values of this group. */
    keys: z.record(z.string(), nullableString),
    total: UsageFigures,
    /** Users (user_id as logged, a hash when the wrapper hashed it; null = calls without one), biggest cost first. */
    users: z.array(z.object({ user: nullableString, ...usageFiguresShape })),
    /** Users beyond `top` in this group. */
    more_users: int,
  })
  .meta({ id: "TopUsersGroup" });
export type TopUsersGroup = z.infer<typeof TopUsersGroup>;

export const TopUsersResponse = z
  .object({
    query: z.object({
      from: z.string(),
      to: z.string(),
      per: z.array(z.string()),
      top: int,
      filters: filterMap,
    }),
    groups: z.array(TopUsersGroup),
  })
  .meta({ id: "TopUsersResponse" });
export type TopUsersResponse = z.infer<typeof TopUsersResponse>;

export const PeriodStatus = z.enum(["open", "closed"]).meta({ id: "PeriodStatus" });
export type PeriodStatus = z.infer<typeof PeriodStatus>;
const periodShape = {
  month: z.string(),
  status: PeriodStatus,
  closed_at: nullableString,
  closed_by: nullableString,
};
export const Period = z.object(periodShape).meta({ id: "Period" });
export type Period = z.infer<typeof Period>;
export const PeriodListResponse = z.object({ periods: z.array(Period) }).meta({ id: "PeriodListResponse" });
export type PeriodListResponse = z.infer<typeof PeriodListResponse>;
/** Billing period bounds, UTC. */
const periodBounds = { start: z.string(), end: z.string() };
export const PeriodResponse = z.object({ ...periodShape, ...periodBounds }).meta({ id: "PeriodResponse" });
export type PeriodResponse = z.infer<typeof PeriodResponse>;
/** `POST /v1/periods/{month}/close` body (optional: no body closes without a true-up). */
export const ClosePeriodRequest = z
  .strictObject({
    true_up: z.boolean().optional().meta({
      description:
        "share the residual against the month's saved reconciliation (chargeback reconcile) among the tenants in proportion to cost, as labelled true_up lines, so the invoices (markups aside) sum to the bill; 409 when no reconciliation was saved",
    }),
  })
  .meta({ id: "ClosePeriodRequest" });
export type ClosePeriodRequest = z.infer<typeof ClosePeriodRequest>;
export const ClosePeriodResponse = z
  .object({
    ...periodShape,
    ...periodBounds,
    invoices: int,
    total_usd: Usd,
    total_micro_usd: int,
    /** What the close was trued up to; null without `true_up`. */
    true_up: z
      .object({
        compared_at: z.string(),
        source_kind: z.enum(["cur", "cost-explorer"]),
        source_version: z.string(),
        /** The bill's total for the month: token usage and every other charge (credits negative). */
        billed_total_usd: Usd,
        /** bill − invoices before markups, shared among the invoices. */
        residual_usd: Usd,
      })
      .nullable(),
  })
  .meta({ id: "ClosePeriodResponse" });
export type ClosePeriodResponse = z.infer<typeof ClosePeriodResponse>;

export const TokenBucket = z.enum(["input", "output", "cache_read", "cache_write"]);
export type TokenBucket = z.infer<typeof TokenBucket>;
export const InvoiceLineKind = z.enum(["usage", "adjustment", "markup", "true_up"]);
export type InvoiceLineKind = z.infer<typeof InvoiceLineKind>;

export const InvoiceLine = z
  .object({
    kind: InvoiceLineKind,
    /** The month whose usage the line bills (earlier than the invoice month for adjustments). */
    usage_month: z.string(),
    application: nullableString,
    cost_center: nullableString,
    model: nullableString,
    token_bucket: TokenBucket.nullable(),
    /** Tokens (usage: the month's tokens; adjustment: the late difference; markup: null). */
    quantity: int.nullable(),
    /** Micro-USD per 1M tokens, the price version's figure; null on markup lines. */
    unit_price_usd_per_mtok: Usd.nullable(),
    unit_price_micro_usd_per_mtok: int.nullable(),
    price_id: int.nullable(),
    price_version: nullableString,
    /** Markup/discount in basis points (markup lines only). */
    basis_points: int.nullable(),
    amount_usd: Usd,
    amount_micro_usd: int,
    description: z.string(),
  })
  .meta({ id: "InvoiceLine" });
export type InvoiceLine = z.infer<typeof InvoiceLine>;

const invoiceShape = {
  month: z.string(),
  tenant: z.string(),
  status: PeriodStatus,
  currency: z.literal("USD"),
  period_start: z.string(),
  period_end: z.string(),
  lines: z.array(InvoiceLine),
  /** Sum of usage + adjustment lines. */
  subtotal_usd: Usd,
  subtotal_micro_usd: int,
  /** Sum of all lines, exactly. */
  total_usd: Usd,
  total_micro_usd: int,
  requests: int,
  errors: int,
  /** Usage without a price: never billed at $0 silently, listed here. */
  unpriced: z.object({ requests: int, tokens: int, models: z.array(z.string()) }),
  closed_at: nullableString,
  closed_by: nullableString,
};
export const Invoice = z.object(invoiceShape).meta({ id: "Invoice" });
export type Invoice = z.infer<typeof Invoice>;
export const InvoiceResponse = z
  .object({ ...invoiceShape, freshness: Freshness })
  .meta({ id: "InvoiceResponse" });
export type InvoiceResponse = z.infer<typeof InvoiceResponse>;
export const InvoiceSummary = z
  .object({
    tenant: z.string(),
    status: PeriodStatus,
    lines: int,
    total_usd: Usd,
    total_micro_usd: int,
    unpriced_requests: int,
  })
  .meta({ id: "InvoiceSummary" });
export type InvoiceSummary = z.infer<typeof InvoiceSummary>;
export const InvoiceListResponse = z
  .object({
    month: z.string(),
    status: PeriodStatus,
    invoices: z.array(InvoiceSummary),
    /** The sum of the invoices' totals, exact. */
    total_usd: Usd,
    total_micro_usd: int,
    freshness: Freshness,
  })
  .meta({ id: "InvoiceListResponse" });
export type InvoiceListResponse = z.infer<typeof InvoiceListResponse>;

/** A month's invoices as `GET /v1/exports/{month}?format=json` sends them (the CLI prints the same). */
export const ExportJson = z
  .object({
    month: z.string(),
    tenant: nullableString,
    invoices: z.array(Invoice),
    total_usd: Usd,
    total_micro_usd: int,
  })
  .meta({ id: "ExportJson" });
export type ExportJson = z.infer<typeof ExportJson>;

export const PriceView = z
  .object({
    id: int,
    version: z.string(),
    model: z.string(),
    scope: z.string(),
    region: z.string(),
    effective_from: z.string(),
    currency: z.string(),
    /** USD per 1M tokens, exact decimal strings. */
    input_usd_per_mtok: Usd,
    output_usd_per_mtok: Usd,
    cache_read_usd_per_mtok: Usd,
    cache_write_usd_per_mtok: Usd,
    source: z.string(),
    /** catalog | user | api */
    origin: z.string(),
    added_at: z.string(),
  })
  .meta({ id: "PriceView" });
export type PriceView = z.infer<typeof PriceView>;
export const PriceListResponse = z.object({ prices: z.array(PriceView) }).meta({ id: "PriceListResponse" });
export type PriceListResponse = z.infer<typeof PriceListResponse>;
export const RepriceResult = z
  .object({
    from_month: z.string(),
    to_month: z.string(),
    repriced_months: z.array(z.string()),
    skipped_closed_months: z.array(z.string()),
    hourly_rows_changed: int,
    facet_rows_changed: int,
  })
  .meta({ id: "RepriceResult" });
export type RepriceResult = z.infer<typeof RepriceResult>;
export const CreatePriceResponse = z
  .object({ prices: z.array(PriceView), reprice: RepriceResult.nullable() })
  .meta({ id: "CreatePriceResponse" });
export type CreatePriceResponse = z.infer<typeof CreatePriceResponse>;
export const UnpricedModel = z
  .object({
    model: z.string(),
    unpriced_requests: int,
    unpriced_tokens: int,
    input_tokens: int,
    output_tokens: int,
    cache_read_input_tokens: int,
    cache_write_input_tokens: int,
  })
  .meta({ id: "UnpricedModel" });
export type UnpricedModel = z.infer<typeof UnpricedModel>;
export const UnpricedResponse = z
  .object({ from: z.string(), to: z.string(), models: z.array(UnpricedModel), freshness: Freshness })
  .meta({ id: "UnpricedResponse" });
export type UnpricedResponse = z.infer<typeof UnpricedResponse>;

export const Markup = z
  .object({
    tenant: z.string(),
    /** Positive = markup, negative = discount; 100 bp = 1 %. */
    basis_points: int,
    description: z.string(),
    updated_at: z.string(),
  })
  .meta({ id: "Markup" });
export type Markup = z.infer<typeof Markup>;
export const MarkupListResponse = z.object({ markups: z.array(Markup) }).meta({ id: "MarkupListResponse" });
export type MarkupListResponse = z.infer<typeof MarkupListResponse>;

export const BudgetScope = z.enum(["tenant", "application", "cost_center"]).meta({ id: "BudgetScope" });
export type BudgetScope = z.infer<typeof BudgetScope>;
const budgetShape = {
  id: int,
  name: z.string(),
  scope: BudgetScope,
  scope_value: z.string(),
  amount_usd: Usd,
  amount_micro_usd: int,
  /** Alert thresholds, percent of the monthly amount. */
  thresholds: z.array(z.number()),
  created_at: z.string(),
  updated_at: z.string(),
};
export const Budget = z.object(budgetShape);
export type Budget = z.infer<typeof Budget>;
export const BudgetStatus = z
  .object({
    month: z.string(),
    spent_usd: Usd,
    spent_micro_usd: int,
    /** Linear forecast to month end: spent ÷ elapsed hours × hours in month. */
    forecast_usd: Usd,
    forecast_micro_usd: int,
    percent_used: z.number(),
    forecast_percent: z.number(),
    /** Thresholds already crossed by the spend, and those the forecast will cross. */
    crossed: z.array(z.number()),
    forecast_crossed: z.array(z.number()),
    unpriced_requests: int,
  })
  .meta({ id: "BudgetStatus" });
export type BudgetStatus = z.infer<typeof BudgetStatus>;
export const BudgetView = z.object({ ...budgetShape, status: BudgetStatus }).meta({ id: "BudgetView" });
export type BudgetView = z.infer<typeof BudgetView>;
export const BudgetListResponse = z
  .object({ budgets: z.array(BudgetView), freshness: Freshness })
  .meta({ id: "BudgetListResponse" });
export type BudgetListResponse = z.infer<typeof BudgetListResponse>;

const apiKeyShape = {
  id: z.string(),
  name: z.string(),
  role: Role,
  tenant: nullableString,
  /** The first characters of the key, for recognising it ("cb_AbCd…"). */
  prefix: z.string(),
  created_at: z.string(),
  revoked_at: nullableString,
};
export const ApiKeyView = z.object(apiKeyShape).meta({ id: "ApiKeyView" });
export type ApiKeyView = z.infer<typeof ApiKeyView>;
export const ApiKeyListResponse = z.object({ keys: z.array(ApiKeyView) }).meta({ id: "ApiKeyListResponse" });
export type ApiKeyListResponse = z.infer<typeof ApiKeyListResponse>;
/** The key itself is shown once, here. */
export const CreateApiKeyResponse = z
  .object({ ...apiKeyShape, key: z.string() })
  .meta({ id: "CreateApiKeyResponse" });
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponse>;
/** One day × account × Region × model × bucket of a reconciliation with the AWS bill. */
export const ReconciliationLine = z
  .object({
    date: z.string(),
    /** null when the bill source does not say (Cost Explorer). */
    account: nullableString,
    region: z.string(),
    model: z.string(),
    bucket: TokenBucket,
    ledger_usd: Usd,
    billed_usd: Usd,
    delta_usd: Usd,
    status: z.enum(["matched", "price_drift", "missing_in_ledger", "missing_in_bill"]),
    ledger_tokens: int,
    billed_tokens: int,
    unpriced: z.boolean(),
  })
  .meta({ id: "ReconciliationLine" });

/** `GET /v1/reconciliation?month=`: the month's latest `chargeback reconcile`, or `reconciled: false`. */
export const ReconciliationResponse = z
  .object({
    month: z.string(),
    period_status: PeriodStatus,
    reconciled: z.boolean(),
    compared_at: nullableString,
    source: z
      .object({
        kind: z.enum(["cur", "cost-explorer"]),
        location: z.string(),
        version: z.string(),
        as_of: z.string(),
        may_be_restated: z.boolean(),
        not_final_days: z.array(z.string()),
        notes: z.array(z.string()),
      })
      .nullable(),
    ledger_usd: Usd.nullable(),
    billed_usd: Usd.nullable(),
    delta_usd: Usd.nullable(),
    /** ledger ÷ billed over the month's token usage. */
    coverage: z.number().nullable(),
    counts: z.object({ matched: int, price_drift: int, missing_in_ledger: int, missing_in_bill: int }),
    lines: z.array(ReconciliationLine),
    other_charges: z.array(z.object({ line_item_type: z.string(), usd: Usd })),
    proposals: z.array(
      z.object({
        model: z.string(),
        bucket: z.string(),
        from: z.string(),
        ledger_usd_per_million: nullableString,
        billed_usd_per_million: z.string(),
      }),
    ),
  })
  .meta({ id: "ReconciliationResponse" });
export type ReconciliationResponse = z.infer<typeof ReconciliationResponse>;

export const MeResponse = z
  .object({ key_id: z.string(), name: z.string(), role: Role, tenant: nullableString })
  .meta({ id: "MeResponse" });
export type MeResponse = z.infer<typeof MeResponse>;
export const HealthResponse = z
  .object({ status: z.literal("ok"), db: z.literal("ok") })
  .meta({ id: "HealthResponse" });
export type HealthResponse = z.infer<typeof HealthResponse>;

/**
 * POST /v1/ask. The first seven keys are `chargeback ask --format json`'s; there, as in the CLI's
 * report, amounts are JSON numbers with at most 6 decimals (exact as decimal text), not strings:
 * the rows are whatever columns the question's SQL returned.
 */
export const AskResponse = z
  .object({
    question: z.string(),
    mode: z.enum(["bedrock", "fallback"]),
    /** The SQL whose rows the answer comes from; null when none ran. */
    sql: nullableString,
    columns: z.array(z.string()),
    /** One array per row in `columns` order; `*_usd` columns are USD rounded once to the micro-dollar. */
    rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))),
    answer: z.string(),
    /** What the assistant's own Bedrock calls cost for this question. */
    cost_usd: z.number(),
    /** false: refused (unsafe or unanswerable), or no template fits. */
    answered: z.boolean(),
    /** The rows were cut at the row limit. */
    truncated: z.boolean(),
    /** Why the template matcher answered (with the fix), or why the model's sentence was replaced. */
    notice: nullableString,
    tokens: z.object({ input: int, output: int, calls: int }),
    questions_left_today: int,
  })
  .meta({ id: "AskResponse" });
export type AskResponse = z.infer<typeof AskResponse>;
