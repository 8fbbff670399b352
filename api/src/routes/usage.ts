/** GET /v1/usage and /v1/usage/timeseries: breakdowns and series, tenant-scoped. */
import { getFreshness, queryUsage, totalOf, UsageQueryError } from "@bedrock-chargeback/collector";
import { Hono } from "hono";
import { z } from "zod";
import { type AppEnv, cachedJson, type Services, scopeFilters } from "../context";
import { badRequest } from "../errors";
import type { UsageResponse } from "../types";
import { extractFilters, type Filters, parseGroupBy, timeBound, validate } from "../validation";
import { figures, freshness } from "../views";

const RESERVED = new Set(["from", "to", "group_by", "granularity"]);
const granularity = z.enum(["hour", "day", "month"]);

function usageQuerySchema(defaultGranularity: z.infer<typeof granularity> | undefined) {
  return z
    .looseObject({
      from: timeBound,
      to: timeBound,
      group_by: z.string().max(500).optional(),
      granularity: defaultGranularity ? granularity.default(defaultGranularity) : granularity.optional(),
    })
    .transform((q, ctx) => ({
      from: q.from,
      to: q.to,
      groupBy: parseGroupBy(q.group_by, ctx),
      granularity: q.granularity,
      filters: extractFilters(q, RESERVED, ctx),
    }));
}

export type UsageParams = {
  from: string;
  to: string;
  groupBy: ReturnType<typeof parseGroupBy>;
  granularity: "hour" | "day" | "month" | undefined;
  filters: Filters;
};

/** The usage figures behind both routes. @example listUsage(services, { from: "2026-10-01", to: "2026-11-01", groupBy: ["tenant"], granularity: "month", filters: {} }) */
export function listUsage(s: Services, q: UsageParams): UsageResponse {
  let rows: ReturnType<typeof queryUsage>;
  try {
    rows = queryUsage(s.db, s.cache.prices(), {
      from: q.from,
      to: q.to,
      by: q.groupBy,
      filters: q.filters,
      ...(q.granularity ? { granularity: q.granularity } : {}),
    });
  } catch (error) {
    if (error instanceof UsageQueryError) throw badRequest(error.message);
    throw error;
  }
  const filters: Record<string, (string | null)[]> = {};
  for (const [k, v] of Object.entries(q.filters)) if (v) filters[k] = v;
  return {
    query: { from: q.from, to: q.to, group_by: q.groupBy, granularity: q.granularity ?? null, filters },
    rows: rows.map((r) => ({ keys: r.keys, ...(r.period ? { period: r.period } : {}), ...figures(r) })),
    total: figures(totalOf(rows)),
    freshness: freshness(getFreshness(s.db)),
  };
}

export function usageRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get("/", validate("query", usageQuerySchema(undefined)), (c) => {
      const q = c.req.valid("query");
      const params = { ...q, filters: scopeFilters(c, q.filters) };
      return cachedJson(c, s, ["usage", params], () => listUsage(s, params));
    })
    .get("/timeseries", validate("query", usageQuerySchema("day")), (c) => {
      const q = c.req.valid("query");
      const params = { ...q, filters: scopeFilters(c, q.filters) };
      return cachedJson(c, s, ["usage", params], () => listUsage(s, params));
    });
}
