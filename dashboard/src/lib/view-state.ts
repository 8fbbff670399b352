/**
 * Everything a view shows is in its URL (page, range, granularity, filters, billing month and
 * tenant), so a link reproduces the view. Pure: parse and serialize, no window access.
 */
import { addMonths, daysBetween, isDay, isMonth, monthOf, monthRange } from "./dates";

export const PAGES = [
  "overview",
  "tenants",
  "users",
  "experiments",
  "billing",
  "reconciliation",
  "budgets",
  "ask",
] as const;
export type Page = (typeof PAGES)[number];

/** Dimensions a click can filter by, in the order they show as chips (any combination; issue #14). */
export const FILTER_DIMENSIONS = [
  "tenant",
  "application",
  "cost_center",
  "model",
  "user",
  "meta:experiment_id",
  "meta:variant",
] as const;
export type FilterDimension = (typeof FILTER_DIMENSIONS)[number];
export type Filter = { dimension: FilterDimension; value: string | null };

export type Granularity = "hour" | "day";

export type ViewState = {
  page: Page;
  /** Inclusive UTC day. */
  from: string;
  /** Exclusive UTC day. */
  to: string;
  granularity: Granularity;
  filters: Filter[];
  /** Billing month (YYYY-MM). */
  month: string;
  /** The tenant whose invoice is open on the billing page. */
  invoice: string | null;
};

/** The API's (and the URL's) spelling of "the metadata was missing". */
export const NULL_VALUE = "__null__";

const LONGEST_RANGE_DAYS = 366;
const HOURLY_DEFAULT_MAX_DAYS = 3;

function isPage(v: string): v is Page {
  return PAGES.some((p) => p === v);
}

export function pageOf(pathname: string): Page {
  const segment = pathname.replace(/^\/+|\/+$/g, "").split("/")[0] ?? "";
  return isPage(segment) ? segment : "overview";
}

export function pagePath(page: Page): string {
  return page === "overview" ? "/" : `/${page}`;
}

/** The default view at `nowMs`: this month, by day, no filters, last month's invoices. */
export function defaultView(nowMs: number): ViewState {
  const month = monthOf(nowMs);
  return {
    page: "overview",
    ...monthRange(month),
    granularity: "day",
    filters: [],
    month: addMonths(month, -1),
    invoice: null,
  };
}

/** Reads a view from a location; anything missing or malformed falls back to the default. */
export function parseView(pathname: string, search: string, nowMs: number): ViewState {
  const d = defaultView(nowMs);
  const q = new URLSearchParams(search);
  let from = q.get("from") ?? d.from;
  let to = q.get("to") ?? d.to;
  if (!isDay(from) || !isDay(to) || to <= from || daysBetween(from, to) > LONGEST_RANGE_DAYS) {
    from = d.from;
    to = d.to;
  }
  const g = q.get("granularity");
  const granularity: Granularity =
    g === "hour" || g === "day" ? g : daysBetween(from, to) <= HOURLY_DEFAULT_MAX_DAYS ? "hour" : "day";
  const filters: Filter[] = [];
  for (const dimension of FILTER_DIMENSIONS) {
    for (const raw of q.getAll(dimension)) {
      const value = raw === NULL_VALUE ? null : raw;
      if (raw.length > 0 && !filters.some((f) => f.dimension === dimension && f.value === value))
        filters.push({ dimension, value });
    }
  }
  const month = q.get("month") ?? "";
  const invoice = q.get("invoice");
  return {
    page: pageOf(pathname),
    from,
    to,
    granularity,
    filters,
    month: isMonth(month) ? month : d.month,
    invoice: invoice && invoice.length > 0 ? invoice : null,
  };
}

/** The URL (path + query) of a view. Range and filters always travel, so links are absolute. */
export function serializeView(v: ViewState): string {
  const q = new URLSearchParams();
  if (v.page === "billing") {
    q.set("month", v.month);
    if (v.invoice) q.set("invoice", v.invoice);
  } else if (v.page === "reconciliation") {
    q.set("month", v.month);
  } else if (v.page !== "budgets" && v.page !== "ask") {
    q.set("from", v.from);
    q.set("to", v.to);
    q.set("granularity", v.granularity);
    for (const f of v.filters) q.append(f.dimension, f.value ?? NULL_VALUE);
  }
  const s = q.toString();
  return `${pagePath(v.page)}${s ? `?${s}` : ""}`;
}

/** Adds a filter (a click on a chart) unless it is already there; replaces another value of the same dimension. */
export function withFilter(v: ViewState, filter: Filter): ViewState {
  const others = v.filters.filter((f) => f.dimension !== filter.dimension);
  return { ...v, filters: [...others, filter] };
}

export function withoutFilter(v: ViewState, filter: Filter): ViewState {
  return {
    ...v,
    filters: v.filters.filter((f) => !(f.dimension === filter.dimension && f.value === filter.value)),
  };
}

/** The value a view is filtered to for one dimension, if exactly one. */
export function filterValue(v: ViewState, dimension: FilterDimension): string | null | undefined {
  const matching = v.filters.filter((f) => f.dimension === dimension);
  return matching.length === 1 ? matching[0]?.value : undefined;
}

/**
 * The API query for a view: range, filters (repeatable, `__null__` for missing) and extras.
 * @example usageQuery(view, { group_by: "application" }) // => "from=…&to=…&application=…&group_by=application"
 */
export function usageQuery(
  v: Pick<ViewState, "from" | "to" | "filters">,
  extra: Record<string, string> = {},
): string {
  const q = new URLSearchParams();
  q.set("from", v.from);
  q.set("to", v.to);
  for (const f of v.filters) q.append(f.dimension, f.value ?? NULL_VALUE);
  for (const [k, val] of Object.entries(extra)) q.set(k, val);
  return q.toString();
}
