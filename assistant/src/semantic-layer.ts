/**
 * The semantic layer: the only tables a question's SQL can see (docs/adr/0009-ask-safety.md).
 * Each view is copied out of the store into a fresh in-memory database — for a tenant key only
 * that tenant's rows — which is then serialized and opened read-only by the query worker. The
 * store itself is never given to model-written SQL.
 */
import type { Db } from "@bedrock-chargeback/ledger";
import Database from "better-sqlite3";

export type ViewColumn = { name: string; type: "TEXT" | "INTEGER"; doc: string };
export type SemanticView = {
  name: string;
  doc: string;
  columns: ViewColumn[];
  /** Reads the view's rows from the store, in `columns` order; `@tenant` is null for every tenant. */
  select: string;
};

const DIMENSIONS: ViewColumn[] = [
  { name: "tenant", type: "TEXT", doc: "tenant_id metadata; NULL = unattributed" },
  { name: "application", type: "TEXT", doc: "application_name metadata; NULL = unattributed" },
  { name: "cost_center", type: "TEXT", doc: "cost_center metadata" },
  { name: "environment", type: "TEXT", doc: "environment metadata (production, staging …)" },
  { name: "team", type: "TEXT", doc: "team metadata" },
  { name: "account", type: "TEXT", doc: "AWS account id" },
  { name: "region", type: "TEXT", doc: "AWS region of the call" },
  {
    name: "model",
    type: "TEXT",
    doc: "resolved base model id, e.g. anthropic.claude-sonnet-4-5-20250929-v1:0",
  },
  { name: "model_id", type: "TEXT", doc: "model id as called (inference profile id or ARN)" },
  { name: "scope", type: "TEXT", doc: "in_region | geographic | global | unresolved" },
];

const MEASURES: ViewColumn[] = [
  { name: "requests", type: "INTEGER", doc: "successful calls" },
  { name: "errors", type: "INTEGER", doc: "failed calls (no tokens)" },
  { name: "input_tokens", type: "INTEGER", doc: "input tokens" },
  { name: "output_tokens", type: "INTEGER", doc: "output tokens" },
  { name: "cache_read_tokens", type: "INTEGER", doc: "prompt-cache read tokens" },
  { name: "cache_write_tokens", type: "INTEGER", doc: "prompt-cache write tokens" },
  {
    name: "cost_pico",
    type: "INTEGER",
    doc: "exact cost in pico-USD (1e-12 USD); SUM it, never divide it",
  },
  { name: "priced", type: "INTEGER", doc: "1 when the model had a price, 0 when unpriced (cost_pico 0)" },
];

const STORE_DIMS =
  "u.tenant_id, u.application_name, u.cost_center, u.environment, u.team, u.account_id, u.region, u.base_model, u.model_id, u.scope";
/** Tokens × the row's own price version, exactly as `priceCounters` prices them (docs/rules.md rule 3). */
const STORE_MEASURES = `u.requests, u.errors, u.input_tokens, u.output_tokens, u.cache_read_tokens, u.cache_write_tokens,
  COALESCE(u.input_tokens * p.input_micros_per_mtok + u.output_tokens * p.output_micros_per_mtok
    + u.cache_read_tokens * p.cache_read_micros_per_mtok + u.cache_write_tokens * p.cache_write_micros_per_mtok, 0),
  p.id IS NOT NULL`;
const TENANT = "(@tenant IS NULL OR u.tenant_id = @tenant)";

function usageView(name: string, period: ViewColumn, expr: string, table: string, doc: string): SemanticView {
  return {
    name,
    doc,
    columns: [period, ...DIMENSIONS, ...MEASURES],
    select: `SELECT ${expr}, ${STORE_DIMS}, ${STORE_MEASURES} FROM ${table} u LEFT JOIN prices p ON p.id = u.price_id WHERE ${TENANT}`,
  };
}

