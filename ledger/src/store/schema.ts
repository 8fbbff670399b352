/**
 * The store: hourly rollups, usage facts, prices, the ingest ledger and billing periods.
 * Sizes grow with hours × active dimension combinations, never with request count
 * (docs/adr/0002-store-and-rollups.md).
 */

import { index, integer, primaryKey, sqliteTable, sqliteView, text } from "drizzle-orm/sqlite-core";

/** Counters shared by every usage table. Tokens are the four buckets, never merged (docs/rules.md rule 1). */
const counters = {
  requests: integer("requests").notNull().default(0),
  errors: integer("errors").notNull().default(0),
  inputTokens: integer("input_tokens").notNull().default(0),
  outputTokens: integer("output_tokens").notNull().default(0),
  cacheReadTokens: integer("cache_read_tokens").notNull().default(0),
  cacheWriteTokens: integer("cache_write_tokens").notNull().default(0),
};

/** The rollup dimensions. `null` means the record lacked that metadata (shown as "(unattributed)"). */
const dimensions = {
  accountId: text("account_id"),
  region: text("region"),
  tenantId: text("tenant_id"),
  applicationName: text("application_name"),
  costCenter: text("cost_center"),
  environment: text("environment"),
  team: text("team"),
  /** The model id as logged (profile id or ARN included). */
  modelId: text("model_id").notNull(),
  /** The resolved base model, or the logged id when it could not be resolved. */
  baseModel: text("base_model").notNull(),
  /** in_region | geographic | global | unresolved */
  scope: text("scope").notNull(),
};

export const prices = sqliteTable(
  "prices",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    model: text("model").notNull(),
    scope: text("scope").notNull(),
    /** An AWS region, or "*" for every region. */
    region: text("region").notNull(),
    /** UTC day (YYYY-MM-DD) from which this price applies. */
    effectiveFrom: text("effective_from").notNull(),
    currency: text("currency").notNull().default("USD"),
    /** Integer micro-USD per 1M tokens (= pico-USD per token). */
    inputMicros: integer("input_micros_per_mtok").notNull(),
    outputMicros: integer("output_micros_per_mtok").notNull(),
    cacheReadMicros: integer("cache_read_micros_per_mtok").notNull(),
    cacheWriteMicros: integer("cache_write_micros_per_mtok").notNull(),
    source: text("source").notNull(),
    /** catalog (the shipped file) | pricelist (`prices sync`) | user (an override file) | api (added through the API). */
    origin: text("origin").notNull(),
    /** Identifies the row's content so re-syncing a catalog is idempotent. */
    contentHash: text("content_hash").notNull().unique(),
    addedAt: text("added_at").notNull(),
  },
  (t) => [index("prices_lookup").on(t.model, t.scope, t.region, t.effectiveFrom)],
);

/**
 * Usage per UTC hour × dimension tuple × source, dictionary-encoded: the tuple (with its resolved
 * base model and scope) is a `usage_dims` id, so a row is a few integers and the hour
 * (docs/adr/0012-parallel-ingest.md, "A compact store"). WITHOUT ROWID by hand in migration 0009
 * (drizzle cannot declare it). Readers use the `usage_hourly` view, which joins the tuple back.
 */
export const usageHourlyRows = sqliteTable(
  "usage_hourly_rows",
  {
    /** UTC hour start, `YYYY-MM-DDTHH:00:00Z`; from the record's timestamp (docs/rules.md rule 7). */
    hour: text("hour").notNull(),
    dimsId: integer("dims_id")
      .notNull()
      .references(() => usageDims.id),
    /** raw | logs-insights | athena: each collector replaces only its own rows. */
    source: text("source").notNull(),
    ...counters,
    /** The price version used; null = unpriced (docs/rules.md rule 3). */
    priceId: integer("price_id").references(() => prices.id),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.dimsId, t.source] }),
    index("usage_hourly_rows_dims_hour").on(t.dimsId, t.hour),
  ],
);

/**
 * usage_hourly_rows with each tuple's columns joined back from usage_dims: what every reader
 * queries (created in migration 0009; `dims_key` is the JSON of the logged tuple).
 */
export const usageHourly = sqliteView("usage_hourly", {
  source: text("source").notNull(),
  hour: text("hour").notNull(),
  dimsKey: text("dims_key").notNull(),
  ...dimensions,
  ...counters,
  priceId: integer("price_id"),
}).existing();

/**
 * usage_hourly summed per UTC day, dictionary-encoded like usage_hourly_rows (a `usage_dims` id
 * for the tuple with its resolved base model and scope): a derived table, rebuilt from the hours
 * for exactly the days a write touched, in the same transaction (`rebuildDaily`), or given the
 * same deltas by an addition (`addRollupRows`). Whole-day breakdowns read it through the
 * `usage_daily` view: a month scans ~24× fewer rows. `price_key` is price_id or 0 (unpriced),
 * since a day can hold rows priced before and after a price was added; a day can also hold one
 * logged model id resolved before and after an application-profile mapping changed, which are
 * two usage_dims ids. WITHOUT ROWID by hand in migration 0010 (docs/adr/0012-parallel-ingest.md,
 * "A compact store").
 */
