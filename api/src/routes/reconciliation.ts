/** GET /v1/reconciliation?month=: the month's latest reconciliation with the AWS bill (admin, finance). */
import { getPeriod, loadReconciliation } from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import type { Services } from "../context";
import { access, BILLING, responses, router } from "../openapi";
import { ReconciliationResponse } from "../schemas";
import { monthSchema } from "../validation";
import { reconciliationView } from "../views";

const query = z.strictObject({ month: monthSchema });

export function reconciliationRoutes(s: Services) {
  return router().openapi(
    createRoute({
      method: "get",
      path: "/",
      summary:
        "The month's latest reconciliation with the AWS bill (chargeback reconcile): ledger vs billed per day × account × region × model × bucket, statuses, other charges, the bill version compared; reconciled: false when none was run",
      ...access(BILLING),
      request: { query },
      responses: responses(200, ReconciliationResponse),
    }),
    (c) => {
      const { month } = c.req.valid("query");
      return c.json(
        reconciliationView(month, getPeriod(s.db, month).status, loadReconciliation(s.db, month)),
        200,
      );
    },
  );
}