/** The documented views, in the order the prompt and docs list them. */
export const SEMANTIC_VIEWS: readonly SemanticView[] = [
  usageView(
    "usage_by_month",
    { name: "month", type: "TEXT", doc: "UTC month, 'YYYY-MM'" },
    "u.month",
    "usage_monthly",
    "usage per UTC month and every dimension (several rows per month: SUM them)",
  ),
  usageView(
    "usage_by_day",
    { name: "day", type: "TEXT", doc: "UTC day, 'YYYY-MM-DD'" },
    "u.day",
    "usage_daily",
    "usage per UTC day and every dimension; weekday: strftime('%w', day), '0' = Sunday, '6' = Saturday",
  ),
  usageView(
    "usage_by_hour",
    { name: "hour", type: "TEXT", doc: "UTC hour start, 'YYYY-MM-DDTHH:00:00Z'" },
    "u.hour",
    "usage_hourly",
    "usage per UTC hour and every dimension; use it only for hour-of-day questions",
  ),
  {
    name: "usage_by_user",
    doc: "usage per UTC day and user (user_id metadata, often a hash) with every dimension (several rows per day: SUM them)",
    columns: [
      { name: "day", type: "TEXT", doc: "UTC day, 'YYYY-MM-DD'" },
      { name: "user", type: "TEXT", doc: "user_id metadata; NULL = not sent" },
      ...DIMENSIONS,
      ...MEASURES,
    ],
    // usage_facts (docs/adr/0011-usage-facts.md) with its dictionaries, as the columns the other views read.
    select: `SELECT u.day, u.value, ${STORE_DIMS}, ${STORE_MEASURES} FROM (
      SELECT strftime('%Y-%m-%d', f.hour * 3600, 'unixepoch') AS day, a.user_id AS value, d.tenant_id,
        d.application_name, d.cost_center, d.environment, d.team, d.account_id, d.region, d.base_model,
        d.model_id, d.scope, f.requests, f.errors, f.input_tokens, f.output_tokens, f.cache_read_tokens,
        f.cache_write_tokens, f.price_id
      FROM usage_facts f JOIN usage_dims d ON d.id = f.dims_id JOIN usage_attrs a ON a.id = f.attrs_id
    ) u LEFT JOIN prices p ON p.id = u.price_id WHERE ${TENANT}`,
  },
  {
    name: "prices",
    doc: "price versions: a model's rate applies from effective_from until the next version of the same model, scope and region",
    columns: [
      { name: "model", type: "TEXT", doc: "base model id" },
      { name: "scope", type: "TEXT", doc: "in_region | geographic | global" },
      { name: "region", type: "TEXT", doc: "AWS region, '*' = every region" },
      { name: "effective_from", type: "TEXT", doc: "UTC day 'YYYY-MM-DD'" },
      {
        name: "input_pico_per_token",
        type: "INTEGER",
        doc: "pico-USD per input token (= micro-USD per 1M tokens)",
      },
      { name: "output_pico_per_token", type: "INTEGER", doc: "pico-USD per output token" },
      { name: "cache_read_pico_per_token", type: "INTEGER", doc: "pico-USD per cache-read token" },
      { name: "cache_write_pico_per_token", type: "INTEGER", doc: "pico-USD per cache-write token" },
    ],
    select: `SELECT model, scope, region, effective_from, input_micros_per_mtok, output_micros_per_mtok,
      cache_read_micros_per_mtok, cache_write_micros_per_mtok FROM prices`,
  },
  {
    name: "invoices",
    doc: "invoices of closed months, one per tenant and month (amounts as billed, markups included)",
    columns: [
      { name: "month", type: "TEXT", doc: "billed month 'YYYY-MM'" },
      { name: "tenant", type: "TEXT", doc: "tenant billed" },
      { name: "subtotal_micros", type: "INTEGER", doc: "usage and adjustments, micro-USD" },
      { name: "total_micros", type: "INTEGER", doc: "amount billed, micro-USD" },
      { name: "requests", type: "INTEGER", doc: "requests billed" },
      { name: "closed_at", type: "TEXT", doc: "when the month was closed (UTC)" },
    ],
    select:
      "SELECT month, tenant_id, subtotal_micros, total_micros, requests, closed_at FROM invoices WHERE @tenant IS NULL OR tenant_id = @tenant",
  },
  {
    name: "budgets",
    doc: "monthly budgets per tenant, application or cost center",
    columns: [
      { name: "name", type: "TEXT", doc: "budget name" },
      { name: "scope", type: "TEXT", doc: "tenant | application | cost_center" },
      { name: "scope_value", type: "TEXT", doc: "the tenant, application or cost center budgeted" },
      { name: "amount_micros", type: "INTEGER", doc: "monthly amount, micro-USD" },
      { name: "thresholds", type: "TEXT", doc: "JSON array of alert percents" },
    ],
    select:
      "SELECT name, scope, scope_value, amount_micros, thresholds FROM budgets WHERE @tenant IS NULL OR (scope = 'tenant' AND scope_value = @tenant)",
  },
];

