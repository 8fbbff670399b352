/** What every route receives: the store, the clock, cached reads, and the caller's key. */
import { gzipSync } from "node:zlib";
import type { AssistantConfig, BedrockTransport } from "@bedrock-chargeback/assistant";
import { type Db, type InvoiceConfig, PriceBook } from "@bedrock-chargeback/ledger";
import type { Context, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import { forbidden } from "./errors";
import type { ApiKey } from "./keys";
import type { Filters } from "./validation";

export type AppEnv = { Variables: { requestId: string; apiKey: ApiKey } };

export type Logger = (entry: Record<string, unknown>) => void;

export type AppDeps = {
  db: Db;
  /**
   * Per-key token bucket; omit or rps 0 to disable. `costMs`: every that many milliseconds a
   * request spent in the handler cost one more token (omitted or 0: one token per request;
   * `chargeback serve` passes CHARGEBACK_API_RATE_LIMIT_COST_MS, default 25).
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
  /**
   * POST /v1/ask: the assistant's configuration (`chargeback serve` reads CHARGEBACK_ASK_*) and,
   * in tests, the Bedrock transport. Default: templates only (never calls AWS), 100 questions a day.
   */
  ask?: { config: AssistantConfig; bedrockTransport?: BedrockTransport };
};

/**
 * Read results cached until the store changes: SQLite's data_version moves when another
 * connection (an ingest) commits; our own writes call `changed()`. `refresh()` runs once per
 * request and probes the version at most every `maxStaleMs`: the probe opens a read transaction on
 * the file (~5–25 µs), which under load was the largest cost of a cached request.
 *
 * Bounded in bytes, not entries (one entry can be a 30 MB breakdown): every entry has a size, the
 * least recently used go first, and an entry over a quarter of the bound is not kept at all.
 */
export class StoreCache {
  private generation = 0;
  private seen = "";
  private probedAt = Number.NEGATIVE_INFINITY;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private usedBytes = 0;
  private priceBook: PriceBook | undefined;
  /** Prepared once: `db.pragma()` would prepare a statement on every call. */
  private readonly dataVersion: { get: () => unknown };

  constructor(
    private readonly db: Db,
    private readonly enabled: boolean,
    private readonly maxStaleMs = 100,
    private readonly clock: () => number = () => performance.now(),
    private readonly maxBytes = DEFAULT_CACHE_MAX_BYTES,
  ) {
    this.dataVersion = db.$client.prepare("PRAGMA data_version").pluck();
  }

  /** Bytes held (keys + values as sized by `get`). */
  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
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
      this.usedBytes = 0;
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

  /**
   * The cached value for `key`, or `compute()` kept under it. `sizeOf` says what the value holds
   * in bytes (default: a small object).
   */
  get<T>(key: string, compute: () => T, sizeOf: (value: T) => number = () => SMALL_ENTRY_BYTES): T {
    if (!this.enabled) return compute();
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as T;
    }
    const value = compute();
    const bytes = key.length * 2 + sizeOf(value);
    if (bytes > this.maxBytes / 4) return value;
    this.usedBytes += bytes;
    this.entries.set(key, { value, bytes });
    for (const [oldest, entry] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.usedBytes -= entry.bytes;
    }
    return value;
  }
}

export const DEFAULT_CACHE_MAX_BYTES = 64 * 1_048_576;
const SMALL_ENTRY_BYTES = 512;

/** What a JSON text holds in memory, about (V8 keeps ASCII strings at a byte a character). */
export function textBytes(text: string): number {
  return Buffer.byteLength(text);
}

export type Services = { db: Db; now: () => Date; cache: StoreCache };

/**
 * Responds with JSON computed once per store version: the serialized body is cached, so a hit
 * costs a map lookup, not a query and a JSON.stringify. The gzip copy is a cache entry of its own.
 */
export function cachedJson<T>(
  c: Context<AppEnv>,
  s: Services,
  key: readonly unknown[],
  compute: () => T,
): Response & TypedResponse<JSONParsed<T>, 200, "json"> {
  const k = JSON.stringify(key);
  const text = s.cache.get(k, () => JSON.stringify(compute()), textBytes);
  const headers = { "content-type": "application/json; charset=UTF-8", vary: "accept-encoding" };
  if (text.length >= 2048 && /\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
    // Copied once into a plain Uint8Array, so every hit sends the same bytes without a copy.
    const zipped = s.cache.get(
      `gzip:${k}`,
      () => Uint8Array.from(gzipSync(text, { level: 6 })),
      (z) => z.byteLength,
    );
    return typed<T>(c.body(zipped, 200, { ...headers, "content-encoding": "gzip" }));
  }
  return typed<T>(c.body(text, 200, headers));
}

/** A response whose body is already JSON text: typed as the JSON its route declares. */
const typed = <T>(res: Response) => res as Response & TypedResponse<JSONParsed<T>, 200, "json">;

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