export const usageDailyRows = sqliteTable(
  "usage_daily_rows",
  {
    /** UTC day, `YYYY-MM-DD`. */
    day: text("day").notNull(),
    dimsId: integer("dims_id")
      .notNull()
      .references(() => usageDims.id),
    source: text("source").notNull(),
    priceKey: integer("price_key").notNull(),
    ...counters,
    priceId: integer("price_id").references(() => prices.id),
  },
  (t) => [
    primaryKey({ columns: [t.day, t.dimsId, t.source, t.priceKey] }),
    index("usage_daily_rows_dims_day").on(t.dimsId, t.day),
  ],
);

/** usage_daily_rows with each tuple's columns joined back from usage_dims (created in migration 0010). */
export const usageDaily = sqliteView("usage_daily", {
  source: text("source").notNull(),
  day: text("day").notNull(),
  dimsKey: text("dims_key").notNull(),
  priceKey: integer("price_key").notNull(),
  ...dimensions,
  ...counters,
  priceId: integer("price_id"),
}).existing();

/**
 * usage_daily_rows summed per UTC month (`YYYY-MM`), encoded the same way and kept in step by the
 * same functions (`rebuildDaily` takes the rebuilt days out and puts them back), so a whole-month
 * breakdown reads ~30× fewer rows than the day table. Readers use the `usage_monthly` view.
 */
export const usageMonthlyRows = sqliteTable(
  "usage_monthly_rows",
  {
    /** UTC month, `YYYY-MM`. */
    month: text("month").notNull(),
    dimsId: integer("dims_id")
      .notNull()
      .references(() => usageDims.id),
    source: text("source").notNull(),
    priceKey: integer("price_key").notNull(),
    ...counters,
    priceId: integer("price_id").references(() => prices.id),
  },
  (t) => [
    primaryKey({ columns: [t.month, t.dimsId, t.source, t.priceKey] }),
    index("usage_monthly_rows_dims_month").on(t.dimsId, t.month),
  ],
);

/** usage_monthly_rows with each tuple's columns joined back from usage_dims (created in migration 0010). */
export const usageMonthly = sqliteView("usage_monthly", {
  source: text("source").notNull(),
  month: text("month").notNull(),
  dimsKey: text("dims_key").notNull(),
  priceKey: integer("price_key").notNull(),
  ...dimensions,
  ...counters,
  priceId: integer("price_id"),
}).existing();

/**
 * Dimension tuples of usage_facts and the hourly, daily and monthly rows tables, each stored once:
 * `key` is the rollup's dims_key, base model and scope joined by U+0001 (a tuple resolved before
 * and after a mapping change is two rows).
 * docs/adr/0011-usage-facts.md
 */
export const usageDims = sqliteTable(
  "usage_dims",
  {
    id: integer("id").primaryKey(),
    key: text("key").notNull().unique(),
    ...dimensions,
  },
  // A tenant's tuples: tenant-scoped reads of the rollup views start here, then probe each
  // rows table's (dims_id, period) index.
  (t) => [index("usage_dims_tenant").on(t.tenantId)],
);

/**
 * The per-request attributes of usage_facts, each distinct combination stored once: user_id, the
 * caller's identity.arn and every other (unmapped) metadata key as a JSON object `meta`.
 * `key` is the JSON array [user, identity, meta] with meta's keys sorted.
 */
export const usageAttrs = sqliteTable("usage_attrs", {
  id: integer("id").primaryKey(),
  key: text("key").notNull().unique(),
  userId: text("user_id"),
  identityArn: text("identity_arn"),
  /** JSON object of the other metadata keys (absent key = absent from the object). */
  meta: text("meta").notNull(),
});

/** Sums of products of the four token buckets per request: Σ aᵢ·bᵢ, for the variance of cost per request. */
const moments = {
  mII: integer("m_ii").notNull().default(0),
  mOO: integer("m_oo").notNull().default(0),
  mRR: integer("m_rr").notNull().default(0),
  mWW: integer("m_ww").notNull().default(0),
  mIO: integer("m_io").notNull().default(0),
  mIR: integer("m_ir").notNull().default(0),
  mIW: integer("m_iw").notNull().default(0),
  mOR: integer("m_or").notNull().default(0),
  mOW: integer("m_ow").notNull().default(0),
  mRW: integer("m_rw").notNull().default(0),
};

/**
 * Usage per hour × dimension tuple × attribute combination (user, identity, metadata), with
 * integer keys into usage_dims and usage_attrs: any combination of dimensions, users, identities
 * and metadata keys can be grouped from it, and every record is in exactly one row (an absent key
 * is null), so every breakdown sums to the same total. WITHOUT ROWID in migration 0006.
 * docs/adr/0011-usage-facts.md
 */
