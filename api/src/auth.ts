/** Authentication (API key → role, tenant), role checks and the per-key rate limit. */
import type { Db } from "@bedrock-chargeback/ledger";
import type { MiddlewareHandler } from "hono";
import type { AppEnv, StoreCache } from "./context";
import { ApiError } from "./errors";
import { findActiveKey, hashKey } from "./keys";
import type { Role } from "./types";

const BEARER = /^Bearer\s+(\S+)$/i;

/** 401 unless a valid, unrevoked key is presented as `Authorization: Bearer cb_…`. */
export function authenticate(db: Db, cache?: StoreCache): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    if (!header) throw new ApiError("unauthorized", "missing API key: send Authorization: Bearer cb_…");
    const presented = BEARER.exec(header)?.[1];
    // Cached per store version: a revocation (here or by the CLI) is a write, so it is seen at once.
    const key =
      presented === undefined
        ? undefined
        : cache
          ? (cache.get(`auth:${hashKey(presented)}`, () => findActiveKey(db, presented) ?? null) ?? undefined)
          : findActiveKey(db, presented);
    if (!key) throw new ApiError("unauthorized", "invalid or revoked API key");
    c.set("apiKey", key);
    await next();
  };
}

/** 403 unless the key has one of `roles`. */
export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const role = c.get("apiKey").role;
    if (!roles.includes(role))
      throw new ApiError("forbidden", `role ${role} may not do this (needs ${roles.join(" or ")})`);
    await next();
  };
}

/**
 * Token bucket per key, in memory: `burst` requests at once, refilled at `rps` per second. Each
 * request takes one token up front and, when `costMs` > 0, one more per `costMs` milliseconds it
 * spent in the handler: a key sending slow, uncached queries runs dry long before one sending
 * cached ones (the bucket may go below zero; Retry-After says when it is back above one).
 */
export function rateLimit(
  opts: { rps: number; burst: number; costMs?: number },
  now: () => number = () => performance.now(),
): MiddlewareHandler<AppEnv> {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const costMs = opts.costMs ?? 0;
  const refill = (b: { tokens: number; at: number }, t: number) => {
    b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.rps);
    b.at = t;
  };
  return async (c, next) => {
    if (opts.rps <= 0) return await next();
    const id = c.get("apiKey").id;
    const t = now();
    const b = buckets.get(id) ?? { tokens: opts.burst, at: t };
    refill(b, t);
    buckets.set(id, b);
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / opts.rps));
      throw new ApiError("rate_limited", `rate limit exceeded; retry in ${retryAfter}s`, {
        "Retry-After": String(retryAfter),
      });
    }
    b.tokens -= 1;
    try {
      await next();
    } finally {
      // A question's time is mostly spent waiting on Bedrock; its own daily budget limits it
      // (routes/ask.ts), so it must not drain the key's bucket for the dashboard's reads.
      if (costMs > 0 && c.req.path !== "/v1/ask") {
        const end = now();
        refill(b, end);
        b.tokens -= (end - t) / costMs;
      }
    }
  };
}
