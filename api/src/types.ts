/**
 * Response shapes of the chargeback API (v1). The dashboard imports these types only.
 * Money: `*_usd` is an exact decimal string with 6 decimals ("12.345678"); `*_micro_usd` is the
 * same amount as an integer number of micro-USD. Token counts and requests are integers.
 */

export type Role = "admin" | "finance" | "tenant";

/** `{ error: { code, message, requestId } }` on every non-2xx response. */
export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "internal";
export type ErrorResponse = { error: { code: ErrorCode; message: string; requestId: string } };

/** Last ingest per source (from the ingest ledger). */
export type SourceFreshness = {
  source: string;
  /** When the newest finished run of this source finished (ISO UTC), or null when none finished. */
  last_finished_at: string | null;
  /** ok | partial | incomplete (objects left unread, listing incomplete) | failed | interrupted | running */
  last_status: string;
  /** Newest record timestamp that source had seen, or null. */
  data_until: string | null;
};
export type Freshness = { sources: SourceFreshness[] };

/** The figures every usage breakdown row and total carries. */
export type UsageFigures = {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
  /** Cost of the priced usage; rounded once from exact pico-USD. */
  cost_usd: string;
  cost_micro_usd: number;
  /** Requests whose model has no price: counted, never priced at $0. */
  unpriced_requests: number;
  unpriced_tokens: number;
  unpriced_models: string[];
};

export type UsageRow = UsageFigures & {
  /** One entry per `group_by` dimension; null = the metadata was missing ("(unattributed)"). */
  keys: Record<string, string | null>;
  /** Present when a granularity was asked for: `YYYY-MM-DDTHH:00:00Z`, `YYYY-MM-DD` or `YYYY-MM`. */
  period?: string;
};

export type UsageResponse = {
  query: {
    from: string;
    to: string;
    group_by: string[];
    granularity: "hour" | "day" | "month" | null;
    /** Filters applied, tenant scoping included (null = missing metadata). */
    filters: Record<string, (string | null)[]>;
  };
  /**
   * One page: at most `limit` rows (default 1000, max 10000), ordered by period, then the
   * group_by values (missing = null first).
   */
  rows: UsageRow[];
  /** Send as `cursor` (same query otherwise) for the next page; null = this was the last page. */
  next_cursor: string | null;
  /** Over every row of the query, not just this page. */
  total: UsageFigures;
  /**
   * While now lies inside [from, to): the total cost projected linearly to `to` (spend so far ×
   * range length ÷ time elapsed), the same rule as budgets. Null for a range in the past or future.
   */
  forecast: { cost_usd: string; cost_micro_usd: number } | null;
  freshness: Freshness;
};

export type AttributionResponse = {
  query: { from: string; to: string; filters: Record<string, (string | null)[]> };
  total: UsageFigures;
  /** Usage missing tenant, application or cost center (any of them). */
  unattributed: UsageFigures;
  /** Share of cost (priced) and of requests that is unattributed, percent with 2 decimals. */
  unattributed_cost_pct: number;
  unattributed_requests_pct: number;
  /** 100 − unattributed_cost_pct: the headline number. */
  coverage_pct: number;
  /** Per missing dimension (a row missing two counts in both). */
  missing: { tenant: UsageFigures; application: UsageFigures; cost_center: UsageFigures };
  /** Caller identities (identity.arn) behind the unattributed usage, by cost then requests. */
  top_identities: (UsageFigures & { identity_arn: string | null })[];
  freshness: Freshness;
};

export type PeriodStatus = "open" | "closed";
export type Period = {
  month: string;
  status: PeriodStatus;
  closed_at: string | null;
  closed_by: string | null;
};
export type PeriodListResponse = { periods: Period[] };
export type PeriodResponse = Period & {
  /** Billing period bounds, UTC. */
  start: string;
  end: string;
};
export type ClosePeriodResponse = PeriodResponse & {
  invoices: number;
  total_usd: string;
  total_micro_usd: number;
};

export type TokenBucket = "input" | "output" | "cache_read" | "cache_write";
export type InvoiceLineKind = "usage" | "adjustment" | "markup";

