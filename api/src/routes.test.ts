/**
 * Every /v1 route, driven from the app's own route list: happy path, validation (400), 401 (none,
 * unknown, revoked), 403 by role, and the cross-tenant matrix (a tenant key naming another tenant,
 * and naming none). A new route without an entry in ROUTES fails the first test.
 */
import { describe, expect, it } from "vitest";
import { findActiveKey, revokeApiKey } from "./keys";
import { type Harness, harness } from "./test-setup";
import type { Role } from "./types";

type Req = { method: string; path: string; body?: unknown };
type RouteCase = {
  /** Roles allowed; others must get 403. */
  roles: Role[];
  /** As admin: the expected success status. */
  ok: (h: Harness) => Promise<Req> | Req;
  okStatus?: number;
  /** A request that fails validation (400). */
  bad: Req;
  /** More inputs that must be a readable 400, never a 500: out-of-range months, object internals. */
  moreBad?: Req[];
  /** The same request naming another tenant (beta) for the acme key: 403. null = no tenant input. */
  otherTenant: ((h: Harness) => Promise<Req> | Req) | null;
  /** What the acme key may ask naming no tenant (200 when its role is allowed). */
  ownTenant: (h: Harness) => Promise<Req> | Req;
};

const ALL: Role[] = ["admin", "finance", "tenant"];
const BILLING: Role[] = ["admin", "finance"];
const get = (path: string): Req => ({ method: "GET", path });

async function budgetId(h: Harness, scope: "tenant" | "application", value: string): Promise<number> {
  const res = await h.call("POST", "/v1/budgets", { body: { scope, scope_value: value, amount_usd: "100" } });
  const body: unknown = await res.json();
  if (typeof body !== "object" || body === null || !("id" in body) || typeof body.id !== "number")
    throw new Error("no budget id");
  return body.id;
}

async function keyId(h: Harness): Promise<string> {
  const res = await h.call("POST", "/v1/keys", { body: { role: "finance", name: "to revoke" } });
  const body: unknown = await res.json();
  if (typeof body !== "object" || body === null || !("id" in body) || typeof body.id !== "string")
    throw new Error("no key id");
  return body.id;
}

const RANGE = "from=2026-10-01&to=2026-12-01";

