/**
 * GET /v1/users: the top users (user_id as logged — the wrapper's hash, never reversed) per
 * tenant × application (or any `per` dimensions), by cost; tenant-scoped.
 */
import {
  compareByCost,
  type Dimension,
  parseDimensionList,
  queryUsage,
  totalOf,
  UsageQueryError,
  type UsageRow,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeFilters } from "../context";
import { badRequest } from "../errors";
import { ALL, access, responses, router } from "../openapi";
import { TopUsersResponse } from "../schemas";
import { extractFilters, type Filters, timeBound } from "../validation";
import { figures } from "../views";

const RESERVED = new Set(["from", "to", "per", "top"]);

const querySchema = z
  .looseObject({
    from: timeBound.meta({ description: "inclusive, YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z (UTC)" }),
    to: timeBound.meta({ description: "exclusive, same forms" }),
    per: z
      .string()
      .max(500)
      .default("tenant,application")
      .meta({ description: "comma list of dimensions to group by (default tenant,application)" }),
    top: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(10)
      .meta({ description: "users per group, 1-1000 (default 10)" }),
  })
  .transform((q, ctx) => {
    const per = parseDimensionList(q.per);
    if (!per.ok) ctx.addIssue({ code: "custom", path: ["per"], message: per.message });
    else if (per.value.includes("user"))
      ctx.addIssue({
        code: "custom",
        path: ["per"],
        message: "expected dimensions other than user (the users are what is listed)",
      });
    return {
      from: q.from,
      to: q.to,
      per: per.ok ? per.value : [],
      top: q.top,
      filters: extractFilters(q, RESERVED, ctx),
    };
  });

export type TopUsersParams = { from: string; to: string; per: Dimension[]; top: number; filters: Filters };

export function getTopUsers(s: Services, q: TopUsersParams): TopUsersResponse {
  let rows: UsageRow[];
  try {
    rows = queryUsage(s.db, s.cache.prices(), {
      from: q.from,
      to: q.to,
      by: [...q.per, "user"],
      filters: q.filters,
    });
  } catch (error) {
    if (error instanceof UsageQueryError) throw badRequest(error.message);
    throw error;
  }
  const groups = new Map<string, { keys: Record<string, string | null>; rows: UsageRow[] }>();
  for (const r of rows) {
    const keys = Object.fromEntries(q.per.map((d) => [d, r.keys[d] ?? null]));
    const id = JSON.stringify(q.per.map((d) => keys[d]));
    const g = groups.get(id) ?? { keys, rows: [] };
    g.rows.push(r);
    groups.set(id, g);
  }
  const filters: Record<string, (string | null)[]> = {};
  for (const [k, v] of Object.entries(q.filters)) if (v) filters[k] = v;
  return {
    query: { from: q.from, to: q.to, per: q.per, top: q.top, filters },
    groups: [...groups.values()]
      .map((g) => ({ keys: g.keys, total: totalOf(g.rows), rows: [...g.rows].sort(compareByCost) }))
      .sort((a, b) => compareByCost(a.total, b.total))
      .map((g) => ({
        keys: g.keys,
        total: figures(g.total),
        users: g.rows.slice(0, q.top).map((r) => ({ user: r.keys.user ?? null, ...figures(r) })),
        more_users: Math.max(0, g.rows.length - q.top),
      })),
  };
}

export function userRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: "get",
      path: "/",
      summary:
        "Top users (user_id as logged; the wrapper's hash, never reversed) per group, biggest cost first. Any dimension name is also a filter parameter (repeatable; __null__ = missing).",
      ...access(ALL),
      request: { query: querySchema },
      responses: responses(200, TopUsersResponse),
    }),
    (c) => {
      const q = c.req.valid("query");
      const params = { ...q, filters: scopeFilters(c, q.filters) };
      return cachedJson(c, s, ["users", params], () => getTopUsers(s, params));
    },
  );
}
