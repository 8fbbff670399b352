/**
 * The OpenAPI 3.1 document: a hand-kept route table (the app test checks it lists every route
 * the app serves) with request bodies generated from the same zod schemas the routes validate.
 */
import { z } from "zod";
import { createBudgetSchema, patchBudgetSchema } from "./routes/budgets";
import { createKeySchema } from "./routes/keys";
import { markupSchema } from "./routes/markups";
import { createPriceSchema, repriceSchema } from "./routes/prices";
import type { Role } from "./types";

type Param = { name: string; required?: boolean; description: string };
type RouteDoc = {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  roles: Role[] | "public";
  query?: Param[];
  body?: z.ZodType;
  status?: number;
  /** The TypeScript response type in api/src/types.ts. */
  response: string;
};

const ALL: Role[] = ["admin", "finance", "tenant"];
const BILLING: Role[] = ["admin", "finance"];
const range: Param[] = [
  {
    name: "from",
    required: true,
    description: "inclusive, YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z (UTC), 2000-01-01 to 9999-01-01",
  },
  { name: "to", required: true, description: "exclusive, same forms" },
];
const filterNote = "Any dimension name is also a filter parameter (repeatable; __null__ = missing).";
const page: Param[] = [
  { name: "limit", description: "rows per page, 1-10000 (default 1000)" },
  { name: "cursor", description: "next_cursor of the previous page (the rest of the query unchanged)" },
];
const pageNote =
  "Paged: rows ordered by period, then the group_by values (null first); next_cursor is null on the last page; total is over all rows; forecast (a live range only) projects total cost to `to`.";

export const ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/healthz",
    summary: "Liveness and store check",
    roles: "public",
    response: "HealthResponse",
  },
  { method: "get", path: "/openapi.json", summary: "This document", roles: "public", response: "OpenAPI" },
  { method: "get", path: "/v1/me", summary: "The calling key", roles: ALL, response: "MeResponse" },
  {
    method: "get",
    path: "/v1/usage",
    summary: `Usage breakdown by any dimensions. ${filterNote} ${pageNote}`,
    roles: ALL,
    query: [
      ...range,
      { name: "group_by", description: "comma list of dimensions" },
      { name: "granularity", description: "hour | day | month" },
      ...page,
    ],
    response: "UsageResponse",
  },
  {
    method: "get",
    path: "/v1/usage/timeseries",
    summary: `Usage time series. ${filterNote} ${pageNote}`,
    roles: ALL,
    query: [
      ...range,
      { name: "granularity", description: "hour | day (default) | month" },
      { name: "group_by", description: "comma list of dimensions" },
      ...page,
    ],
    response: "UsageResponse",
  },
  {
    method: "get",
    path: "/v1/attribution",
    summary: `Unattributed share and the identities behind it. ${filterNote}`,
    roles: ALL,
    query: [
      { name: "from", required: true, description: "YYYY-MM-DD" },
      { name: "to", required: true, description: "YYYY-MM-DD, exclusive" },
      { name: "top", description: "identities to list, 1-100 (default 10)" },
    ],
    response: "AttributionResponse",
  },
  {
    method: "get",
    path: "/v1/periods",
    summary: "Billing periods (months) with status",
    roles: ALL,
    query: [
      { name: "from_month", description: "YYYY-MM (default 11 months ago)" },
      { name: "to_month", description: "YYYY-MM (default this month)" },
    ],
    response: "PeriodListResponse",
  },
  {
    method: "get",
    path: "/v1/periods/{month}",
    summary: "One billing period",
    roles: ALL,
    response: "PeriodResponse",
  },
  {
    method: "post",
    path: "/v1/periods/{month}/close",
    summary: "Close a month: freeze every tenant's invoice",
    roles: BILLING,
    response: "ClosePeriodResponse",
  },
  {
    method: "get",
    path: "/v1/periods/{month}/invoices",
    summary: "Invoice summaries of a month",
    roles: ALL,
    query: [{ name: "tenant", description: "one tenant (a tenant key: its own)" }],
    response: "InvoiceListResponse",
  },
  {
    method: "get",
    path: "/v1/periods/{month}/invoices/{tenant}",
    summary: "One tenant's invoice with lines",
    roles: ALL,
    response: "InvoiceResponse",
  },
  {
    method: "get",
    path: "/v1/periods/{month}/invoices/{tenant}.pdf",
    summary: "One tenant's invoice as a PDF document (DRAFT while the month is open, FINAL once closed)",
    roles: ALL,
    response: "application/pdf",
  },
  {
    method: "get",
    path: "/v1/periods/{month}/invoices.zip",
    summary: "Every tenant's PDF invoice of a month in one zip (a tenant key: its own)",
    roles: ALL,
    query: [{ name: "tenant", description: "one tenant (a tenant key: its own)" }],
    response: "application/zip",
  },
  {
    method: "get",
    path: "/v1/exports/{month}",
    summary: "Billing export (CSV, JSON or FOCUS CSV)",
    roles: ALL,
    query: [
      { name: "format", description: "csv (default) | json | focus" },
      { name: "tenant", description: "one tenant (a tenant key: its own)" },
    ],
    response: "ExportJson | text/csv",
  },
  {
    method: "get",
    path: "/v1/prices",
    summary: "Price versions",
    roles: ALL,
    query: [
      { name: "model", description: "base model id" },
      { name: "origin", description: "catalog | user | api" },
    ],
    response: "PriceListResponse",
  },
  {
    method: "post",
    path: "/v1/prices",
    summary: "Add a price (origin api); reprices open months only with reprice: true",
    roles: BILLING,
    body: createPriceSchema,
    status: 201,
    response: "CreatePriceResponse",
  },
  {
    method: "post",
    path: "/v1/prices/reprice",
    summary: "Reprice the open months in a range (closed months are skipped)",
    roles: BILLING,
    body: repriceSchema,
    response: "RepriceResult",
  },
  {
    method: "get",
    path: "/v1/prices/unpriced",
    summary: "Models with usage but no price",
    roles: ALL,
    query: [...range, { name: "tenant", description: "one tenant (a tenant key: its own)" }],
    response: "UnpricedResponse",
  },
  {
    method: "get",
    path: "/v1/markups",
    summary: "Tenant markups and discounts",
    roles: ALL,
    response: "MarkupListResponse",
  },
  {
    method: "put",
    path: "/v1/markups/{tenant}",
    summary: "Set a tenant's markup (basis points; negative = discount)",
    roles: BILLING,
    body: markupSchema,
    response: "Markup",
  },
  {
    method: "delete",
    path: "/v1/markups/{tenant}",
    summary: "Remove a tenant's markup",
    roles: BILLING,
    status: 204,
    response: "none",
  },
  {
    method: "get",
    path: "/v1/budgets",
    summary: "Budgets with month-to-date status and forecast",
    roles: ALL,
    query: [{ name: "tenant", description: "one tenant's budget (a tenant key: its own)" }],
    response: "BudgetListResponse",
  },
  {
    method: "post",
    path: "/v1/budgets",
    summary: "Create a budget",
    roles: BILLING,
    body: createBudgetSchema,
    status: 201,
    response: "BudgetView",
  },
  {
    method: "get",
    path: "/v1/budgets/{id}",
    summary: "One budget with status",
    roles: ALL,
    response: "BudgetView",
  },
  {
    method: "patch",
    path: "/v1/budgets/{id}",
    summary: "Change a budget",
    roles: BILLING,
    body: patchBudgetSchema,
    response: "BudgetView",
  },
  {
    method: "delete",
    path: "/v1/budgets/{id}",
    summary: "Delete a budget",
    roles: BILLING,
    status: 204,
    response: "none",
  },
  {
    method: "get",
    path: "/v1/keys",
    summary: "API keys (never the secrets)",
    roles: ["admin"],
    response: "ApiKeyListResponse",
  },
  {
    method: "post",
    path: "/v1/keys",
    summary: "Create an API key (the secret is returned once)",
    roles: ["admin"],
    body: createKeySchema,
    status: 201,
    response: "CreateApiKeyResponse",
  },
  {
    method: "delete",
    path: "/v1/keys/{id}",
    summary: "Revoke an API key",
    roles: ["admin"],
    response: "ApiKeyView",
  },
];