export const ROUTES: Record<string, RouteCase> = {
  "GET /v1/me": {
    roles: ALL,
    ok: () => get("/v1/me"),
    bad: get("/v1/me?x=1"),
    otherTenant: null,
    ownTenant: () => get("/v1/me"),
  },
  "GET /v1/usage": {
    roles: ALL,
    ok: () => get(`/v1/usage?${RANGE}&group_by=tenant,application`),
    bad: get("/v1/usage?from=2026-10-01&to=tomorrow"),
    moreBad: [
      ...["constructor", "__proto__", "toString", "hasOwnProperty", "tenant,valueOf"].map((d) =>
        get(`/v1/usage?${RANGE}&group_by=${d}`),
      ),
      get(`/v1/usage?${RANGE}&constructor=x`),
      get(`/v1/usage?${RANGE}&__proto__=x`),
      get("/v1/usage?from=0001-01-01&to=2026-11-01"),
      get("/v1/usage?from=2026-10-01&to=9999-12-31"),
      get("/v1/usage?from=1999-12-31T23:00:00Z&to=2026-11-01"),
      get(`/v1/usage?${RANGE}&limit=0`),
      get(`/v1/usage?${RANGE}&limit=10001`),
      get(`/v1/usage?${RANGE}&cursor=not-a-cursor`),
    ],
    otherTenant: () => get(`/v1/usage?${RANGE}&group_by=tenant&tenant=beta`),
    ownTenant: () => get(`/v1/usage?${RANGE}&group_by=tenant,application,cost_center`),
  },
  "GET /v1/usage/timeseries": {
    roles: ALL,
    ok: () => get(`/v1/usage/timeseries?${RANGE}&granularity=month`),
    bad: get(`/v1/usage/timeseries?${RANGE}&granularity=week`),
    moreBad: [
      get(`/v1/usage/timeseries?${RANGE}&group_by=__proto__`),
      get(`/v1/usage/timeseries?${RANGE}&group_by=constructor`),
      get(`/v1/usage/timeseries?${RANGE}&hasOwnProperty=x`),
      get(`/v1/usage/timeseries?${RANGE}&limit=abc`),
      get(`/v1/usage/timeseries?${RANGE}&cursor=e30`),
      get("/v1/usage/timeseries?from=0001-01-01T00:00:00Z&to=9999-12-31T23:00:00Z&granularity=month"),
    ],
    otherTenant: () => get(`/v1/usage/timeseries?${RANGE}&tenant=acme&tenant=beta`),
    ownTenant: () => get(`/v1/usage/timeseries?${RANGE}&granularity=hour&group_by=tenant,application`),
  },
  "GET /v1/attribution": {
    roles: ALL,
    ok: () => get(`/v1/attribution?${RANGE}`),
    bad: get("/v1/attribution?from=2026-10-01T00:00:00Z&to=2026-11-01"),
    moreBad: [
      get(`/v1/attribution?${RANGE}&constructor=x`),
      get(`/v1/attribution?${RANGE}&toString=x`),
      get("/v1/attribution?from=0001-01-01&to=9999-12-31"),
    ],
    otherTenant: () => get(`/v1/attribution?${RANGE}&tenant=beta`),
    ownTenant: () => get(`/v1/attribution?${RANGE}&top=50`),
  },
  "GET /v1/experiments": {
    roles: ALL,
    ok: () => get(`/v1/experiments?${RANGE}`),
    bad: get(`/v1/experiments?${RANGE}&experiment_key=a%22b`),
    moreBad: [
      get(`/v1/experiments?${RANGE}&constructor=x`),
      get(`/v1/experiments?${RANGE}&experiment_key=variant`),
      get("/v1/experiments?from=0001-01-01&to=9999-12-31"),
    ],
    otherTenant: () => get(`/v1/experiments?${RANGE}&tenant=beta`),
    ownTenant: () => get(`/v1/experiments?${RANGE}`),
  },
  "GET /v1/experiments/:id": {
    roles: ALL,
    ok: () => get(`/v1/experiments/exp-acme?${RANGE}`),
    bad: get("/v1/experiments/exp-acme?from=2026-10-01"),
    moreBad: [get(`/v1/experiments/exp-acme?${RANGE}&toString=x`)],
    otherTenant: () => get(`/v1/experiments/exp-beta?${RANGE}&tenant=beta`),
    ownTenant: () => get(`/v1/experiments/exp-acme?${RANGE}`),
  },
  "GET /v1/users": {
    roles: ALL,
    ok: () => get(`/v1/users?${RANGE}`),
    bad: get(`/v1/users?${RANGE}&per=user`),
    moreBad: [get(`/v1/users?${RANGE}&per=constructor`), get(`/v1/users?${RANGE}&top=0`)],
    otherTenant: () => get(`/v1/users?${RANGE}&tenant=beta`),
    ownTenant: () => get(`/v1/users?${RANGE}&per=tenant,application,cost_center&top=50`),
  },
  "GET /v1/periods": {
    roles: ALL,
    ok: () => get("/v1/periods"),
    bad: get("/v1/periods?from_month=2026-13"),
    moreBad: [
      get("/v1/periods?from_month=0001-01&to_month=9999-12"),
      get("/v1/periods?from_month=0001-01&to_month=0002-01"),
      get("/v1/periods?from_month=9999-01&to_month=9999-12"),
      get("/v1/periods?from_month=1999-12"),
    ],
    otherTenant: null,
    ownTenant: () => get("/v1/periods?from_month=2026-01&to_month=2026-12"),
  },
  "GET /v1/periods/:month": {
    roles: ALL,
    ok: () => get("/v1/periods/2026-10"),
    bad: get("/v1/periods/october"),
    moreBad: [get("/v1/periods/0001-01"), get("/v1/periods/9999-12")],
    otherTenant: null,
    ownTenant: () => get("/v1/periods/2026-10"),
  },
  "POST /v1/periods/:month/close": {
    roles: BILLING,
    ok: () => ({ method: "POST", path: "/v1/periods/2026-10/close" }),
    bad: { method: "POST", path: "/v1/periods/2026-1/close" },
    moreBad: [
      { method: "POST", path: "/v1/periods/0001-01/close" },
      { method: "POST", path: "/v1/periods/9999-12/close" },
    ],
    otherTenant: null,
    ownTenant: () => ({ method: "POST", path: "/v1/periods/2026-10/close" }),
  },
  "GET /v1/periods/:month/invoices": {
    roles: ALL,
    ok: () => get("/v1/periods/2026-10/invoices"),
    bad: get("/v1/periods/2026-00/invoices"),
    moreBad: [get("/v1/periods/0001-01/invoices"), get("/v1/periods/9999-12/invoices")],
    otherTenant: () => get("/v1/periods/2026-10/invoices?tenant=beta"),
    ownTenant: () => get("/v1/periods/2026-10/invoices"),
  },
  "GET /v1/periods/:month/invoices/:tenant": {
    roles: ALL,
    ok: () => get("/v1/periods/2026-10/invoices/beta"),
    bad: get(`/v1/periods/2026-10/invoices/${"x".repeat(300)}`),
    moreBad: [get("/v1/periods/9999-12/invoices/acme"), get("/v1/periods/0001-01/invoices/acme")],
    otherTenant: () => get("/v1/periods/2026-10/invoices/beta"),
    ownTenant: () => get("/v1/periods/2026-10/invoices/acme"),
  },
  "GET /v1/periods/:month/invoices/:tenant{[^/]+\\.pdf}": {
    roles: ALL,
    ok: () => get("/v1/periods/2026-10/invoices/beta.pdf"),
    bad: get("/v1/periods/2026-13/invoices/acme.pdf"),
    moreBad: [
      get("/v1/periods/9999-12/invoices/acme.pdf"),
      get("/v1/periods/0001-01/invoices/acme.pdf"),
      get(`/v1/periods/2026-10/invoices/${"x".repeat(300)}.pdf`),
    ],
    otherTenant: () => get("/v1/periods/2026-10/invoices/beta.pdf"),
    ownTenant: () => get("/v1/periods/2026-10/invoices/acme.pdf"),
  },
  "GET /v1/periods/:month/invoices.zip": {
    roles: ALL,
    ok: () => get("/v1/periods/2026-10/invoices.zip"),
    bad: get("/v1/periods/2026-10/invoices.zip?tenant="),
    moreBad: [get("/v1/periods/9999-12/invoices.zip"), get("/v1/periods/0001-01/invoices.zip")],
    otherTenant: () => get("/v1/periods/2026-10/invoices.zip?tenant=beta"),
    ownTenant: () => get("/v1/periods/2026-10/invoices.zip"),
  },
  "GET /v1/exports/:month": {
    roles: ALL,
    ok: () => get("/v1/exports/2026-10?format=json"),
    bad: get("/v1/exports/2026-10?format=xlsx"),
    moreBad: [
      get("/v1/exports/9999-12"),
      get("/v1/exports/0001-01?format=json"),
      get("/v1/exports/9999-12?format=focus"),
    ],
    otherTenant: () => get("/v1/exports/2026-10?format=focus&tenant=beta"),
    ownTenant: () => get("/v1/exports/2026-10?format=csv"),
  },
  "GET /v1/prices": {
    roles: ALL,
    ok: () => get("/v1/prices"),
    bad: get("/v1/prices?origin=mine"),
    otherTenant: null,
    ownTenant: () => get("/v1/prices?origin=api"),
  },
  "POST /v1/prices": {
    roles: BILLING,
    okStatus: 201,
    ok: () => ({
      method: "POST",
      path: "/v1/prices",
      body: {
        model: "acme.mystery-model",
        effective_from: "2026-10-01",
        input: "1",
        output: "2",
        cache_read: "0.1",
        cache_write: "1.25",
      },
    }),
    bad: {
      method: "POST",
      path: "/v1/prices",
      body: {
        model: "m",
        effective_from: "2026-10-01",
        input: "1.1234567",
        output: "1",
        cache_read: "1",
        cache_write: "1",
      },
    },
    moreBad: [
      {
        method: "POST",
        path: "/v1/prices",
        body: {
          model: "m",
          effective_from: "9999-12-01",
          input: "1",
          output: "1",
          cache_read: "1",
          cache_write: "1",
          reprice: true,
        },
      },
    ],
    otherTenant: null,
    ownTenant: () => ({
      method: "POST",
      path: "/v1/prices",
      body: {
        model: "m",
        effective_from: "2026-10-01",
        input: "1",
        output: "1",
        cache_read: "1",
        cache_write: "1",
      },
    }),
  },
  "POST /v1/prices/reprice": {
    roles: BILLING,
    ok: () => ({ method: "POST", path: "/v1/prices/reprice", body: { from: "2026-10", to: "2026-11" } }),
    bad: { method: "POST", path: "/v1/prices/reprice", body: { from: "2026-10" } },
    moreBad: [
      { method: "POST", path: "/v1/prices/reprice", body: { from: "0001-01", to: "9999-12" } },
      { method: "POST", path: "/v1/prices/reprice", body: { from: "9999-12", to: "9999-12" } },
    ],
    otherTenant: null,
    ownTenant: () => ({
      method: "POST",
      path: "/v1/prices/reprice",
      body: { from: "2026-10", to: "2026-11" },
    }),
  },
  "GET /v1/prices/unpriced": {
    roles: ALL,
    ok: () => get(`/v1/prices/unpriced?${RANGE}`),
    bad: get("/v1/prices/unpriced?from=2026-10-01"),
    moreBad: [
      get("/v1/prices/unpriced?from=0001-01-01&to=9999-12-31"),
      get("/v1/prices/unpriced?from=2026-10-01&to=9999-12-31T23:00:00Z"),
    ],
    otherTenant: () => get(`/v1/prices/unpriced?${RANGE}&tenant=beta`),
    ownTenant: () => get(`/v1/prices/unpriced?${RANGE}`),
  },
  "GET /v1/reconciliation": {
    roles: BILLING,
    ok: () => get("/v1/reconciliation?month=2026-10"),
    bad: get("/v1/reconciliation?month=2026-13"),
    moreBad: [get("/v1/reconciliation"), get("/v1/reconciliation?month=0001-01")],
    otherTenant: null,
    ownTenant: () => get("/v1/reconciliation?month=2026-10"),
  },
  "GET /v1/markups": {
    roles: ALL,
    ok: () => get("/v1/markups"),
    bad: get("/v1/markups?tenant=acme"),
    otherTenant: null,
    ownTenant: () => get("/v1/markups"),
  },
  "PUT /v1/markups/:tenant": {
    roles: BILLING,
    ok: () => ({ method: "PUT", path: "/v1/markups/acme", body: { basis_points: 500 } }),
    bad: { method: "PUT", path: "/v1/markups/acme", body: { basis_points: 1.5 } },
    otherTenant: () => ({ method: "PUT", path: "/v1/markups/beta", body: { basis_points: -100 } }),
    ownTenant: () => ({ method: "PUT", path: "/v1/markups/acme", body: { basis_points: -100 } }),
  },
  "DELETE /v1/markups/:tenant": {
    roles: BILLING,
    okStatus: 204,
    ok: async (h) => {
      await h.call("PUT", "/v1/markups/beta", { body: { basis_points: 100 } });
      return { method: "DELETE", path: "/v1/markups/beta" };
    },
    bad: { method: "DELETE", path: `/v1/markups/${"x".repeat(300)}` },
    otherTenant: () => ({ method: "DELETE", path: "/v1/markups/beta" }),
    ownTenant: async (h) => {
      await h.call("PUT", "/v1/markups/acme", { body: { basis_points: 100 } });
      return { method: "DELETE", path: "/v1/markups/acme" };
    },
  },
  "GET /v1/budgets": {
    roles: ALL,
    ok: () => get("/v1/budgets"),
    bad: get("/v1/budgets?tenant="),
    otherTenant: () => get("/v1/budgets?tenant=beta"),
    ownTenant: async (h) => {
      await budgetId(h, "tenant", "beta");
      await budgetId(h, "application", "beta-app");
      await budgetId(h, "tenant", "acme");
      return get("/v1/budgets");
    },
  },
  "POST /v1/budgets": {
    roles: BILLING,
    okStatus: 201,
    ok: () => ({
      method: "POST",
      path: "/v1/budgets",
      body: { scope: "cost_center", scope_value: "CC-1", amount_usd: "50.5", thresholds: [50, 90, 100] },
    }),
    bad: { method: "POST", path: "/v1/budgets", body: { scope: "team", scope_value: "x", amount_usd: "1" } },
    otherTenant: () => ({
      method: "POST",
      path: "/v1/budgets",
      body: { scope: "tenant", scope_value: "beta", amount_usd: "1" },
    }),
    ownTenant: () => ({
      method: "POST",
      path: "/v1/budgets",
      body: { scope: "tenant", scope_value: "acme", amount_usd: "1" },
    }),
  },
  "POST /v1/ask": {
    roles: ALL,
    ok: () => ({ method: "POST", path: "/v1/ask", body: { question: "cost by tenant in October 2026" } }),
    bad: { method: "POST", path: "/v1/ask", body: { question: 42 } },
    otherTenant: () => ({
      method: "POST",
      path: "/v1/ask",
      body: { question: "cost by tenant in October 2026", tenant: "beta" },
    }),
    ownTenant: () => ({
      method: "POST",
      path: "/v1/ask",
      body: { question: "cost by tenant in October 2026" },
    }),
  },
  "GET /v1/budgets/:id": {
    roles: ALL,
    ok: async (h) => get(`/v1/budgets/${await budgetId(h, "tenant", "beta")}`),
    bad: get("/v1/budgets/abc"),
    otherTenant: async (h) => get(`/v1/budgets/${await budgetId(h, "tenant", "beta")}`),
    ownTenant: async (h) => get(`/v1/budgets/${await budgetId(h, "tenant", "acme")}`),
  },
  "PATCH /v1/budgets/:id": {
    roles: BILLING,
    ok: async (h) => ({
      method: "PATCH",
      path: `/v1/budgets/${await budgetId(h, "tenant", "beta")}`,
      body: { amount_usd: "200" },
    }),
    bad: { method: "PATCH", path: "/v1/budgets/1", body: { amount_usd: 200 } },
    otherTenant: async (h) => ({
      method: "PATCH",
      path: `/v1/budgets/${await budgetId(h, "tenant", "beta")}`,
      body: { amount_usd: "1" },
    }),
    ownTenant: async (h) => ({
      method: "PATCH",
      path: `/v1/budgets/${await budgetId(h, "tenant", "acme")}`,
      body: { amount_usd: "1" },
    }),
  },
  "DELETE /v1/budgets/:id": {
    roles: BILLING,
    okStatus: 204,
    ok: async (h) => ({ method: "DELETE", path: `/v1/budgets/${await budgetId(h, "tenant", "beta")}` }),
    bad: { method: "DELETE", path: "/v1/budgets/-1" },
    otherTenant: async (h) => ({
      method: "DELETE",
      path: `/v1/budgets/${await budgetId(h, "tenant", "beta")}`,
    }),
    ownTenant: async (h) => ({
      method: "DELETE",
      path: `/v1/budgets/${await budgetId(h, "tenant", "acme")}`,
    }),
  },
  "GET /v1/keys": {
    roles: ["admin"],
    ok: () => get("/v1/keys"),
    bad: get("/v1/keys?all=1"),
    otherTenant: null,
    ownTenant: () => get("/v1/keys"),
  },
  "POST /v1/keys": {
    roles: ["admin"],
    okStatus: 201,
    ok: () => ({
      method: "POST",
      path: "/v1/keys",
      body: { role: "tenant", tenant: "gamma", name: "gamma portal" },
    }),
    bad: { method: "POST", path: "/v1/keys", body: { role: "owner" } },
    otherTenant: () => ({ method: "POST", path: "/v1/keys", body: { role: "tenant", tenant: "beta" } }),
    ownTenant: () => ({ method: "POST", path: "/v1/keys", body: { role: "tenant", tenant: "acme" } }),
  },
  "DELETE /v1/keys/:id": {
    roles: ["admin"],
    ok: async (h) => ({ method: "DELETE", path: `/v1/keys/${await keyId(h)}` }),
    bad: { method: "DELETE", path: "/v1/keys/not-a-key" },
    otherTenant: null,
    ownTenant: async (h) => ({ method: "DELETE", path: `/v1/keys/${await keyId(h)}` }),
  },
};

