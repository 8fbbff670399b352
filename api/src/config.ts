/**
 * The API's configuration, parsed once at start-up. Nothing else reads process.env: the server
 * and tests receive an ApiConfig object.
 */
import { type AssistantConfig, parseAssistantConfig } from "@bedrock-chargeback/assistant";
import { DEFAULT_INVOICE_CONFIG, type InvoiceConfig, readInvoiceConfig } from "@bedrock-chargeback/ledger";
import { z } from "zod";

const bool = z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1");

const envSchema = z.object({
  CHARGEBACK_DB: z.string().min(1).default("chargeback.db"),
  CHARGEBACK_API_PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  CHARGEBACK_API_HOST: z.string().min(1).default("127.0.0.1"),
  /** Requests per second per key (token refill rate); 0 disables the limit. */
  CHARGEBACK_API_RATE_LIMIT_RPS: z.coerce.number().min(0).default(20),
  /** Bucket size: how many requests a key may burst. */
  CHARGEBACK_API_RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(60),
  /** Handler milliseconds that cost one more token (slow queries drain the bucket); 0 = off. */
  CHARGEBACK_API_RATE_LIMIT_COST_MS: z.coerce.number().min(0).default(25),
  /** Largest request body accepted (bytes); larger is 413 before it is read. */
  CHARGEBACK_API_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  /** Bytes of cached responses (serialized text + gzip) kept; least recently used go first. */
  CHARGEBACK_API_CACHE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1_048_576),
  /** Comma-separated allowed origins; empty = CORS off. */
  CHARGEBACK_API_CORS_ORIGINS: z.string().default(""),
  CHARGEBACK_API_STATIC_DIR: z.string().optional(),
  CHARGEBACK_API_LOG_REQUESTS: bool.default(true),
  /** How long a cached result may be served after another process wrote the store. */
  CHARGEBACK_API_CACHE_MAX_STALE_MS: z.coerce.number().int().min(0).max(60_000).default(100),
  /** JSON file naming the invoice issuer and recipients (docs: api/API.md, "PDF invoices"). */
  CHARGEBACK_INVOICE_CONFIG: z.string().min(1).optional(),
});

export type ApiConfig = {
  dbPath: string;
  port: number;
  host: string;
  rateLimit: { rps: number; burst: number; costMs: number };
  maxBodyBytes: number;
  cacheMaxBytes: number;
  corsOrigins: string[];
  staticDir: string | undefined;
  logRequests: boolean;
  cacheMaxStaleMs: number;
  invoiceConfig: InvoiceConfig;
  /** POST /v1/ask (CHARGEBACK_ASK_*, assistant/README.md). */
  ask: AssistantConfig;
};

/** @example parseApiConfig({ CHARGEBACK_API_PORT: "9000" }).port // => 9000 */
export function parseApiConfig(env: Record<string, string | undefined>): ApiConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const e = parsed.data;
  return {
    dbPath: e.CHARGEBACK_DB,
    port: e.CHARGEBACK_API_PORT,
    host: e.CHARGEBACK_API_HOST,
    rateLimit: {
      rps: e.CHARGEBACK_API_RATE_LIMIT_RPS,
      burst: e.CHARGEBACK_API_RATE_LIMIT_BURST,
      costMs: e.CHARGEBACK_API_RATE_LIMIT_COST_MS,
    },
    maxBodyBytes: e.CHARGEBACK_API_MAX_BODY_BYTES,
    cacheMaxBytes: e.CHARGEBACK_API_CACHE_MAX_BYTES,
    corsOrigins: e.CHARGEBACK_API_CORS_ORIGINS.split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    staticDir: e.CHARGEBACK_API_STATIC_DIR,
    logRequests: e.CHARGEBACK_API_LOG_REQUESTS,
    cacheMaxStaleMs: e.CHARGEBACK_API_CACHE_MAX_STALE_MS,
    // Read and checked here, so a bad file stops start-up instead of the first invoice.
    invoiceConfig: e.CHARGEBACK_INVOICE_CONFIG
      ? readInvoiceConfig(e.CHARGEBACK_INVOICE_CONFIG)
      : DEFAULT_INVOICE_CONFIG,
    ask: parseAssistantConfig(env),
  };
}

/** The process environment, read here only. */
export function loadApiConfig(): ApiConfig {
  return parseApiConfig(process.env);
}
