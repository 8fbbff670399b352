/** Prices: list, add (origin "api"), explicit reprice of open months, unpriced models. */
import {
  addPrice,
  getFreshness,
  listPrices,
  queryUsage,
  repriceOpenPeriods,
  UsageQueryError,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeTenant } from "../context";
import { badRequest } from "../errors";
import { ALL, access, BILLING, jsonBody, responses, router } from "../openapi";
import { CreatePriceResponse, PriceListResponse, RepriceResult, UnpricedResponse } from "../schemas";
import { daySchema, monthSchema, timeBound } from "../validation";
import { freshness, price, reprice } from "../views";

const amount = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'expected USD per 1M tokens like "3.00" (≤ 6 decimals)');
export const createPriceSchema = z.object({
  model: z.string().min(1).max(256),
  scopes: z
    .array(z.enum(["in_region", "geographic", "global"]))
    .min(1)
    .default(["in_region"]),
  regions: z.array(z.string().min(1).max(64)).min(1).max(50).default(["*"]),
  effective_from: daySchema,
  input: amount,
  output: amount,
  cache_read: amount,
  cache_write: amount,
  source: z.string().min(1).max(500).optional(),
  reprice: z.boolean().default(false),
});
export const repriceSchema = z.object({ from: monthSchema, to: monthSchema });
const listQuery = z.object({
  model: z.string().min(1).optional().meta({ description: "base model id" }),
  origin: z.enum(["catalog", "pricelist", "user", "api"]).optional(),
});
const unpricedQuery = z.object({
  from: timeBound,
  to: timeBound,
  tenant: z.string().min(1).optional().meta({ description: "one tenant (a tenant key: its own)" }),
});

export function priceRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: "Price versions",
        ...access(ALL),
        request: { query: listQuery },
        responses: responses(200, PriceListResponse),
      }),
      (c) => c.json({ prices: listPrices(s.db, c.req.valid("query")).map(price) }, 200),
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/",
        summary: "Add a price (origin api); reprices open months only with reprice: true",
        ...access(BILLING),
        request: { body: jsonBody(createPriceSchema) },
        responses: responses(201, CreatePriceResponse),
      }),
      (c) => {
        const b = c.req.valid("json");
        const added = addPrice(
          s.db,
          {
            model: b.model,
            scopes: b.scopes,
            regions: b.regions,
            effectiveFrom: b.effective_from,
            input: b.input,
            output: b.output,
            cacheRead: b.cache_read,
            cacheWrite: b.cache_write,
            ...(b.source ? { source: b.source } : {}),
          },
          s.now(),
        );
        s.cache.changed();
        const month = b.effective_from.slice(0, 7);
        const nowMonth = s.now().toISOString().slice(0, 7);
        const repriced = b.reprice
          ? repriceOpenPeriods(s.db, {
              fromMonth: month,
              toMonth: month.localeCompare(nowMonth) > 0 ? month : nowMonth,
            })
          : null;
        const body: CreatePriceResponse = {
          prices: added.map(price),
          reprice: repriced ? reprice(repriced) : null,
        };
        return c.json(body, 201);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/reprice",
        summary: "Reprice the open months in a range (closed months are skipped)",
        ...access(BILLING),
        request: { body: jsonBody(repriceSchema) },
        responses: responses(200, RepriceResult),
      }),
      (c) => {
        const b = c.req.valid("json");
        return c.json(reprice(repriceOpenPeriods(s.db, { fromMonth: b.from, toMonth: b.to })), 200);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/unpriced",
        summary: "Models with usage but no price",
        ...access(ALL),
        request: { query: unpricedQuery },
        responses: responses(200, UnpricedResponse),
      }),
      (c) => {
        const q = c.req.valid("query");
        const tenant = scopeTenant(c, q.tenant);
        return cachedJson(c, s, ["unpriced", q.from, q.to, tenant], (): UnpricedResponse => {
          let rows: ReturnType<typeof queryUsage>;
          try {
            rows = queryUsage(s.db, s.cache.prices(), {
              from: q.from,
              to: q.to,
              by: ["model"],
              filters: { price_id: [null], ...(tenant === undefined ? {} : { tenant: [tenant] }) },
            });
          } catch (error) {
            if (error instanceof UsageQueryError) throw badRequest(error.message);
            throw error;
          }
          return {
            from: q.from,
            to: q.to,
            models: rows
              .filter((r) => r.unpricedRequests > 0 || r.unpricedTokens > 0)
              .sort((a, b) => b.unpricedTokens - a.unpricedTokens || b.unpricedRequests - a.unpricedRequests)
              .map((r) => ({
                model: r.keys.model ?? "(unknown)",
                unpriced_requests: r.unpricedRequests,
                unpriced_tokens: r.unpricedTokens,
                input_tokens: r.inputTokens,
                output_tokens: r.outputTokens,
                cache_read_input_tokens: r.cacheReadTokens,
                cache_write_input_tokens: r.cacheWriteTokens,
              })),
            freshness: freshness(getFreshness(s.db)),
          };
        });
      },
    );
}
