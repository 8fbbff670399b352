/**
 * Limits that keep one caller from taking the server down, and headers on every response: body
 * size (413, refused before it is read), security headers on JSON, errors, 404s and static files.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { harness } from "./test-setup";

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