export const usageFacts = sqliteTable(
  "usage_facts",
  {
    /** UTC hour as hours since 1970-01-01T00:00Z. */
    hour: integer("hour").notNull(),
    dimsId: integer("dims_id").notNull(),
    attrsId: integer("attrs_id").notNull(),
    source: text("source").notNull(),
    /** 1: the row's hour is its hour; 24: a collector's (or a migrated) row kept per day, filed at 00:00. */
    grain: integer("grain").notNull().default(1),
    ...counters,
    ...moments,
    /** Sum and count of latencyMs where the record's logged response carries one. */
    latencyMs: integer("latency_ms").notNull().default(0),
    latencyCount: integer("latency_count").notNull().default(0),
    priceId: integer("price_id"),
  },
  (t) => [primaryKey({ columns: [t.hour, t.dimsId, t.attrsId, t.source] })],
);

export const ingestRuns = sqliteTable("ingest_runs", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  source: text("source").notNull(),
  location: text("location").notNull(),
  startedAt: text("started_at").notNull(),
  finishedAt: text("finished_at"),
  /** running | ok | partial | incomplete (objects left unread, listing incomplete) | failed | interrupted */
  status: text("status").notNull(),
  objects: integer("objects").notNull().default(0),
  objectsSkipped: integer("objects_skipped").notNull().default(0),
  records: integer("records").notNull().default(0),
  duplicates: integer("duplicates").notNull().default(0),
  quarantined: integer("quarantined").notNull().default(0),
  bytesScanned: integer("bytes_scanned").notNull().default(0),
  /** What the collection itself cost (Logs Insights / Athena scans), pico-USD; written as a BigInt, read with safeIntegers. */
  scanCostPico: integer("scan_cost_pico").notNull().default(0),
  /** Newest record timestamp seen by this run. */
  dataUntil: text("data_until"),
  message: text("message"),
});

/** Objects already ingested by the raw path: a second run skips them. */
export const ingestedObjects = sqliteTable(
  "ingested_objects",
  {
    source: text("source").notNull(),
    key: text("key").notNull(),
    size: integer("size").notNull(),
    etag: text("etag"),
    /** ok | partial (some lines quarantined) | rejected (read, nothing usable); never an object that could not be read */
    status: text("status").notNull(),
    records: integer("records").notNull(),
    runId: integer("run_id").notNull(),
    ingestedAt: text("ingested_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.key] })],
);

/**
 * requestIds counted within the dedupe window (docs/rules.md rule 5), keyed by the record's own UTC hour
 * first: a re-delivery carries the same timestamp, so it meets the same key, while inserts land
 * near the end of the B-tree (records arrive roughly in time order) and the prune is a range
 * delete. The hour is whole hours since 1970-01-01T00:00Z (migration 0008: an integer, not the
 * 20-character text of 0003). WITHOUT ROWID, by hand (drizzle cannot declare it).
 */
export const seenRequests = sqliteTable(
  "seen_requests",
  {
    hour: integer("hour").notNull(),
    requestId: text("request_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.hour, t.requestId] })],
);

/** Lines and objects that could not be ingested, with their place and reason. */
export const quarantine = sqliteTable(
  "quarantine",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    runId: integer("run_id").notNull(),
    source: text("source").notNull(),
    key: text("key").notNull(),
    /** 1-based line number, or null for a problem with the whole object. */
    line: integer("line"),
    reason: text("reason").notNull(),
    excerpt: text("excerpt"),
    createdAt: text("created_at").notNull(),
  },
  (t) => [index("quarantine_place").on(t.source, t.key, t.line)],
);

/** Per-source collector state (windows done, last query id …). */
export const checkpoints = sqliteTable(
  "checkpoints",
  {
    source: text("source").notNull(),
    name: text("name").notNull(),
    value: text("value").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.name] })],
);

/** Calendar months (UTC). A month without a row is open. */
export const billingPeriods = sqliteTable("billing_periods", {
  month: text("month").primaryKey(),
  /** open | closed */
  status: text("status").notNull(),
  closedAt: text("closed_at"),
  closedBy: text("closed_by"),
});

/**
 * The latest reconciliation of each month with the AWS bill (`chargeback reconcile`), kept so the
 * API, the dashboard and the true-up on close read it without paying for Cost Explorer again.
 */
export const reconciliations = sqliteTable("reconciliations", {
  month: text("month").primaryKey(),
  comparedAt: text("compared_at").notNull(),
  /** cur | cost-explorer */
  sourceKind: text("source_kind").notNull(),
  sourceVersion: text("source_version").notNull(),
  /** The whole result, as `chargeback reconcile --format json` prints it. */
  result: text("result").notNull(),
});
