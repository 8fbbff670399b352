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
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../auth";
import { type AppEnv, type Services, scopeTenant } from "../context";
import { forbidden } from "../errors";
import type { BudgetListResponse } from "../types";
import { usdSchema, validate } from "../validation";
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
const listQuery = z.object({ tenant: z.string().min(1).max(256).optional() });

/** A tenant key sees only its own tenant's budget; application and cost center budgets span tenants. */
function visible(c: Context<AppEnv>, b: Budget): void {
  const key = c.get("apiKey");
  if (key.role === "tenant" && !(b.scope === "tenant" && b.scopeValue === key.tenant)) {
    throw forbidden("a tenant key can only read its own tenant's budget");
  }
}

export function budgetRoutes(s: Services) {
  const view = (b: Budget) => budget(b, budgetStatus(s.db, s.cache.prices(), b, s.now()));
  return new Hono<AppEnv>()
    .get("/", validate("query", listQuery), (c) => {
      const tenant = scopeTenant(c, c.req.valid("query").tenant);
      const list =
        tenant === undefined ? listBudgets(s.db) : listBudgets(s.db, { scope: "tenant", scopeValue: tenant });
      const res: BudgetListResponse = { budgets: list.map(view), freshness: freshness(getFreshness(s.db)) };
      return c.json(res);
    })
    .post("/", requireRole("admin", "finance"), validate("json", createBudgetSchema), (c) => {
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
    })
    .get("/:id", validate("param", idParam), (c) => {
      const b = getBudget(s.db, c.req.valid("param").id);
      visible(c, b);
      return c.json(view(b));
    })
    .patch(
      "/:id",
      requireRole("admin", "finance"),
      validate("param", idParam),
      validate("json", patchBudgetSchema),
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
        return c.json(view(updated));
      },
    )
    .delete("/:id", requireRole("admin", "finance"), validate("param", idParam), (c) => {
      deleteBudget(s.db, c.req.valid("param").id);
      return c.body(null, 204);
    });
}
