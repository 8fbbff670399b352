/**
 * Tables owned by the API and the billing domain: API keys, closed-invoice snapshots, tenant
 * markups and budgets. Money is integer micro-USD; a closed invoice's rows are never updated.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** API keys: only the SHA-256 of the key is stored, with a short prefix for display. */
export const apiKeys = sqliteTable("api_keys", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** admin | finance | tenant */
  role: text("role").notNull(),
  /** Set for role tenant: the only tenant the key may read. */
  tenantId: text("tenant_id"),
  prefix: text("prefix").notNull(),
  hash: text("hash").notNull().unique(),
  createdAt: text("created_at").notNull(),
  revokedAt: text("revoked_at"),
});

/** The frozen invoice of one tenant for one closed month. */
export const invoices = sqliteTable(
  "invoices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    month: text("month").notNull(),
    tenantId: text("tenant_id").notNull(),
    subtotalMicros: integer("subtotal_micros").notNull(),
    totalMicros: integer("total_micros").notNull(),
    requests: integer("requests").notNull(),
    errors: integer("errors").notNull(),
    unpricedRequests: integer("unpriced_requests").notNull(),
    unpricedTokens: integer("unpriced_tokens").notNull(),
    /** JSON array of base models. */
    unpricedModels: text("unpriced_models").notNull(),
    closedAt: text("closed_at").notNull(),
    closedBy: text("closed_by").notNull(),
  },
  (t) => [uniqueIndex("invoices_month_tenant").on(t.month, t.tenantId)],
);

/** Lines of a frozen invoice, as billed. */
export const invoiceLines = sqliteTable(
  "invoice_lines",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    invoiceId: integer("invoice_id")
      .notNull()
      .references(() => invoices.id),
    /** Denormalized for the "already billed for month X" lookup. */
    tenantId: text("tenant_id").notNull(),
    position: integer("position").notNull(),
    /** usage | adjustment | markup */
    kind: text("kind").notNull(),
    usageMonth: text("usage_month").notNull(),
    applicationName: text("application_name"),
    costCenter: text("cost_center"),
    model: text("model"),
    /** input | output | cache_read | cache_write; null on markup lines. */
    tokenBucket: text("token_bucket"),
    quantity: integer("quantity"),
    unitMicros: integer("unit_micros_per_mtok"),
    priceId: integer("price_id"),
    priceVersion: text("price_version"),
    /** Region of the price version ("*" = any region). */
    priceRegion: text("price_region"),
    basisPoints: integer("basis_points"),
    amountMicros: integer("amount_micros").notNull(),
    description: text("description").notNull(),
  },
  (t) => [
    index("invoice_lines_invoice").on(t.invoiceId, t.position),
    index("invoice_lines_usage_month").on(t.tenantId, t.usageMonth),
  ],
);

/** Per-tenant markup (positive) or discount (negative), basis points of the subtotal. */
export const tenantMarkups = sqliteTable("tenant_markups", {
  tenantId: text("tenant_id").primaryKey(),
  basisPoints: integer("basis_points").notNull(),
  description: text("description").notNull(),
  updatedAt: text("updated_at").notNull(),
});

/** Monthly budgets per tenant, application or cost center. */
export const budgets = sqliteTable(
  "budgets",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    name: text("name").notNull(),
    /** tenant | application | cost_center */
    scope: text("scope").notNull(),
    scopeValue: text("scope_value").notNull(),
    amountMicros: integer("amount_micros").notNull(),
    /** JSON array of percents, ascending. */
    thresholds: text("thresholds").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [uniqueIndex("budgets_scope").on(t.scope, t.scopeValue)],
);