function appRoutes(h: Harness): string[] {
  const seen = new Set<string>();
  for (const r of h.app.routes) {
    if (r.method === "ALL" || !r.path.startsWith("/v1/")) continue;
    seen.add(`${r.method} ${r.path}`);
  }
  return [...seen].sort();
}

async function send(h: Harness, req: Req, key: string | null) {
  return h.call(req.method, req.path, { key, ...(req.body === undefined ? {} : { body: req.body }) });
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body: unknown = await res.json();
  expect(body).toMatchObject({ error: { code, message: expect.any(String), requestId: expect.any(String) } });
  return body;
}

describe("route list", () => {
  it("every /v1 route the app serves has a case here (and no stale ones)", () => {
    expect(Object.keys(ROUTES).sort()).toEqual(appRoutes(harness()));
  });
});

// Only the routes that take months, dates or dimensions have these cases.
const WITH_MORE_BAD = Object.entries(ROUTES).flatMap(([name, rc]) =>
  rc.moreBad ? [[name, rc.moreBad] as const] : [],
);

describe.each(WITH_MORE_BAD)("%s", (_name, moreBad) => {
  it("400, never 500, on out-of-range months and object internals", async () => {
    const h = harness();
    for (const req of moreBad) {
      const res = await send(h, req, h.keys.admin);
      expect(res.status, `${req.method} ${req.path}`).toBe(400);
      const body = await expectError(res, 400, "bad_request");
      expect(JSON.stringify(body), req.path).toMatch(/expected|unknown/);
    }
  });
});

