/**
 * Type guards for every API response the dashboard reads: JSON is `unknown` until one of these
 * accepts it, so a changed or broken response is an error state, never a wrong number.
 */
import type {
  AttributionResponse,
  BudgetListResponse,
  BudgetStatus,
  BudgetView,
  ClosePeriodResponse,
  ErrorResponse,
  Freshness,
  Invoice,
  InvoiceLine,
  InvoiceListResponse,
  InvoiceResponse,
  InvoiceSummary,
  MeResponse,
  Period,
  PeriodListResponse,
  UnpricedModel,
  UnpricedResponse,
  UsageFigures,
  UsageResponse,
  UsageRow,
} from "@bedrock-chargeback/api";
import { isDecimalString } from "./money";

type Rec = Record<string, unknown>;

export function isRecord(v: unknown): v is Rec {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
const isString = (v: unknown): v is string => typeof v === "string";
const isNullableString = (v: unknown): v is string | null => v === null || typeof v === "string";
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isNullableInt = (v: unknown): v is number | null => v === null || isInt(v);
const isDecimal = (v: unknown): v is string => typeof v === "string" && isDecimalString(v);
const isNullableDecimal = (v: unknown): v is string | null => v === null || isDecimal(v);
function isArrayOf<T>(v: unknown, item: (x: unknown) => x is T): v is T[] {
  return Array.isArray(v) && v.every(item);
}
const isStatus = (v: unknown): v is "open" | "closed" => v === "open" || v === "closed";
const isRole = (v: unknown): v is "admin" | "finance" | "tenant" =>
  v === "admin" || v === "finance" || v === "tenant";

function isKeys(v: unknown): v is Record<string, string | null> {
  return isRecord(v) && Object.values(v).every(isNullableString);
}
function isFilterMap(v: unknown): v is Record<string, (string | null)[]> {
  return isRecord(v) && Object.values(v).every((x) => isArrayOf(x, isNullableString));
}

export function isFreshness(v: unknown): v is Freshness {
  return (
    isRecord(v) &&
    isArrayOf(
      v.sources,
      (s): s is Freshness["sources"][number] =>
        isRecord(s) &&
        isString(s.source) &&
        isNullableString(s.last_finished_at) &&
        isString(s.last_status) &&
        isNullableString(s.data_until),
    )
  );
}

export function isUsageFigures(v: unknown): v is UsageFigures {
  return (
    isRecord(v) &&
    isInt(v.requests) &&
    isInt(v.errors) &&
    isInt(v.input_tokens) &&
    isInt(v.output_tokens) &&
    isInt(v.cache_read_input_tokens) &&
    isInt(v.cache_write_input_tokens) &&
    isDecimal(v.cost_usd) &&
    isInt(v.cost_micro_usd) &&
    isInt(v.unpriced_requests) &&
    isInt(v.unpriced_tokens) &&
    isArrayOf(v.unpriced_models, isString)
  );
}

function isUsageRow(v: unknown): v is UsageRow {
  return isRecord(v) && isKeys(v.keys) && (v.period === undefined || isString(v.period)) && isUsageFigures(v);
}

export function isUsageResponse(v: unknown): v is UsageResponse {
  if (!isRecord(v) || !isRecord(v.query)) return false;
  const q = v.query;
  return (
    isString(q.from) &&
    isString(q.to) &&
    isArrayOf(q.group_by, isString) &&
    (q.granularity === null ||
      q.granularity === "hour" ||
      q.granularity === "day" ||
      q.granularity === "month") &&
    isFilterMap(q.filters) &&
    isArrayOf(v.rows, isUsageRow) &&
    (v.next_cursor === null || isString(v.next_cursor)) &&
    isUsageFigures(v.total) &&
    (v.forecast === null ||
      (isRecord(v.forecast) && isDecimal(v.forecast.cost_usd) && isInt(v.forecast.cost_micro_usd))) &&
    isFreshness(v.freshness)
  );
}

export function isAttributionResponse(v: unknown): v is AttributionResponse {
  return (
    isRecord(v) &&
    isRecord(v.query) &&
    isUsageFigures(v.total) &&
    isUsageFigures(v.unattributed) &&
    isFiniteNumber(v.unattributed_cost_pct) &&
    isFiniteNumber(v.unattributed_requests_pct) &&
    isFiniteNumber(v.coverage_pct) &&
    isRecord(v.missing) &&
    isUsageFigures(v.missing.tenant) &&
    isUsageFigures(v.missing.application) &&
    isUsageFigures(v.missing.cost_center) &&
    isArrayOf(
      v.top_identities,
      (i): i is AttributionResponse["top_identities"][number] =>
        isRecord(i) && isNullableString(i.identity_arn) && isUsageFigures(i),
    ) &&
    isFreshness(v.freshness)
  );
}

export function isMeResponse(v: unknown): v is MeResponse {
  return (
    isRecord(v) && isString(v.key_id) && isString(v.name) && isRole(v.role) && isNullableString(v.tenant)
  );
}

function isPeriod(v: unknown): v is Period {
  return (
    isRecord(v) &&
    isString(v.month) &&
    isStatus(v.status) &&
    isNullableString(v.closed_at) &&
    isNullableString(v.closed_by)
  );
}

export function isPeriodListResponse(v: unknown): v is PeriodListResponse {
  return isRecord(v) && isArrayOf(v.periods, isPeriod);
}

export function isClosePeriodResponse(v: unknown): v is ClosePeriodResponse {
  return (
    isRecord(v) && isInt(v.invoices) && isDecimal(v.total_usd) && isInt(v.total_micro_usd) && isPeriod(v)
  );
}

function isInvoiceSummary(v: unknown): v is InvoiceSummary {
  return (
    isRecord(v) &&
    isString(v.tenant) &&
    isStatus(v.status) &&
    isInt(v.lines) &&
    isDecimal(v.total_usd) &&
    isInt(v.total_micro_usd) &&
    isInt(v.unpriced_requests)
  );
}

export function isInvoiceListResponse(v: unknown): v is InvoiceListResponse {
  return (
    isRecord(v) &&
    isString(v.month) &&
    isStatus(v.status) &&
    isArrayOf(v.invoices, isInvoiceSummary) &&
    isDecimal(v.total_usd) &&
    isInt(v.total_micro_usd) &&
    isFreshness(v.freshness)
  );
}

const isKind = (v: unknown): v is InvoiceLine["kind"] =>
  v === "usage" || v === "adjustment" || v === "markup";
const isBucket = (v: unknown): v is InvoiceLine["token_bucket"] =>
  v === null || v === "input" || v === "output" || v === "cache_read" || v === "cache_write";

function isInvoiceLine(v: unknown): v is InvoiceLine {
  return (
    isRecord(v) &&
    isKind(v.kind) &&
    isString(v.usage_month) &&
    isNullableString(v.application) &&
    isNullableString(v.cost_center) &&
    isNullableString(v.model) &&
    isBucket(v.token_bucket) &&
    isNullableInt(v.quantity) &&
    isNullableDecimal(v.unit_price_usd_per_mtok) &&
    isNullableInt(v.unit_price_micro_usd_per_mtok) &&
    isNullableInt(v.price_id) &&
    isNullableString(v.price_version) &&
    isNullableInt(v.basis_points) &&
    isDecimal(v.amount_usd) &&
    isInt(v.amount_micro_usd) &&
    isString(v.description)
  );
}

export function isInvoice(v: unknown): v is Invoice {
  return (
    isRecord(v) &&
    isString(v.month) &&
    isString(v.tenant) &&
    isStatus(v.status) &&
    v.currency === "USD" &&
    isString(v.period_start) &&
    isString(v.period_end) &&
    isArrayOf(v.lines, isInvoiceLine) &&
    isDecimal(v.subtotal_usd) &&
    isInt(v.subtotal_micro_usd) &&
    isDecimal(v.total_usd) &&
    isInt(v.total_micro_usd) &&
    isInt(v.requests) &&
    isInt(v.errors) &&
    isRecord(v.unpriced) &&
    isInt(v.unpriced.requests) &&
    isInt(v.unpriced.tokens) &&
    isArrayOf(v.unpriced.models, isString) &&
    isNullableString(v.closed_at) &&
    isNullableString(v.closed_by)
  );
}

export function isInvoiceResponse(v: unknown): v is InvoiceResponse {
  return isRecord(v) && isFreshness(v.freshness) && isInvoice(v);
}

function isBudgetStatus(v: unknown): v is BudgetStatus {
  return (
    isRecord(v) &&
    isString(v.month) &&
    isDecimal(v.spent_usd) &&
    isInt(v.spent_micro_usd) &&
    isDecimal(v.forecast_usd) &&
    isInt(v.forecast_micro_usd) &&
    isFiniteNumber(v.percent_used) &&
    isFiniteNumber(v.forecast_percent) &&
    isArrayOf(v.crossed, isFiniteNumber) &&
    isArrayOf(v.forecast_crossed, isFiniteNumber) &&
    isInt(v.unpriced_requests)
  );
}

export function isBudgetView(v: unknown): v is BudgetView {
  return (
    isRecord(v) &&
    isInt(v.id) &&
    isString(v.name) &&
    (v.scope === "tenant" || v.scope === "application" || v.scope === "cost_center") &&
    isString(v.scope_value) &&
    isDecimal(v.amount_usd) &&
    isInt(v.amount_micro_usd) &&
    isArrayOf(v.thresholds, isFiniteNumber) &&
    isString(v.created_at) &&
    isString(v.updated_at) &&
    isBudgetStatus(v.status)
  );
}

export function isBudgetListResponse(v: unknown): v is BudgetListResponse {
  return isRecord(v) && isArrayOf(v.budgets, isBudgetView) && isFreshness(v.freshness);
}

function isUnpricedModel(v: unknown): v is UnpricedModel {
  return (
    isRecord(v) &&
    isString(v.model) &&
    isInt(v.unpriced_requests) &&
    isInt(v.unpriced_tokens) &&
    isInt(v.input_tokens) &&
    isInt(v.output_tokens) &&
    isInt(v.cache_read_input_tokens) &&
    isInt(v.cache_write_input_tokens)
  );
}

export function isUnpricedResponse(v: unknown): v is UnpricedResponse {
  return (
    isRecord(v) &&
    isString(v.from) &&
    isString(v.to) &&
    isArrayOf(v.models, isUnpricedModel) &&
    isFreshness(v.freshness)
  );
}

export function isErrorResponse(v: unknown): v is ErrorResponse {
  return isRecord(v) && isRecord(v.error) && isString(v.error.code) && isString(v.error.message);
}

/** Any JSON at all (for responses the dashboard only passes on, e.g. a 204's absence of one). */
export function isAnything(_v: unknown): _v is unknown {
  return true;
}