const errorSchema = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: { code: { type: "string" }, message: { type: "string" }, requestId: { type: "string" } },
      required: ["code", "message", "requestId"],
    },
  },
  required: ["error"],
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTE_DOCS) {
    const pathParams = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const status = String(r.status ?? 200);
    const op: Record<string, unknown> = {
      summary: r.summary,
      description: r.roles === "public" ? "No authentication." : `Roles: ${r.roles.join(", ")}.`,
      ...(r.roles === "public" ? { security: [] } : {}),
      parameters: [
        ...pathParams,
        ...(r.query ?? []).map((q) => ({
          name: q.name,
          in: "query",
          required: q.required ?? false,
          description: q.description,
          schema: { type: "string" },
        })),
      ],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: z.toJSONSchema(r.body, { io: "input" }) } },
            },
          }
        : {}),
      responses: {
        [status]: { description: r.response },
        ...(r.roles === "public"
          ? {}
          : {
              "401": {
                description: "missing, invalid or revoked key",
                content: { "application/json": { schema: errorSchema } },
              },
            }),
        ...(r.roles === "public"
          ? {}
          : {
              "403": {
                description: "role or tenant not allowed",
                content: { "application/json": { schema: errorSchema } },
              },
            }),
        "400": { description: "validation error", content: { "application/json": { schema: errorSchema } } },
        "413": {
          description: "request body over the limit (default 1 MiB)",
          content: { "application/json": { schema: errorSchema } },
        },
        "429": {
          description: "rate limited (Retry-After); slow requests cost more tokens",
          content: { "application/json": { schema: errorSchema } },
        },
      },
    };
    paths[r.path] = { ...(paths[r.path] ?? {}), [r.method]: op };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Bedrock Chargeback API",
      version: "1.0.0",
      description: "Usage, billing periods, exports and budgets. See api/API.md.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "cb_… API key" } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
