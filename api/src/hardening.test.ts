/**
 * Limits that keep one caller from taking the server down, and headers on every response: body
 * size (413, refused before it is read), security headers on JSON, errors, 404s and static files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as billingTesting from "@bedrock-chargeback/ledger/testing";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimit } from "./auth";
import { type AppEnv, cachedJson, StoreCache, textBytes } from "./context";
import { ApiError, ERROR_STATUS } from "./errors";
import { type Harness, harness } from "./test-setup";

const MB = 1_048_576;

/** A body produced on demand, 64 KB per pull, counting what the server actually pulled. */
function countingStream(totalBytes: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= totalBytes) {
        controller.close();
        return;
      }
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

async function expectEnvelope(res: Response, status: number, code: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(await res.json()).toMatchObject({ error: { code, message: expect.any(String) } });
}

describe("request body limit", () => {
  it("refuses a streamed 200 MB body with 413 after reading about the limit, not the whole body", async () => {
    const h = harness();
    const { stream, pulled } = countingStream(200 * MB);
    const res = await h.app.request("/v1/prices", {
      method: "POST",
      headers: { authorization: `Bearer ${h.keys.admin}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectEnvelope(res, 413, "payload_too_large");
    expect(pulled()).toBeLessThan(2 * MB);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("refuses a declared length over the limit unread, before authentication, on any route", async () => {
    const h = harness();
    for (const path of ["/v1/budgets", "/v1/keys", "/healthz", "/nowhere"]) {
      const { stream, pulled } = countingStream(200 * MB);
      const res = await h.app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(200 * MB) },
        body: stream,
        duplex: "half",
      } as RequestInit);
      await expectEnvelope(res, 413, "payload_too_large");
      expect(pulled(), path).toBeLessThan(MB);
    }
  });

  it("accepts a body under the limit and honours a configured limit", async () => {
    const h = harness({ maxBodyBytes: 4096 });
    const ok = await h.call("PUT", "/v1/markups/acme", {
      body: { basis_points: 5, description: "x".repeat(100) },
    });
    expect(ok.status).toBe(200);
    const big = await h.call("PUT", "/v1/markups/acme", {
      body: { basis_points: 5, description: "x".repeat(5000) },
    });
    await expectEnvelope(big, 413, "payload_too_large");
  });
});

const EXPECTED_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

function expectSecurityHeaders(res: Response, what: string): void {
  for (const [name, value] of Object.entries(EXPECTED_HEADERS))
    expect(res.headers.get(name), `${what} ${name}`).toBe(value);
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).not.toContain("unsafe-eval");
}

describe("security headers", () => {
  it("are on JSON, errors (400, 401, 403, 404, 413) and gzip responses", async () => {
    const h = harness();
    const cases: [string, Promise<Response>, number][] = [
      ["healthz", h.call("GET", "/healthz", { key: null }), 200],
      ["openapi", h.call("GET", "/openapi.json", { key: null }), 200],
      ["usage", h.call("GET", "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant"), 200],
      [
        "usage gzip",
        h.call(
          "GET",
          "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant,application,model,cost_center",
          {
            headers: { "accept-encoding": "gzip" },
          },
        ),
        200,
      ],
      ["export csv", h.call("GET", "/v1/exports/2026-10?format=csv"), 200],
      ["400", h.call("GET", "/v1/usage?from=x&to=y"), 400],
      ["401", h.call("GET", "/v1/me", { key: null }), 401],
      ["403", h.call("GET", "/v1/keys", { key: h.keys.acme }), 403],
      ["404", h.call("GET", "/v1/nothing-here"), 404],
      ["404 outside v1", h.call("GET", "/nothing-here"), 404],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(res.status, what).toBe(status);
      expectSecurityHeaders(res, what);
    }
  });

  it("are on the dashboard's static files and its SPA fallback", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-static-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(
      join(dir, "index.html"),
      '<!doctype html><script type="module" src="/assets/app.js"></script>',
    );
    writeFileSync(join(dir, "assets", "app.js"), "console.log(1)");
    const h = harness({ staticDir: dir });
    for (const path of ["/", "/assets/app.js", "/billing/2026-10"]) {
      const res = await h.call("GET", path, { key: null });
      expect(res.status, path).toBe(200);
      expectSecurityHeaders(res, path);
    }
  });
});

describe("read cache bounded in bytes", () => {
  it("keeps at most maxBytes, evicts the least recently used, and does not keep an entry too big to cache", () => {
    const h = harness();
    const cache = new StoreCache(h.db, true, 100, () => 0, 1_000_000);
    let computed = 0;
    const text = (n: number) => () => {
      computed++;
      return "x".repeat(n);
    };
    cache.get("a", text(100_000), textBytes);
    for (let i = 0; i < 30; i++) {
      cache.get(`k${i}`, text(100_000), textBytes);
      cache.get("a", text(100_000), textBytes); // a hit: "a" stays the most recent
      expect(cache.bytes).toBeLessThanOrEqual(1_000_000);
    }
    expect(computed).toBe(31);
    expect(cache.size).toBeLessThanOrEqual(10);
    cache.get("a", text(100_000), textBytes);
    expect(computed).toBe(31);
    cache.get("k0", text(100_000), textBytes); // long evicted
    expect(computed).toBe(32);
    // Over a quarter of the bound: computed every time, never kept, nothing else evicted for it.
    const before = cache.size;
    cache.get("huge", text(300_000), textBytes);
    cache.get("huge", text(300_000), textBytes);
    expect(computed).toBe(34);
    expect(cache.size).toBe(before);
  });

  it("counts the serialized text and its gzip copy", async () => {
    const h = harness();
    const cache = new StoreCache(h.db, true, 100, () => 0, 10_000_000);
    const s = { db: h.db, now: () => new Date(), cache };
    const rows = Array.from({ length: 2000 }, (_, i) => ({ tenant: `t${i}`, cost: i }));
    const app = new Hono<AppEnv>().get("/", (c) => cachedJson(c, s, ["rows"], () => ({ rows })));
    const text = JSON.stringify({ rows });
    await app.request("/");
    const afterText = cache.bytes;
    expect(afterText).toBeGreaterThanOrEqual(text.length);
    const zipped = await app.request("/", { headers: { "accept-encoding": "gzip" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    const gzipBytes = (await zipped.arrayBuffer()).byteLength;
    expect(cache.bytes - afterText).toBeGreaterThanOrEqual(gzipBytes);
    expect(cache.size).toBe(2);
  });
});

type Page = {
  rows: { keys: Record<string, string | null>; period?: string; cost_micro_usd: number; requests: number }[];
  next_cursor: string | null;
  total: { cost_micro_usd: number; requests: number };
};

function isPage(v: unknown): v is Page {
  return typeof v === "object" && v !== null && "rows" in v && "next_cursor" in v && "total" in v;
}

async function page(h: Harness, path: string): Promise<Page> {
  const res = await h.call("GET", path);
  expect(res.status, path).toBe(200);
  const body: unknown = await res.json();
  if (!isPage(body)) throw new Error(`not a page: ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

describe("usage pages", () => {
  function manyTenants(): Harness {
    const h = harness();
    billingTesting.addUsage(
      h.db,
      Array.from({ length: 25 }, (_, i) => ({
        hour: `2026-10-${String(1 + (i % 20)).padStart(2, "0")}T0${i % 10}:00:00Z`,
        tenant: `t${String(i).padStart(2, "0")}`,
        input: 1000 * (i + 1),
        requests: i + 1,
      })),
    );
    return h;
  }

  it("follows next_cursor to exactly the unpaged rows; every page carries the total over all rows", async () => {
    const h = manyTenants();
    const q = "from=2026-10-01&to=2026-12-01&group_by=tenant,application&granularity=day";
    const whole = await page(h, `/v1/usage?${q}&limit=10000`);
    expect(whole.next_cursor).toBeNull();
    expect(whole.rows.length).toBeGreaterThan(25);
    const seen: Page["rows"] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 20; n++) {
      const p: Page = await page(
        h,
        `/v1/usage?${q}&limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(p.rows.length).toBeLessThanOrEqual(7);
      expect(p.total).toEqual(whole.total);
      seen.push(...p.rows);
      cursor = p.next_cursor;
      if (cursor === null) break;
    }
    expect(cursor).toBeNull();
    expect(seen).toEqual(whole.rows);
    expect(seen.reduce((sum, r) => sum + r.requests, 0)).toBe(whole.total.requests);
    expect(seen.reduce((sum, r) => sum + r.cost_micro_usd, 0)).toBe(whole.total.cost_micro_usd);
  });

  it("defaults to 1000 rows a page and refuses a limit over 10000, a forged cursor, or one from another query", async () => {
    const h = manyTenants();
    const first = await page(h, "/v1/usage/timeseries?from=2026-10-01&to=2026-12-01&group_by=tenant&limit=5");
    expect(first.rows).toHaveLength(5);
    expect(first.next_cursor).toEqual(expect.any(String));
    const small = await page(h, "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant");
    expect(small.next_cursor).toBeNull();
    expect(small.rows).toHaveLength(28); // 25 + acme + beta + unattributed
    for (const path of [
      "/v1/usage?from=2026-10-01&to=2026-12-01&limit=10001",
      "/v1/usage?from=2026-10-01&to=2026-12-01&limit=0",
      "/v1/usage?from=2026-10-01&to=2026-12-01&cursor=not-a-cursor",
      `/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant&cursor=${first.next_cursor ?? ""}`,
    ]) {
      await expectEnvelope(await h.call("GET", path), 400, "bad_request");
    }
  });

  it("a tenant key's pages stay within its tenant", async () => {
    const h = manyTenants();
    const p = await page(h, "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant&limit=1");
    expect(p.rows).toHaveLength(1);
    const res = await h.call("GET", "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant&limit=1", {
      key: h.keys.acme,
    });
    const own = (await res.json()) as Page;
    expect(own.rows.map((r) => r.keys.tenant)).toEqual(["acme"]);
    expect(own.next_cursor).toBeNull();
  });
});

describe("cost-weighted rate limit", () => {
  it("charges a key for the milliseconds its requests take: slow ones run it dry, fast ones do not", async () => {
    let t = 0;
    const app = (handlerMs: number) =>
      new Hono<AppEnv>()
        .use(async (c, next) => {
          c.set("apiKey", {
            id: "key_1",
            name: "k",
            role: "admin",
            tenant: null,
            prefix: "cb_",
            createdAt: "",
            revokedAt: null,
          });
          await next();
        })
        .use(rateLimit({ rps: 1, burst: 10, costMs: 10 }, () => t))
        .get("/", (c) => {
          t += handlerMs;
          return c.text("ok");
        })
        .onError((err, c) =>
          err instanceof ApiError
            ? c.text(err.message, ERROR_STATUS[err.code], err.headers)
            : c.text("?", 500),
        );
    const slow = app(200); // 200 ms = 20 tokens on top of the 1
    expect((await slow.request("/")).status).toBe(200);
    const limited = await slow.request("/");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(5);
    const fast = app(1); // 0.1 token each: 9 requests fit in the burst of 10
    for (let i = 0; i < 9; i++) expect((await fast.request("/")).status, `request ${i}`).toBe(200);
  });
});
