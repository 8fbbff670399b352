/** GET /v1/attribution: the unattributed share and the identities behind it. */
import {
  attribution,
  getFreshness,
  roundPicoToMicros,
  UsageQueryError,
  type UsageTotals,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeFilters } from "../context";
import { badRequest } from "../errors";
import { ALL, access, responses, router } from "../openapi";
import { AttributionResponse } from "../schemas";
import { daySchema, extractFilters, type Filters } from "../validation";
import { figures, freshness } from "../views";

const RESERVED = new Set(["from", "to", "top"]);

const querySchema = z
  .looseObject({
    from: daySchema.meta({ description: "YYYY-MM-DD" }),
    to: daySchema.meta({ description: "YYYY-MM-DD, exclusive" }),
    top: z.coerce
      .number()
      .int()
      .min(1)
      .max(100)
      .default(10)
      .meta({ description: "identities to list, 1-100 (default 10)" }),
  })
  .transform((q, ctx) => ({ from: q.from, to: q.to, top: q.top, filters: extractFilters(q, RESERVED, ctx) }));

function pct(part: bigint | number, whole: bigint | number): number {
  const p = BigInt(part);
  const w = BigInt(whole);
  return w === 0n ? 0 : Number((p * 10_000n) / w) / 100;
}

function cost(t: UsageTotals): bigint {
  return roundPicoToMicros(t.costPico);
}

export function getAttribution(
  s: Services,
  q: { from: string; to: string; top: number; filters: Filters },
): AttributionResponse {
  let a: ReturnType<typeof attribution>;
  try {
    a = attribution(s.db, s.cache.prices(), q);
  } catch (error) {
    if (error instanceof UsageQueryError) throw badRequest(error.message);
    throw error;
  }
  const unattributedCostPct = pct(cost(a.unattributed), cost(a.total));
  const filters: Record<string, (string | null)[]> = {};
  for (const [k, v] of Object.entries(q.filters)) if (v) filters[k] = v;
  return {
    query: { from: q.from, to: q.to, filters },
    total: figures(a.total),
    unattributed: figures(a.unattributed),
    unattributed_cost_pct: unattributedCostPct,
    unattributed_requests_pct: pct(a.unattributed.requests, a.total.requests),
    coverage_pct: Math.round((100 - unattributedCostPct) * 100) / 100,
    missing: {
      tenant: figures(a.missing.tenant),
      application: figures(a.missing.application),
      cost_center: figures(a.missing.cost_center),
    },
    top_identities: a.topIdentities.map((i) => ({ identity_arn: i.identity, ...figures(i.totals) })),
    freshness: freshness(getFreshness(s.db)),
  };
}

export function attributionRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: "get",
      path: "/",
      summary:
        "Unattributed share and the identities behind it. Any dimension name is also a filter parameter (repeatable; __null__ = missing).",
      ...access(ALL),
      request: { query: querySchema },
      responses: responses(200, AttributionResponse),
    }),
    (c) => {
      const q = c.req.valid("query");
      const params = { ...q, filters: scopeFilters(c, q.filters) };
      return cachedJson(c, s, ["attribution", params], () => getAttribution(s, params));
    },
  );
}