export const SEMANTIC_VIEW_NAMES: ReadonlySet<string> = new Set(SEMANTIC_VIEWS.map((v) => v.name));

/** The views as the prompt and the docs describe them. */
export function describeSemanticLayer(views: readonly SemanticView[] = SEMANTIC_VIEWS): string {
  return views
    .map((v) => `${v.name} — ${v.doc}\n${v.columns.map((c) => `  ${c.name} ${c.type}: ${c.doc}`).join("\n")}`)
    .join("\n\n");
}

/**
 * Copies the named views (those a checked query reads) out of the store into a new in-memory
 * database and returns its image. With a tenant, every usage, invoice and budget row is that
 * tenant's: the SQL cannot widen the scope, because nothing else is in the image.
 * @example const image = buildSemanticImage(db, "acme", ["usage_by_month"]); // opened read-only by the worker
 */
export function buildSemanticImage(db: Db, tenant: string | undefined, names: readonly string[]): Buffer {
  const mem = new Database(":memory:");
  try {
    const params = { tenant: tenant ?? null };
    mem.transaction(() => {
      for (const view of SEMANTIC_VIEWS) {
        if (!names.includes(view.name)) continue;
        mem.exec(
          `CREATE TABLE ${view.name} (${view.columns.map((c) => `"${c.name}" ${c.type}`).join(", ")})`,
        );
        const insert = mem.prepare(
          `INSERT INTO ${view.name} VALUES (${view.columns.map(() => "?").join(", ")})`,
        );
        // One tenant: an equality served by usage_dims' tenant index, then each rows table's
        // (dims_id, period) index; every tenant: no condition.
        const text = view.select.replaceAll(TENANT, tenant === undefined ? "1" : "u.tenant_id = @tenant");
        const read = db.$client.prepare(text).raw(true).safeIntegers(true);
        const rows = text.includes("@tenant") ? read.iterate(params) : read.iterate();
        for (const row of rows) insert.run(row as unknown[]);
      }
    })();
    return mem.serialize();
  } finally {
    mem.close();
  }
}

/**
 * The image for a scope, rebuilt only when the store changed: another connection's commit moves
 * `data_version`, this connection's own writes move `total_changes()`.
 */
export class SemanticImageCache {
  private readonly images = new Map<string, { version: string; image: Buffer }>();

  constructor(private readonly db: Db) {}

  get(tenant: string | undefined, names: readonly string[]): Buffer {
    const client = this.db.$client;
    const version = `${String(client.pragma("data_version", { simple: true }))}:${String(
      client.prepare("SELECT total_changes()").pluck().get(),
    )}`;
    const key = JSON.stringify([tenant ?? null, [...names].sort()]);
    const hit = this.images.get(key);
    if (hit && hit.version === version) return hit.image;
    const image = buildSemanticImage(this.db, tenant, names);
    // A handful of scopes at most are asked at once; keep the newest few.
    if (this.images.size >= 16) {
      const oldest = this.images.keys().next().value;
      if (oldest !== undefined) this.images.delete(oldest);
    }
    this.images.set(key, { version, image });
    return image;
  }
}
