/** GET /v1/exports/:month: CSV, JSON or FOCUS CSV of a month's invoices (all tenants or one). */
import { getInvoices, invoicesToCsv, invoicesToFocusCsv } from "@bedrock-chargeback/ledger";
import { Hono } from "hono";
import { z } from "zod";
import { type AppEnv, cachedJson, type Services, scopeTenant, textBytes } from "../context";
import { monthSchema, validate } from "../validation";
import { exportJson } from "../views";

const param = z.object({ month: monthSchema });
const query = z.object({
  format: z.enum(["csv", "json", "focus"]).default("csv"),
  tenant: z.string().min(1).max(256).optional(),
});

function fileName(month: string, tenant: string | undefined, suffix: string): string {
  const safeTenant = tenant ? `-${tenant.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64)}` : "";
  return `chargeback-${month}${safeTenant}${suffix}`;
}

export function exportRoutes(s: Services) {
  return new Hono<AppEnv>().get("/:month", validate("param", param), validate("query", query), (c) => {
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
      () => (q.format === "focus" ? invoicesToFocusCsv(invoices()) : invoicesToCsv(invoices())),
      textBytes,
    );
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${fileName(month, tenant, q.format === "focus" ? "-focus.csv" : ".csv")}"`,
    });
  });
}