export type InvoiceLine = {
  kind: InvoiceLineKind;
  /** The month whose usage the line bills (earlier than the invoice month for adjustments). */
  usage_month: string;
  application: string | null;
  cost_center: string | null;
  model: string | null;
  token_bucket: TokenBucket | null;
  /** Tokens (usage: the month's tokens; adjustment: the late difference; markup: null). */
  quantity: number | null;
  /** Micro-USD per 1M tokens, the price version's figure; null on markup lines. */
  unit_price_usd_per_mtok: string | null;
  unit_price_micro_usd_per_mtok: number | null;
  price_id: number | null;
  price_version: string | null;
  /** Markup/discount in basis points (markup lines only). */
  basis_points: number | null;
  amount_usd: string;
  amount_micro_usd: number;
  description: string;
};

export type Invoice = {
  month: string;
  tenant: string;
  status: PeriodStatus;
  currency: "USD";
  period_start: string;
  period_end: string;
  lines: InvoiceLine[];
  /** Sum of usage + adjustment lines. */
  subtotal_usd: string;
  subtotal_micro_usd: number;
  /** Sum of all lines, exactly. */
  total_usd: string;
  total_micro_usd: number;
  requests: number;
  errors: number;
  /** Usage without a price: never billed at $0 silently, listed here. */
  unpriced: { requests: number; tokens: number; models: string[] };
  closed_at: string | null;
  closed_by: string | null;
};
export type InvoiceResponse = Invoice & { freshness: Freshness };
export type InvoiceSummary = {
  tenant: string;
  status: PeriodStatus;
  lines: number;
  total_usd: string;
  total_micro_usd: number;
  unpriced_requests: number;
};
export type InvoiceListResponse = {
  month: string;
  status: PeriodStatus;
  invoices: InvoiceSummary[];
  /** The sum of the invoices' totals, exact. */
  total_usd: string;
  total_micro_usd: number;
  freshness: Freshness;
};

export type ExportJson = {
  month: string;
  tenant: string | null;
  invoices: Invoice[];
  total_usd: string;
  total_micro_usd: number;
};

export type PriceView = {
  id: number;
  version: string;
  model: string;
  scope: string;
  region: string;
  effective_from: string;
  currency: string;
  /** USD per 1M tokens, exact decimal strings. */
  input_usd_per_mtok: string;
  output_usd_per_mtok: string;
  cache_read_usd_per_mtok: string;
  cache_write_usd_per_mtok: string;
  source: string;
  origin: "catalog" | "user" | "api" | string;
  added_at: string;
};
export type PriceListResponse = { prices: PriceView[] };
export type RepriceResult = {
  from_month: string;
  to_month: string;
  repriced_months: string[];
  skipped_closed_months: string[];
  hourly_rows_changed: number;
  facet_rows_changed: number;
};
export type CreatePriceResponse = { prices: PriceView[]; reprice: RepriceResult | null };
export type UnpricedModel = {
  model: string;
  unpriced_requests: number;
  unpriced_tokens: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_write_input_tokens: number;
};
export type UnpricedResponse = { from: string; to: string; models: UnpricedModel[]; freshness: Freshness };

export type Markup = {
  tenant: string;
  /** Positive = markup, negative = discount; 100 bp = 1 %. */
  basis_points: number;
  description: string;
  updated_at: string;
};
export type MarkupListResponse = { markups: Markup[] };

export type BudgetScope = "tenant" | "application" | "cost_center";
export type Budget = {
  id: number;
  name: string;
  scope: BudgetScope;
  scope_value: string;
  amount_usd: string;
  amount_micro_usd: number;
  /** Alert thresholds, percent of the monthly amount. */
  thresholds: number[];
  created_at: string;
  updated_at: string;
};
export type BudgetStatus = {
  month: string;
  spent_usd: string;
  spent_micro_usd: number;
  /** Linear forecast to month end: spent ÷ elapsed hours × hours in month. */
  forecast_usd: string;
  forecast_micro_usd: number;
  percent_used: number;
  forecast_percent: number;
  /** Thresholds already crossed by the spend, and those the forecast will cross. */
  crossed: number[];
  forecast_crossed: number[];
  unpriced_requests: number;
};
export type BudgetView = Budget & { status: BudgetStatus };
export type BudgetListResponse = { budgets: BudgetView[]; freshness: Freshness };

export type ApiKeyView = {
  id: string;
  name: string;
  role: Role;
  tenant: string | null;
  /** The first characters of the key, for recognising it ("cb_AbCd…"). */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
};
export type ApiKeyListResponse = { keys: ApiKeyView[] };
/** The key itself is shown once, here. */
export type CreateApiKeyResponse = ApiKeyView & { key: string };
export type MeResponse = { key_id: string; name: string; role: Role; tenant: string | null };
export type HealthResponse = { status: "ok"; db: "ok" };
