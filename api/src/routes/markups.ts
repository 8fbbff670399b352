/** Per-tenant markups and discounts: /v1/markups. */
import { deleteMarkup, listMarkups, setMarkup } from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { type Services, scopeTenant } from "../context";
import { ApiError } from "../errors";
import { ALL, access, BILLING, jsonBody, responses, router } from "../openapi";
import { Markup, MarkupListResponse } from "../schemas";
import { markup } from "../views";

const tenantParam = z.object({ tenant: z.string().min(1).max(256) });
export const markupSchema = z.object({
  basis_points: z.number().int().min(-10_000).max(100_000),
  description: z.string().min(1).max(200).optional(),
});

export function markupRoutes(s: Services) {
  return router()
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: "Tenant markups and discounts",
        ...access(ALL),
        request: { query: z.strictObject({}) },
        responses: responses(200, MarkupListResponse),
      }),
      (c) => c.json({ markups: listMarkups(s.db, scopeTenant(c, undefined)).map(markup) }, 200),
    )
    .openapi(
      createRoute({
        method: "put",
        path: "/{tenant}",
        summary: "Set a tenant's markup (basis points; negative = discount)",
        ...access(BILLING),
        request: { params: tenantParam, body: jsonBody(markupSchema) },
        responses: responses(200, Markup),
      }),
      (c) => {
        const { tenant } = c.req.valid("param");
        const b = c.req.valid("json");
        const m = setMarkup(
          s.db,
          { tenant, basisPoints: b.basis_points, ...(b.description ? { description: b.description } : {}) },
          s.now(),
        );
        return c.json(markup(m), 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/{tenant}",
        summary: "Remove a tenant's markup",
        ...access(BILLING),
        request: { params: tenantParam },
        responses: responses(204, null, { extra: [404] }),
      }),
      (c) => {
        if (!deleteMarkup(s.db, c.req.valid("param").tenant))
          throw new ApiError("not_found", "no markup for that tenant");
        return c.body(null, 204);
      },
    );
}
