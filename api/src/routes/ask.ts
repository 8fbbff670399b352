/**
 * POST /v1/ask: a plain-language question answered from the ledger (assistant/, issue #16). Every
 * role may ask; a tenant key's question is answered from its own tenant's rows only, whatever the
 * question or the model's SQL says (docs/adr/0009-ask-safety.md). Each key has a daily question budget.
 */
import { AskInputError, type Assistant, type QuestionBudget, toAskJson } from "@bedrock-chargeback/assistant";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { scopeTenant } from "../context";
import { ApiError, badRequest } from "../errors";
import { ALL, access, jsonBody, responses, router } from "../openapi";
import { AskResponse } from "../schemas";

export const askSchema = z.strictObject({
  question: z.string().trim().min(1, "must not be empty").max(1000, "at most 1000 characters"),
  /** Admin and finance keys may narrow the answer to one tenant; a tenant key always gets its own. */
  tenant: z.string().min(1).max(256).optional(),
});

export function askRoutes(assistant: Assistant, budget: QuestionBudget, now: () => Date) {
  return router().openapi(
    createRoute({
      method: "post",
      path: "/",
      summary:
        "Ask a question about spend in plain language: answer, SQL and rows (a tenant key: its own rows only; 429 when the key's daily question budget is spent)",
      ...access(ALL),
      request: { body: jsonBody(askSchema) },
      responses: responses(200, AskResponse),
    }),
    async (c) => {
      const body = c.req.valid("json");
      const tenant = scopeTenant(c, body.tenant);
      const key = c.get("apiKey");
      const allowance = budget.take(key.id);
      if (!allowance.ok) {
        const retryAfter = Math.max(1, Math.ceil((Date.parse(allowance.resetsAt) - now().getTime()) / 1000));
        throw new ApiError(
          "rate_limited",
          `daily question budget of ${budget.limit} spent for this key; it resets at ${allowance.resetsAt}`,
          { "Retry-After": String(retryAfter) },
        );
      }
      let outcome: Awaited<ReturnType<Assistant["ask"]>>;
      try {
        outcome = await assistant.ask({ question: body.question, tenant, user: key.id });
      } catch (error) {
        if (error instanceof AskInputError) throw badRequest(error.message);
        throw error;
      }
      return c.json(
        {
          ...toAskJson(outcome),
          answered: outcome.answered,
          truncated: outcome.truncated,
          notice: outcome.notice ?? null,
          tokens: outcome.tokens,
          questions_left_today: allowance.remaining,
        },
        200,
      );
    },
  );
}
