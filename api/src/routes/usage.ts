/** GET /v1/usage and /v1/usage/timeseries: breakdowns and series, tenant-scoped, in pages. */
import { createHash } from "node:crypto";
import {
  formatMicros,
  getFreshness,
  linearForecastMicros,
  queryUsagePage,
  roundPicoToMicros,
  UsageQueryError,
  type UsageTotals,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { type AppEnv, cachedJson, type Services, scopeFilters } from "../context";
import { badRequest } from "../errors";
import { ALL, access, responses, router } from "../openapi";
import { UsageResponse } from "../schemas";
import { extractFilters, type Filters, parseGroupBy, timeBound } from "../validation";
import { figures, freshness } from "../views";

const RESERVED = new Set(["from", "to", "group_by", "granularity", "limit", "cursor"]);
const granularity = z.enum(["hour", "day", "month"]);

/** Rows per page: enough for every dashboard view in one page, small enough to hold. */
export const DEFAULT_PAGE_ROWS = 1000;
export const MAX_PAGE_ROWS = 10_000;

function usageQuerySchema(defaultGranularity: z.infer<typeof granularity> | undefined) {
  return z
    .looseObject({
      from: timeBound.meta({
        description: "inclusive, YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z (UTC), 2000-01-01 to 9999-01-01",
      }),
      to: timeBound.meta({ description: "exclusive, same forms" }),
      group_by: z.string().max(500).optional().meta({ description: "comma list of dimensions" }),
      granularity: (defaultGranularity
        ? granularity.default(defaultGranularity)
        : granularity.optional()
      ).meta({
        description: `hour | day | month${defaultGranularity ? ` (default ${defaultGranularity})` : ""}`,
      }),
      limit: z.coerce
        .number()
        .int()
        .min(1)
        .max(MAX_PAGE_ROWS)
        .default(DEFAULT_PAGE_ROWS)
        .meta({ description: `rows per page, 1-${MAX_PAGE_ROWS} (default ${DEFAULT_PAGE_ROWS})` }),
      cursor: z
        .string()
        .max(200)
        .optional()
        .meta({ description: "next_cursor of the previous page (the rest of the query unchanged)" }),
    })
    .transform((q, ctx) => ({
      from: q.from,
      to: q.to,
      groupBy: parseGroupBy(q.group_by, ctx),
      granularity: q.granularity,
      filters: extractFilters(q, RESERVED, ctx),
      limit: q.limit,
      cursor: q.cursor,
    }));
}

export type UsageParams = {
  from: string;
  to: string;
  groupBy: ReturnType<typeof parseGroupBy>;
  granularity: "hour" | "day" | "month" | undefined;
  filters: Filters;
};

/** Which query a cursor belongs to: a cursor is only good for the query that issued it. */
function fingerprint(q: UsageParams): string {
  const same = [q.from, q.to, q.groupBy, q.granularity ?? null, q.filters];
  return createHash("sha256").update(JSON.stringify(same)).digest("base64url").slice(0, 16);
}

/** Opaque to clients: base64url of `{o: rows already sent, q: fingerprint}`. */
export function encodeCursor(q: UsageParams, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint(q) })).toString("base64url");
}

const cursorSchema = z.object({ o: z.number().int().min(0).max(1e9), q: z.string() });

function decodeCursor(q: UsageParams, cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw badRequest("cursor: expected a next_cursor from a previous response");
  }
  const c = cursorSchema.safeParse(parsed);
  if (!c.success) throw badRequest("cursor: expected a next_cursor from a previous response");
  if (c.data.q !== fingerprint(q))
    throw badRequest(
      "cursor: belongs to another query (from, to, group_by, granularity and filters must not change)",
    );
  return c.data.o;
}

/**
 * One page of the usage figures behind both routes; `total` is over every row, not the page.
 * @example listUsage(services, { from: "2026-10-01", to: "2026-11-01", groupBy: ["tenant"], granularity: "month", filters: {} }, { offset: 0, limit: 1000 })
 */
export function listUsage(
  s: Services,
  q: UsageParams,
  page: { offset: number; limit: number },
): UsageResponse {
  let result: ReturnType<typeof queryUsagePage>;
  try {
    result = queryUsagePage(
      s.db,
      s.cache.prices(),
      {
        from: q.from,
        to: q.to,
        by: q.groupBy,
        filters: q.filters,
        ...(q.granularity ? { granularity: q.granularity } : {}),
      },
      page,
    );
  } catch (error) {
    if (error instanceof UsageQueryError) throw badRequest(error.message);
    throw error;
  }
  const filters: Record<string, (string | null)[]> = {};
  for (const [k, v] of Object.entries(q.filters)) if (v) filters[k] = v;
  return {
    query: { from: q.from, to: q.to, group_by: q.groupBy, granularity: q.granularity ?? null, filters },
    rows: result.rows.map((r) => ({
      keys: r.keys,
      ...(r.period ? { period: r.period } : {}),
      ...figures(r),
    })),
    next_cursor: result.hasMore ? encodeCursor(q, page.offset + result.rows.length) : null,
    total: figures(result.total),
    forecast: forecastOf(result.total, q, s.now().getTime()),
    freshness: freshness(getFreshness(s.db)),
  };
}

function forecastOf(total: UsageTotals, q: UsageParams, nowMs: number): UsageResponse["forecast"] {
  if (!isLive(q, nowMs)) return null;
  const spent = roundPicoToMicros(total.costPico);
  const forecast = linearForecastMicros(spent, Date.parse(q.from), Date.parse(q.to), nowMs);
  return forecast === null ? null : { cost_usd: formatMicros(forecast), cost_micro_usd: Number(forecast) };
}

/** Whether now lies inside the queried range (its forecast then moves with the clock). */
const isLive = (q: UsageParams, nowMs: number) => Date.parse(q.from) < nowMs && nowMs < Date.parse(q.to);

type ValidatedQuery = ReturnType<ReturnType<typeof usageQuerySchema>["parse"]>;

function respond(c: Context<AppEnv>, s: Services, v: ValidatedQuery) {
  const { limit, cursor, ...rest } = v;
  const params: UsageParams = { ...rest, filters: scopeFilters(c, rest.filters) };
  const offset = decodeCursor(params, cursor);
  // A live range's forecast moves with the clock: its cached answer lasts a minute at most.
  const nowMs = s.now().getTime();
  const minute = isLive(params, nowMs) ? Math.floor(nowMs / 60_000) : null;
  return cachedJson(c, s, ["usage", params, offset, limit, minute], () =>
    listUsage(s, params, { offset, limit }),
  );
}

const filterNote = "Any dimension name is also a filter parameter (repeatable; __null__ = missing).";
const pageNote =
  "Paged: rows ordered by period, then the group_by values (null first); next_cursor is null on the last page; total is over all rows; forecast (a live range only) projects total cost to `to`.";

export function usageRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: `Usage breakdown by any dimensions. ${filterNote} ${pageNote}`,
        ...access(ALL),
        request: { query: usageQuerySchema(undefined) },
        responses: responses(200, UsageResponse),
      }),
      (c) => respond(c, s, c.req.valid("query")),
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/timeseries",
        summary: `Usage time series. ${filterNote} ${pageNote}`,
        ...access(ALL),
        request: { query: usageQuerySchema("day") },
        responses: responses(200, UsageResponse),
      }),
      (c) => respond(c, s, c.req.valid("query")),
    );
}
