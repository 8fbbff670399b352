/** Billing periods, closing, and invoices: /v1/periods/… */
import {
  closePeriod,
  closePeriodTrueUp,
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
import { createRoute } from "@hono/zod-openapi";
import { z } from "zod";
import { cachedJson, type Services, scopeTenant } from "../context";
import { ALL, access, BILLING, jsonBody, responses, router } from "../openapi";
import {
  ClosePeriodRequest,
  ClosePeriodResponse,
  InvoiceListResponse,
  InvoiceResponse,
  PeriodListResponse,
  PeriodResponse,
} from "../schemas";
import { monthSchema } from "../validation";
import { freshness, invoice, invoiceSummary, invoicesTotal, period } from "../views";

const monthParam = z.object({ month: monthSchema });
const invoiceParam = z.object({ month: monthSchema, tenant: z.string().min(1).max(256) });
const listQuery = z.object({
  from_month: monthSchema.optional().meta({ description: "YYYY-MM (default 11 months ago)" }),
  to_month: monthSchema.optional().meta({ description: "YYYY-MM (default this month)" }),
});
const invoicesQuery = z.object({
  tenant: z.string().min(1).max(256).optional().meta({ description: "one tenant (a tenant key: its own)" }),
});
const pdfParam = z.object({
  month: monthSchema,
  tenant: z
    .string()
    .max(260)
    .regex(/^.+\.pdf$/, "expected <tenant>.pdf")
    // The router hands over the whole segment (`acme.pdf`); the document's path is `{tenant}.pdf`.
    .meta({ description: "the tenant", maxLength: 256, pattern: "^[^/]+$" }),
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
    router()
      .openapi(
        createRoute({
          method: "get",
          path: "/",
          summary: "Billing periods (months) with status",
          ...access(ALL),
          request: { query: listQuery },
          responses: responses(200, PeriodListResponse),
        }),
        (c) => {
          const q = c.req.valid("query");
          const d = lastTwelve(s.now());
          const periods = listPeriods(s.db, q.from_month ?? d.from, q.to_month ?? d.to).map(period);
          return c.json({ periods }, 200);
        },
      )
      .openapi(
        createRoute({
          method: "get",
          path: "/{month}",
          summary: "One billing period",
          ...access(ALL),
          request: { params: monthParam },
          responses: responses(200, PeriodResponse),
        }),
        (c) => c.json(periodResponse(s, c.req.valid("param").month), 200),
      )
      .openapi(
        createRoute({
          method: "post",
          path: "/{month}/close",
          summary:
            "Close a month: freeze every tenant's invoice; with true_up, trued up to the month's saved reconciliation with the AWS bill",
          ...access(BILLING),
          request: { params: monthParam, body: jsonBody(ClosePeriodRequest, { optional: true }) },
          responses: responses(200, ClosePeriodResponse, { extra: [409] }),
        }),
        (c) => {
          const { month } = c.req.valid("param");
          const { true_up } = c.req.valid("json");
          const opts = { closedBy: c.get("apiKey").id, now: s.now() };
          const trued = true_up ? closePeriodTrueUp(s.db, s.cache.prices(), month, opts) : null;
          const r = trued ?? closePeriod(s.db, s.cache.prices(), month, opts);
          const body: ClosePeriodResponse = {
            ...periodResponse(s, month),
            invoices: r.invoices,
            total_usd: formatMicros(r.totalMicros),
            total_micro_usd: Number(r.totalMicros),
            true_up: trued
              ? {
                  compared_at: trued.trueUp.comparedAt,
                  source_kind: trued.trueUp.source.kind,
                  source_version: trued.trueUp.source.version,
                  billed_total_usd: formatMicros(trued.trueUp.billedMicros),
                  residual_usd: formatMicros(trued.trueUp.residualMicros),
                }
              : null,
          };
          return c.json(body, 200);
        },
      )
      .openapi(
        createRoute({
          method: "get",
          path: "/{month}/invoices",
          summary: "Invoice summaries of a month",
          ...access(ALL),
          request: { params: monthParam, query: invoicesQuery },
          responses: responses(200, InvoiceListResponse),
        }),
        (c) => {
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
        },
      )
      // Before /{month}/invoices/{tenant}, which would also match `acme.pdf`. The param's regex
      // suffix is written `{tenant}.pdf` in the OpenAPI document.
      .openapi(
        createRoute({
          method: "get",
          path: "/{month}/invoices/{tenant{[^/]+\\.pdf}}",
          summary:
            "One tenant's invoice as a PDF document (DRAFT while the month is open, FINAL once closed)",
          ...access(ALL),
          request: { params: pdfParam },
          responses: responses(200, { mediaType: "application/pdf", description: "the invoice (PDF)" }),
        }),
        async (c) => {
          const p = c.req.valid("param");
          const asked = p.tenant.slice(0, -".pdf".length);
          const tenant = scopeTenant(c, asked) ?? asked;
          const inv = getInvoice(s.db, s.cache.prices(), p.month, tenant);
          const pdf = await renderInvoicePdf(inv, invoiceConfig, { now: s.now() });
          return c.body(Uint8Array.from(pdf), 200, {
            "content-type": "application/pdf",
            "content-disposition": `attachment; filename="${invoicePdfFileName(p.month, tenant)}"`,
          });
        },
      )
      .openapi(
        createRoute({
          method: "get",
          path: "/{month}/invoices.zip",
          summary: "Every tenant's PDF invoice of a month in one zip (a tenant key: its own)",
          ...access(ALL),
          request: { params: monthParam, query: invoicesQuery },
          responses: responses(200, {
            mediaType: "application/zip",
            description: "the invoices (zip of PDFs)",
          }),
        }),
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
      .openapi(
        createRoute({
          method: "get",
          path: "/{month}/invoices/{tenant}",
          summary: "One tenant's invoice with lines",
          ...access(ALL),
          request: { params: invoiceParam },
          responses: responses(200, InvoiceResponse),
        }),
        (c) => {
          const p = c.req.valid("param");
          const tenant = scopeTenant(c, p.tenant) ?? p.tenant;
          return cachedJson(c, s, ["invoice", p.month, tenant], (): InvoiceResponse => {
            const view = invoice(getInvoice(s.db, s.cache.prices(), p.month, tenant));
            return { ...view, freshness: freshness(getFreshness(s.db)) };
          });
        },
      )
  );
}