describe.each(Object.entries(ROUTES))("%s", (_name, rc) => {
  it("happy path (admin)", async () => {
    const h = harness();
    const res = await send(h, await rc.ok(h), h.keys.admin);
    expect(res.status).toBe(rc.okStatus ?? 200);
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
  });

  it("400 on invalid input, with a readable message", async () => {
    const h = harness();
    const body = await expectError(await send(h, rc.bad, h.keys.admin), 400, "bad_request");
    expect(JSON.stringify(body)).toMatch(/expected|Unrecognized|Invalid|unknown|too/i);
  });

  it("401 without a key, with an unknown key and with a revoked key", async () => {
    const h = harness();
    const req = await rc.ok(h);
    await expectError(await send(h, req, null), 401, "unauthorized");
    await expectError(await send(h, req, "cb_not-a-real-key"), 401, "unauthorized");
    const finance = findActiveKey(h.db, h.keys.finance);
    expect(finance?.role).toBe("finance");
    revokeApiKey(h.db, finance?.id ?? "");
    await expectError(await send(h, req, h.keys.finance), 401, "unauthorized");
  });

  it("403 for roles that may not call it", async () => {
    const h = harness();
    const denied = (["finance", "tenant"] as const).filter((r) => !rc.roles.includes(r));
    for (const role of denied) {
      await expectError(
        await send(h, await rc.ok(h), role === "finance" ? h.keys.finance : h.keys.acme),
        403,
        "forbidden",
      );
    }
    for (const role of rc.roles) {
      const fresh = harness();
      const key =
        role === "admin" ? fresh.keys.admin : role === "finance" ? fresh.keys.finance : fresh.keys.acme;
      const res = await send(fresh, await rc.ownTenant(fresh), key);
      expect(res.status, `${role}`).toBeLessThan(400);
    }
  });

  it("cross-tenant: another tenant's id is 403; none gets only its own tenant", async () => {
    const h = harness();
    if (rc.otherTenant) {
      await expectError(await send(h, await rc.otherTenant(h), h.keys.acme), 403, "forbidden");
    }
    const res = await send(h, await rc.ownTenant(h), h.keys.acme);
    if (!rc.roles.includes("tenant")) {
      await expectError(res, 403, "forbidden");
      return;
    }
    expect(res.status).toBe(200);
    const text = await res.text();
    // Nothing of beta's (tenant id, application, cost center) and nothing unattributed.
    expect(text).not.toMatch(/beta|CC-B|orphan/);
    if (text.includes('"tenant"')) expect(text).not.toMatch(/"tenant":null/);
  });
});
