/** GET /v1/exports/:month: CSV, JSON or FOCUS CSV of a month's invoices (all tenants or one). */
import {
  focusOptions,
  getInvoices,
  type InvoiceConfig,
  invoicesToCsv,
  invoicesToFocusCsv,
} from "@bedrock-chargeback/ledger";
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeTenant, textBytes } from "../context";
import { ALL, access, responses, router } from "../openapi";
import { ExportJson } from "../schemas";
import { monthSchema } from "../validation";
import { exportJson } from "../views";

const param = z.object({ month: monthSchema });
const query = z.object({
  format: z.enum(["csv", "json", "focus"]).default("csv"),
  tenant: z.string().min(1).max(256).optional().meta({ description: "one tenant (a tenant key: its own)" }),
});

function fileName(month: string, tenant: string | undefined, suffix: string): string {
  const safeTenant = tenant ? `-${tenant.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64)}` : "";
  return `chargeback-${month}${safeTenant}${suffix}`;
}

/** `invoiceConfig` names the FOCUS InvoiceIssuerName and the tenants' BillingAccountName. */
export function exportRoutes(s: Services, invoiceConfig: InvoiceConfig) {
  const route = createRoute({
    method: "get",
    path: "/{month}",
    summary: "Billing export (CSV, JSON or FOCUS CSV)",
    ...access(ALL),
    request: { params: param, query },
    responses: {
      ...responses(200, ExportJson),
      200: {
        description: "format=json: the invoices as JSON; csv and focus: a CSV file",
        content: {
          "application/json": { schema: ExportJson },
          "text/csv": { schema: z.string() },
        },
      },
    },
  });
  return router().openapi(route, (c) => {
    const { month } = c.req.valid("param");
    const q = c.req.valid("query");
    const tenant = scopeTenant(c, q.tenant);
    const invoices = () => getInvoices(s.db, s.cache.prices(), month, tenant);
    if (q.format === "json") {
      return cachedJson(c, s, ["export", month, tenant, "json"], () => exportJson(month, tenant, invoices()));
    }
    // The file's text is what is cached (and sized), not the invoices behind it.
    const csv = s.cache.get(
      JSON.stringify(["export", month, tenant, q.format]),
      () =>
        q.format === "focus"
          ? invoicesToFocusCsv(invoices(), focusOptions(invoiceConfig))
          : invoicesToCsv(invoices()),
      textBytes,
    );
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName(month, tenant, q.format === "focus" ? "-focus.csv" : ".csv")}"`,
    });
  });
}
