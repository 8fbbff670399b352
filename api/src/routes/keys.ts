/** API keys (admin only): /v1/keys. The secret is in the create response, once. */
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "../auth";
import type { Services } from "../context";
import { ApiError, badRequest } from "../errors";
import { createApiKey, KeyError, listApiKeys, ROLES, revokeApiKey } from "../keys";
import { access, jsonBody, responses, router } from "../openapi";
import { ApiKeyListResponse, ApiKeyView, CreateApiKeyResponse } from "../schemas";
import { apiKey } from "../views";

export const createKeySchema = z.object({
  role: z.enum(ROLES),
  tenant: z.string().min(1).max(256).optional(),
  name: z.string().min(1).max(200).optional(),
});
const idParam = z.object({
  id: z.string().regex(/^key_[0-9a-f]{12}$/, "expected a key id like key_0123456789ab"),
});

export function keyRoutes(s: Services) {
  const app = router();
  // Every path under /v1/keys, matched or not, is admin only.
  app.use(requireRole("admin"));
  return app
    .openapi(
      createRoute({
        method: "get",
        path: "/",
        summary: "API keys (never the secrets)",
        ...access(["admin"]),
        request: { query: z.strictObject({}) },
        responses: responses(200, ApiKeyListResponse),
      }),
      (c) => c.json({ keys: listApiKeys(s.db).map(apiKey) }, 200),
    )
    .openapi(
      createRoute({
        method: "post",
        path: "/",
        summary: "Create an API key (the secret is returned once)",
        ...access(["admin"]),
        request: { body: jsonBody(createKeySchema) },
        responses: responses(201, CreateApiKeyResponse),
      }),
      (c) => {
        const b = c.req.valid("json");
        try {
          const { key, apiKey: created } = createApiKey(
            s.db,
            { role: b.role, tenant: b.tenant ?? null, ...(b.name ? { name: b.name } : {}) },
            s.now(),
          );
          return c.json({ ...apiKey(created), key }, 201);
        } catch (error) {
          if (error instanceof KeyError) throw badRequest(error.message);
          throw error;
        }
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: "/{id}",
        summary: "Revoke an API key",
        ...access(["admin"]),
        request: { params: idParam },
        responses: responses(200, ApiKeyView, { extra: [404] }),
      }),
      (c) => {
        const revoked = revokeApiKey(s.db, c.req.valid("param").id, s.now());
        if (!revoked) throw new ApiError("not_found", "no key with that id");
        return c.json(apiKey(revoked), 200);
      },
    );
}
