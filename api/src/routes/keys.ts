/** API keys (admin only): /v1/keys. The secret is in the create response, once. */
import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../auth";
import type { AppEnv, Services } from "../context";
import { ApiError, badRequest } from "../errors";
import { createApiKey, KeyError, listApiKeys, ROLES, revokeApiKey } from "../keys";
import type { ApiKeyListResponse, CreateApiKeyResponse } from "../types";
import { validate } from "../validation";
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
  return new Hono<AppEnv>()
    .use(requireRole("admin"))
    .get("/", validate("query", z.strictObject({})), (c) => {
      const res: ApiKeyListResponse = { keys: listApiKeys(s.db).map(apiKey) };
      return c.json(res);
    })
    .post("/", validate("json", createKeySchema), (c) => {
      const b = c.req.valid("json");
      try {
        const { key, apiKey: created } = createApiKey(
          s.db,
          { role: b.role, tenant: b.tenant ?? null, ...(b.name ? { name: b.name } : {}) },
          s.now(),
        );
        const res: CreateApiKeyResponse = { ...apiKey(created), key };
        return c.json(res, 201);
      } catch (error) {
        if (error instanceof KeyError) throw badRequest(error.message);
        throw error;
      }
    })
    .delete("/:id", validate("param", idParam), (c) => {
      const revoked = revokeApiKey(s.db, c.req.valid("param").id, s.now());
      if (!revoked) throw new ApiError("not_found", "no key with that id");
      return c.json(apiKey(revoked));
    });
}
