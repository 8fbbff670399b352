/** What every route receives: the store, the clock, cached reads, and the caller's key. */
import { gzipSync } from "node:zlib";
import { type Db, type InvoiceConfig, PriceBook } from "@bedrock-chargeback/collector";
import type { Context } from "hono";
import { forbidden } from "./errors";
import type { ApiKey } from "./keys";
import type { Filters } from "./validation";

export type AppEnv = { Variables: { requestId: string; apiKey: ApiKey } };

export type Logger = (entry: Record<string, unknown>) => void;

export type AppDeps = {
  db: Db;
  /**
   * Per-key token bucket; omit or rps 0 to disable. `costMs`: every that many milliseconds a
   * request spent in the handler cost one more token (default 25; 0 = one token per request).
   */
  rateLimit?: { rps: number; burst: number; costMs?: number };
  /** Largest request body (bytes); larger is 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Bytes of cached responses kept (serialized text + gzip), least recently used evicted. Default 64 MiB. */
  cacheMaxBytes?: number;
  /** Structured log sink (one JSON object per event); default: none. */
  logger?: Logger;
  now?: () => Date;
  /** Dashboard build to serve at `/` (e.g. dashboard/dist), when it exists. */
  staticDir?: string;
  corsOrigins?: string[];
  /** Cache read results until the store changes (default true). */
  cache?: boolean;
  /**
   * How long a cached result may still be served after another process (an ingest, the CLI)
   * committed: the store's version is probed at most this often (default 100 ms). Writes made
   * through this API invalidate at once.
   */
  cacheMaxStaleMs?: number;
  /** Issuer and recipients printed on PDF invoices; default DEFAULT_INVOICE_CONFIG. */
  invoiceConfig?: InvoiceConfig;
};

/**
 * Read results cached until the store changes: SQLite's data_version moves when another
 * connection (an ingest) commits; our own writes call `changed()`. `refresh()` runs once per
 * request and probes the version at most every `maxStaleMs`: the probe opens a read transaction on
 * the file (~5–25 µs), which under load was the largest cost of a cached request.
 */
export class StoreCache {
  private generation = 0;
  private seen = "";
  private probedAt = Number.NEGATIVE_INFINITY;
  private readonly entries = new Map<string, unknown>();
  private priceBook: PriceBook | undefined;
  /** Prepared once: `db.pragma()` would prepare a statement on every call. */
  private readonly dataVersion: { get: () => unknown };

  constructor(
    private readonly db: Db,
    private readonly enabled: boolean,
    private readonly maxStaleMs = 100,
    private readonly clock: () => number = () => performance.now(),
    private readonly maxEntries = 1000,
  ) {
    this.dataVersion = db.$client.prepare("PRAGMA data_version").pluck();
  }

  /** Drops everything if another connection committed since the last probe. Once per request. */
  refresh(): void {
    const t = this.clock();
    if (t - this.probedAt < this.maxStaleMs) return;
    this.probedAt = t;
    const v = `${String(this.dataVersion.get())}:${this.generation}`;
    if (v !== this.seen) {
      this.seen = v;
      this.entries.clear();
      this.priceBook = undefined;
    }
  }

  /** Call after any write made through this process. */
  changed(): void {
    this.generation++;
    this.probedAt = Number.NEGATIVE_INFINITY;
    this.refresh();
  }

  prices(): PriceBook {
    this.priceBook ??= PriceBook.load(this.db);
    return this.priceBook;
  }

  get<T>(key: string, compute: () => T): T {
    if (!this.enabled) return compute();
    if (this.entries.has(key)) return this.entries.get(key) as T;
    const value = compute();
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, value);
    return value;
  }
}

export type Services = { db: Db; now: () => Date; cache: StoreCache };

/**
 * Responds with JSON computed once per store version: the serialized body is cached, so a hit
 * costs a map lookup, not a query and a JSON.stringify.
 */
export function cachedJson(
  c: Context<AppEnv>,
  s: Services,
  key: readonly unknown[],
  compute: () => unknown,
): Response {
  const body = s.cache.get(JSON.stringify(key), () => new CachedBody(JSON.stringify(compute())));
  const headers = { "content-type": "application/json; charset=UTF-8", vary: "accept-encoding" };
  if (body.text.length >= 2048 && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    return c.body(body.gzip(), 200, { ...headers, "content-encoding": "gzip" });
  }
  return c.body(body.text, 200, headers);
}

/** A serialized response, gzipped once on first demand (large breakdowns compress ~10×). */
class CachedBody {
  private zipped: Uint8Array<ArrayBuffer> | undefined;
  constructor(readonly text: string) {}
  gzip(): Uint8Array<ArrayBuffer> {
    // Copied once into a plain Uint8Array, so every hit sends the same bytes without a copy.
    this.zipped ??= Uint8Array.from(gzipSync(this.text, { level: 6 }));
    return this.zipped;
  }
}

/**
 * The tenant a request may see: a tenant key always gets its own (naming another is 403);
 * other roles get what they asked for (undefined = all).
 */
export function scopeTenant(c: Context<AppEnv>, requested: string | undefined): string | undefined {
  const key = c.get("apiKey");
  if (key.role !== "tenant") return requested;
  if (requested !== undefined && requested !== key.tenant)
    throw forbidden("a tenant key can only read its own tenant");
  return key.tenant ?? undefined;
}

/** Forces `tenant = <own tenant>` into a tenant key's filters. */
export function scopeFilters(c: Context<AppEnv>, filters: Filters): Filters {
  const key = c.get("apiKey");
  if (key.role !== "tenant") return filters;
  const asked = filters.tenant;
  if (asked?.some((t) => t !== key.tenant)) throw forbidden("a tenant key can only read its own tenant");
  return { ...filters, tenant: [key.tenant] };
}
