/** Per-tenant markups and discounts: /v1/markups. */
import { deleteMarkup, listMarkups, setMarkup } from "@bedrock-chargeback/ledger";
import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../auth";
import { type AppEnv, type Services, scopeTenant } from "../context";
import { ApiError } from "../errors";
import type { MarkupListResponse } from "../types";
import { validate } from "../validation";
import { markup } from "../views";

const tenantParam = z.object({ tenant: z.string().min(1).max(256) });
export const markupSchema = z.object({
  basis_points: z.number().int().min(-10_000).max(100_000),
  description: z.string().min(1).max(200).optional(),
});

export function markupRoutes(s: Services) {
  return new Hono<AppEnv>()
    .get("/", validate("query", z.strictObject({})), (c) => {
      const res: MarkupListResponse = { markups: listMarkups(s.db, scopeTenant(c, undefined)).map(markup) };
      return c.json(res);
    })
    .put(
      "/:tenant",
      requireRole("admin", "finance"),
      validate("param", tenantParam),
      validate("json", markupSchema),
      (c) => {
        const { tenant } = c.req.valid("param");
        const b = c.req.valid("json");
        const m = setMarkup(
          s.db,
          { tenant, basisPoints: b.basis_points, ...(b.description ? { description: b.description } : {}) },
          s.now(),
        );
        return c.json(markup(m));
      },
    )
    .delete("/:tenant", requireRole("admin", "finance"), validate("param", tenantParam), (c) => {
      if (!deleteMarkup(s.db, c.req.valid("param").tenant))
        throw new ApiError("not_found", "no markup for that tenant");
      return c.body(null, 204);
    });
}
