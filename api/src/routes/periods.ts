/** Billing periods, closing, and invoices: /v1/periods/… */
import {
  closePeriod,
  formatMicros,
  getFreshness,
  getInvoice,
  getInvoices,
  getPeriod,
  type InvoiceConfig,
  invoicePdfFileName,
  invoicesPdfZip,
  listPeriods,
  monthBounds,
  monthOf,
  renderInvoicePdf,
} from "@bedrock-chargeback/ledger";
import { Hono } from "hono";
import { z } from "zod";
import { requireRole } from "../auth";
import { type AppEnv, cachedJson, type Services, scopeTenant } from "../context";
import type { ClosePeriodResponse, InvoiceListResponse, InvoiceResponse, PeriodResponse } from "../types";
import { monthSchema, validate } from "../validation";
import { freshness, invoice, invoiceSummary, invoicesTotal, period } from "../views";

const monthParam = z.object({ month: monthSchema });
const invoiceParam = z.object({ month: monthSchema, tenant: z.string().min(1).max(256) });
const listQuery = z.object({ from_month: monthSchema.optional(), to_month: monthSchema.optional() });
const invoicesQuery = z.object({ tenant: z.string().min(1).max(256).optional() });
const pdfParam = z.object({
  month: monthSchema,
  tenant: z
    .string()
    .max(260)
    .regex(/^.+\.pdf$/, "expected <tenant>.pdf"),
});

function lastTwelve(now: Date): { from: string; to: string } {
  const to = monthOf(now);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1));
  return { from: monthOf(d), to };
}

function periodResponse(s: Services, month: string): PeriodResponse {
  return { ...period(getPeriod(s.db, month)), ...monthBounds(month) };
}

/** `invoiceConfig`: issuer and recipients printed on PDF invoices (api/src/config.ts). */
export function periodRoutes(s: Services, invoiceConfig: InvoiceConfig) {
  return (
    new Hono<AppEnv>()
      .get("/", validate("query", listQuery), (c) => {
        const q = c.req.valid("query");
        const d = lastTwelve(s.now());
        return c.json({ periods: listPeriods(s.db, q.from_month ?? d.from, q.to_month ?? d.to).map(period) });
      })
      .get("/:month", validate("param", monthParam), (c) =>
        c.json(periodResponse(s, c.req.valid("param").month)),
      )
      .post("/:month/close", requireRole("admin", "finance"), validate("param", monthParam), (c) => {
        const { month } = c.req.valid("param");
        const r = closePeriod(s.db, s.cache.prices(), month, { closedBy: c.get("apiKey").id, now: s.now() });
        const body: ClosePeriodResponse = {
          ...periodResponse(s, month),
          invoices: r.invoices,
          total_usd: formatMicros(r.totalMicros),
          total_micro_usd: Number(r.totalMicros),
        };
        return c.json(body);
      })
      .get("/:month/invoices", validate("param", monthParam), validate("query", invoicesQuery), (c) => {
        const { month } = c.req.valid("param");
        const tenant = scopeTenant(c, c.req.valid("query").tenant);
        return cachedJson(c, s, ["invoices", month, tenant], (): InvoiceListResponse => {
          const list = getInvoices(s.db, s.cache.prices(), month, tenant);
          return {
            month,
            status: getPeriod(s.db, month).status,
            invoices: list.map(invoiceSummary),
            ...invoicesTotal(list),
            freshness: freshness(getFreshness(s.db)),
          };
        });
      })
      // Before /:month/invoices/:tenant, which would also match `acme.pdf`.
      .get("/:month/invoices/:tenant{[^/]+\\.pdf}", validate("param", pdfParam), async (c) => {
        const p = c.req.valid("param");
        const asked = p.tenant.slice(0, -".pdf".length);
        const tenant = scopeTenant(c, asked) ?? asked;
        const inv = getInvoice(s.db, s.cache.prices(), p.month, tenant);
        const pdf = await renderInvoicePdf(inv, invoiceConfig, { now: s.now() });
        return c.body(Uint8Array.from(pdf), 200, {
          "content-type": "application/pdf",
          "content-disposition": `attachment; filename="${invoicePdfFileName(p.month, tenant)}"`,
        });
      })
      .get(
        "/:month/invoices.zip",
        validate("param", monthParam),
        validate("query", invoicesQuery),
        async (c) => {
          const { month } = c.req.valid("param");
          const tenant = scopeTenant(c, c.req.valid("query").tenant);
          const list = getInvoices(s.db, s.cache.prices(), month, tenant);
          const zip = await invoicesPdfZip(list, invoiceConfig, { now: s.now() });
          return c.body(Uint8Array.from(zip), 200, {
            "content-type": "application/zip",
            "content-disposition": `attachment; filename="invoices-${month}${tenant === undefined ? "" : `-${tenant.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64)}`}.zip"`,
          });
        },
      )
      .get("/:month/invoices/:tenant", validate("param", invoiceParam), (c) => {
        const p = c.req.valid("param");
        const tenant = scopeTenant(c, p.tenant) ?? p.tenant;
        return cachedJson(c, s, ["invoice", p.month, tenant], (): InvoiceResponse => {
          const view = invoice(getInvoice(s.db, s.cache.prices(), p.month, tenant));
          return { ...view, freshness: freshness(getFreshness(s.db)) };
        });
      })
  );
}
