/** Budgets with month-to-date status: /v1/budgets. */
import {
  type Budget,
  budgetStatus,
  createBudget,
  deleteBudget,
  getBudget,
  getFreshness,
  listBudgets,
  parseMicros,
  updateBudget,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { type AppEnv, type Services, scopeTenant } from "../context";
import { forbidden } from "../errors";
import { ALL, access, BILLING, jsonBody, responses, router } from "../openapi";
import { BudgetListResponse, BudgetView } from "../schemas";
import { usdSchema } from "../validation";
import { budget, freshness } from "../views";

const idParam = z.object({ id: z.coerce.number().int().positive() });
const thresholds = z.array(z.number().positive().max(1000)).min(1).max(10);
export const createBudgetSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  scope: z.enum(["tenant", "application", "cost_center"]),
  scope_value: z.string().min(1).max(256),
  amount_usd: usdSchema,
  thresholds: thresholds.optional(),
});
export const patchBudgetSchema = z.object({
  name: z.string().min(1).max(200).optional(),
  amount_usd: usdSchema.optional(),
  thresholds: thresholds.optional(),
});
const listQuery = z.object({
  tenant: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: "one tenant's budget (a tenant key: its own)" }),
});

/** A tenant key sees only its own tenant's budget; application and cost center budgets span tenants. */
function visible(c: Context<AppEnv>, b: Budget): void {
  const key = c.get("apiKey");
  if (key.role === "tenant" && !(b.scope === "tenant" && b.scopeValue === key.tenant)) {
    throw forbidden("a tenant key can only read its own tenant's budget");
  }
}

export function budgetRoutes(s: Services) {
  const view = (b: Budget) => budget(b, budgetStatus(s.db, s.cache.prices(), b, s.now()));
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: "Budgets with month-to-date status and forecast",
        ...access(ALL),
        request: { query: listQuery },
        responses: responses(200, BudgetListResponse),
      }),
      (c) => {
        const tenant = scopeTenant(c, c.req.valid("query").tenant);
        const list =
          tenant === undefined
            ? listBudgets(s.db)
            : listBudgets(s.db, { scope: "tenant", scopeValue: tenant });
        return c.json({ budgets: list.map(view), freshness: freshness(getFreshness(s.db)) }, 200);
      },
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/",
        summary: "Create a budget",
        ...access(BILLING),
        request: { body: jsonBody(createBudgetSchema) },
        responses: responses(201, BudgetView),
      }),
      (c) => {
        const b = c.req.valid("json");
        const created = createBudget(
          s.db,
          {
            scope: b.scope,
            scopeValue: b.scope_value,
            amountMicros: parseMicros(b.amount_usd),
            ...(b.name ? { name: b.name } : {}),
            ...(b.thresholds ? { thresholds: b.thresholds } : {}),
          },
          s.now(),
        );
        return c.json(view(created), 201);
      },
    )
    .openapi(
      createRoute({
        method: "get",
        path: "/{id}",
        summary: "One budget with status",
        ...access(ALL),
        request: { params: idParam },
        responses: responses(200, BudgetView, { extra: [404] }),
      }),
      (c) => {
        const b = getBudget(s.db, c.req.valid("param").id);
        visible(c, b);
        return c.json(view(b), 200);
      },
    )
    .openapi(
      createRoute({
        method: "patch",
        path: "/{id}",
        summary: "Change a budget",
        ...access(BILLING),
        request: { params: idParam, body: jsonBody(patchBudgetSchema) },
        responses: responses(200, BudgetView, { extra: [404] }),
      }),
      (c) => {
        const p = c.req.valid("json");
        const updated = updateBudget(
          s.db,
          c.req.valid("param").id,
          {
            ...(p.name ? { name: p.name } : {}),
            ...(p.amount_usd ? { amountMicros: parseMicros(p.amount_usd) } : {}),
            ...(p.thresholds ? { thresholds: p.thresholds } : {}),
          },
          s.now(),
        );
        return c.json(view(updated), 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/{id}",
        summary: "Delete a budget",
        ...access(BILLING),
        request: { params: idParam },
        responses: responses(204, null, { extra: [404] }),
      }),
      (c) => {
        deleteBudget(s.db, c.req.valid("param").id);
        return c.body(null, 204);
      },
    );
}
