/** Behaviour with real numbers: usage, attribution, billing through the API, keys, limits, logs. */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { addPrice, createDb, readCsvRecords } from "@bedrock-chargeback/ledger";
import * as billingTesting from "@bedrock-chargeback/ledger/testing";
import { describe, expect, it } from "vitest";
import { createApp } from "./app";
import { StoreCache } from "./context";
import { createApiKey, revokeApiKey } from "./keys";
import { openApiDocument } from "./openapi";
import { harness } from "./test-setup";
import type {
  AttributionResponse,
  BudgetView,
  ClosePeriodResponse,
  CreateApiKeyResponse,
  CreatePriceResponse,
  ExportJson,
  InvoiceListResponse,
  InvoiceResponse,
  UnpricedResponse,
  UsageResponse,
} from "./types";

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  const r = await res;
  // Test-only: the response types are what the routes declare; the assertions check the values.
  return (await r.json()) as T;
}

describe("usage", () => {
  it("breaks down by tenant and month with exact cost, buckets, unpriced and freshness", async () => {
    const h = harness();
    h.db.$client
      .prepare(
        "INSERT INTO ingest_runs (source, location, started_at, finished_at, status, data_until) VALUES ('raw', '/logs', '2026-11-15T23:00:00Z', '2026-11-15T23:05:00Z', 'ok', '2026-11-15T22:59:59Z')",
      )
      .run();
    const body = await json<UsageResponse>(
      h.call("GET", "/v1/usage?from=2026-10-01&to=2026-12-01&group_by=tenant&granularity=month"),
    );
    const rows = body.rows.map((r) => [
      r.period,
      r.keys.tenant,
      r.cost_usd,
      r.cost_micro_usd,
      r.requests,
      r.unpriced_requests,
    ]);
    expect(rows).toEqual([
      // Ordered by period, then the group values (missing first): the order pages are cut in.
      ["2026-10", null, "1.500000", 1_500_000, 3, 0],
      ["2026-10", "acme", "4.500000", 4_500_000, 6, 2],
      ["2026-10", "beta", "6.000000", 6_000_000, 2, 0],
      ["2026-11", "acme", "3.000000", 3_000_000, 1, 0],
    ]);
    expect(body.total).toMatchObject({
      requests: 12,
      errors: 1,
      input_tokens: 4_500_010,
      output_tokens: 100_000,
      cost_usd: "15.000000",
      unpriced_requests: 2,
      unpriced_tokens: 10,
      unpriced_models: [billingTesting.UNPRICED_MODEL],
    });
    expect(body.freshness.sources).toEqual([
      {
        source: "raw",
        last_finished_at: "2026-11-15T23:05:00Z",
        last_status: "ok",
        data_until: "2026-11-15T22:59:59Z",
      },
    ]);
  });

  it("filters on any dimension, __null__ for missing metadata, and serves hourly series", async () => {
    const h = harness();
    const f = await json<UsageResponse>(
      h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01&application=beta-app&application=__null__"),
    );
    expect(f.total.cost_micro_usd).toBe(6_000_000);
    const nul = await json<UsageResponse>(
      h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01&tenant=__null__"),
    );
    expect(nul.total.cost_usd).toBe("1.500000");
    const ts = await json<UsageResponse>(
      h.call(
        "GET",
        "/v1/usage/timeseries?from=2026-10-05T00:00:00Z&to=2026-10-06T00:00:00Z&granularity=hour",
      ),
    );
    expect(ts.rows.map((r) => [r.period, r.cost_micro_usd])).toEqual([["2026-10-05T10:00:00Z", 4_500_000]]);
    const daily = await json<UsageResponse>(
      h.call("GET", "/v1/usage/timeseries?from=2026-10-01&to=2026-11-01", { key: h.keys.acme }),
    );
    expect(daily.query.filters).toEqual({ tenant: ["acme"] });
    expect(daily.rows.map((r) => [r.period, r.cost_micro_usd, r.unpriced_requests])).toEqual([
      ["2026-10-05", 4_500_000, 0],
      ["2026-10-08", 0, 2],
    ]);
    const byIdentity = await json<UsageResponse>(
      h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01&group_by=identity"),
    );
    expect(byIdentity.rows.map((r) => r.keys.identity)).toContain("arn:aws:iam::1:role/orphan");
    const bad = await h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01&group_by=colour");
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /^group_by: unknown dimension "colour"/,
    );
    const typo = await h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01&tenat=acme");
    expect(((await typo.json()) as { error: { message: string } }).error.message).toBe(
      "tenat: unknown query parameter (not a dimension)",
    );
  });

  it("shows the unattributed share and the identities behind it", async () => {
    const h = harness();
    const a = await json<AttributionResponse>(h.call("GET", "/v1/attribution?from=2026-10-01&to=2026-12-01"));
    expect(a.total.cost_micro_usd).toBe(15_000_000);
    expect(a.unattributed.cost_micro_usd).toBe(1_500_000);
    expect(a.unattributed_cost_pct).toBe(10);
    expect(a.coverage_pct).toBe(90);
    expect(a.unattributed_requests_pct).toBe(25);
    expect(a.missing.tenant.requests).toBe(3);
    expect(a.top_identities).toMatchObject([
      { identity_arn: "arn:aws:iam::1:role/orphan", requests: 3, cost_usd: "1.500000" },
    ]);
    const own = await json<AttributionResponse>(
      h.call("GET", "/v1/attribution?from=2026-10-01&to=2026-12-01", { key: h.keys.acme }),
    );
    expect(own.total.cost_micro_usd).toBe(7_500_000);
    expect(own.unattributed.requests).toBe(0);
    expect(own.coverage_pct).toBe(100);
  });
});

describe("billing through the API", () => {
  it("close → late usage → adjustment; reprice leaves the closed invoice; exports equal invoices", async () => {
    const h = harness();
    const open = await json<InvoiceResponse>(h.call("GET", "/v1/periods/2026-10/invoices/acme"));
    expect(open).toMatchObject({ status: "open", total_usd: "4.500000", total_micro_usd: 4_500_000 });
    expect(
      open.lines.map((l) => [l.token_bucket, l.quantity, l.unit_price_usd_per_mtok, l.amount_usd]),
    ).toEqual([
      ["input", 1_000_000, "3.000000", "3.000000"],
      ["output", 100_000, "15.000000", "1.500000"],
    ]);
    expect(open.unpriced).toEqual({ requests: 2, tokens: 10, models: [billingTesting.UNPRICED_MODEL] });

    await h.call("PUT", "/v1/markups/beta", {
      body: { basis_points: -1_000, description: "Partner discount" },
    });
    const closed = await json<ClosePeriodResponse>(
      h.call("POST", "/v1/periods/2026-10/close", { key: h.keys.finance }),
    );
    expect(closed).toMatchObject({ status: "closed", invoices: 2, total_usd: "9.900000" });
    const again = await h.call("POST", "/v1/periods/2026-10/close");
    expect(again.status).toBe(409);
    expect((await h.call("POST", "/v1/periods/2026-11/close")).status).toBe(409);

    billingTesting.addUsage(h.db, [{ hour: "2026-10-31T23:00:00Z", tenant: "acme", input: 100_000 }]);
    const oct = await json<InvoiceResponse>(h.call("GET", "/v1/periods/2026-10/invoices/acme"));
    expect(oct.total_micro_usd).toBe(4_500_000);
    const nov = await json<InvoiceResponse>(
      h.call("GET", "/v1/periods/2026-11/invoices/acme", { key: h.keys.acme }),
    );
    expect(nov.lines.map((l) => [l.kind, l.usage_month, l.quantity, l.amount_micro_usd])).toEqual([
      ["usage", "2026-11", 1_000_000, 3_000_000],
      ["adjustment", "2026-10", 100_000, 300_000],
    ]);
    expect(nov.total_micro_usd).toBe(3_300_000);

    const price = await json<CreatePriceResponse>(
      h.call("POST", "/v1/prices", {
        key: h.keys.finance,
        body: {
          model: billingTesting.TEST_MODEL,
          effective_from: "2026-10-01",
          input: "6.00",
          output: "30.00",
          cache_read: "0.60",
          cache_write: "7.50",
          reprice: true,
        },
      }),
    );
    expect(price.prices[0]).toMatchObject({ origin: "api", input_usd_per_mtok: "6.000000" });
    expect(price.reprice).toMatchObject({ repriced_months: ["2026-11"], skipped_closed_months: ["2026-10"] });
    expect(
      (await json<InvoiceResponse>(h.call("GET", "/v1/periods/2026-10/invoices/acme"))).total_micro_usd,
    ).toBe(4_500_000);
    const repriced = await json<InvoiceResponse>(h.call("GET", "/v1/periods/2026-11/invoices/acme"));
    // November at the new price; the late October usage still at October's (closed) price version.
    expect(repriced.lines.map((l) => [l.kind, l.amount_micro_usd])).toEqual([
      ["usage", 6_000_000],
      ["adjustment", 300_000],
    ]);

    const list = await json<InvoiceListResponse>(h.call("GET", "/v1/periods/2026-10/invoices"));
    expect(list.invoices.map((i) => [i.tenant, i.total_usd])).toEqual([
      ["acme", "4.500000"],
      ["beta", "5.400000"],
    ]);
    expect([list.total_usd, list.total_micro_usd]).toEqual(["9.900000", 9_900_000]);
    const exp = await json<ExportJson>(h.call("GET", "/v1/exports/2026-10?format=json"));
    expect(exp.total_usd).toBe("9.900000");
    const csvRes = await h.call("GET", "/v1/exports/2026-10?format=csv");
    expect(csvRes.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csvRes.headers.get("content-disposition")).toBe('attachment; filename="chargeback-2026-10.csv"');
    const rows = readCsvRecords(await csvRes.text());
    for (const inv of list.invoices) {
      const sum = rows
        .filter((r) => r.tenant === inv.tenant)
        .reduce((s, r) => s + Math.round(Number(r.amount_usd) * 1e6), 0);
      expect(sum).toBe(inv.total_micro_usd);
    }
    expect(rows.find((r) => r.kind === "markup")).toMatchObject({
      tenant: "beta",
      basis_points: "-1000",
      amount_usd: "-0.600000",
    });
    const focus = readCsvRecords(
      await (
        await h.call("GET", "/v1/exports/2026-10?format=focus&tenant=beta", { key: h.keys.beta })
      ).text(),
    );
    expect(focus.reduce((s, r) => s + Math.round(Number(r.BilledCost) * 1e6), 0)).toBe(5_400_000);
    expect(focus.map((r) => r.ChargeCategory)).toEqual(["Usage", "Adjustment"]);
  });

  it("lists unpriced models with their usage, tenant-scoped", async () => {
    const h = harness();
    const u = await json<UnpricedResponse>(
      h.call("GET", "/v1/prices/unpriced?from=2026-10-01&to=2026-12-01", { key: h.keys.acme }),
    );
    expect(u.models).toEqual([
      {
        model: billingTesting.UNPRICED_MODEL,
        unpriced_requests: 2,
        unpriced_tokens: 10,
        input_tokens: 10,
        output_tokens: 0,
        cache_read_input_tokens: 0,
        cache_write_input_tokens: 0,
      },
    ]);
    const mine = await json<UnpricedResponse>(
      h.call("GET", "/v1/prices/unpriced?from=2026-10-01&to=2026-12-01", { key: h.keys.beta }),
    );
    expect(mine.models).toEqual([]);
  });

  it("budgets report spend, forecast and thresholds", async () => {
    const h = harness();
    const created = await json<BudgetView>(
      h.call("POST", "/v1/budgets", {
        key: h.keys.finance,
        body: { scope: "tenant", scope_value: "acme", amount_usd: "5.00" },
      }),
    );
    // Clock: 2026-11-16T00:00Z, half of November gone; $3 spent → forecast $6 of $5.
    expect(created.status).toMatchObject({
      month: "2026-11",
      spent_usd: "3.000000",
      forecast_usd: "6.000000",
      percent_used: 60,
      forecast_percent: 120,
      crossed: [],
      forecast_crossed: [80, 100],
    });
    const patched = await json<BudgetView>(
      h.call("PATCH", `/v1/budgets/${created.id}`, { body: { thresholds: [50] } }),
    );
    expect(patched.status.crossed).toEqual([50]);
    const dup = await h.call("POST", "/v1/budgets", {
      body: { scope: "tenant", scope_value: "acme", amount_usd: "1" },
    });
    expect(dup.status).toBe(409);
  });

  it("forecasts a live range's cost by the budgets' rule, and none for a past range", async () => {
    const h = harness();
    // Same clock and spend as the budget above: $3 by 2026-11-16T00:00Z → $6 by December.
    const live = await json<UsageResponse>(
      h.call("GET", "/v1/usage?from=2026-11-01&to=2026-12-01&tenant=acme"),
    );
    expect(live.total.cost_usd).toBe("3.000000");
    expect(live.forecast).toEqual({ cost_usd: "6.000000", cost_micro_usd: 6_000_000 });
    const past = await json<UsageResponse>(h.call("GET", "/v1/usage?from=2026-10-01&to=2026-11-01"));
    expect(past.forecast).toBeNull();
  });
});

describe("keys, limits, request ids, logs", () => {
  it("creates a key shown once, lists without secrets, revokes", async () => {
    const h = harness();
    const created = await json<CreateApiKeyResponse>(
      h.call("POST", "/v1/keys", { body: { role: "tenant", tenant: "gamma" } }),
    );
    expect(created.key).toMatch(/^cb_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 10));
    const me = await json<{ role: string; tenant: string }>(h.call("GET", "/v1/me", { key: created.key }));
    expect(me).toMatchObject({ role: "tenant", tenant: "gamma" });
    const listText = await (await h.call("GET", "/v1/keys")).text();
    expect(listText).not.toContain(created.key);
    expect(listText).toContain(created.prefix);
    const stored = JSON.stringify(h.db.$client.prepare("SELECT * FROM api_keys").all());
    expect(stored).not.toContain(created.key);
    expect((await h.call("DELETE", `/v1/keys/${created.id}`)).status).toBe(200);
    expect((await h.call("GET", "/v1/me", { key: created.key })).status).toBe(401);
    expect((await h.call("POST", "/v1/keys", { body: { role: "tenant" } })).status).toBe(400);
  });

  it("rate-limits per key with 429 and Retry-After", async () => {
    const h = harness({ rateLimit: { rps: 0.5, burst: 2 } });
    expect((await h.call("GET", "/v1/me")).status).toBe(200);
    expect((await h.call("GET", "/v1/me")).status).toBe(200);
    const limited = await h.call("GET", "/v1/me");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    // Another key has its own bucket.
    expect((await h.call("GET", "/v1/me", { key: h.keys.finance })).status).toBe(200);
  });

  it("echoes x-request-id and logs without secrets", async () => {
    const h = harness();
    const res = await h.call("GET", "/v1/me", { headers: { "x-request-id": "req-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
    const bad = await h.call("GET", "/v1/nope", {
      key: "cb_wrong",
      headers: { "x-request-id": "bad id with spaces" },
    });
    const body = (await bad.json()) as { error: { requestId: string } };
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(bad.headers.get("x-request-id")).toBe(body.error.requestId);
    const logText = JSON.stringify(h.logs);
    expect(h.logs.find((l) => l.requestId === "req-123")).toMatchObject({
      method: "GET",
      path: "/v1/me",
      status: 200,
    });
    for (const k of Object.values(h.keys)) expect(logText).not.toContain(k);
    expect(logText).not.toContain("cb_wrong");
    expect(logText.toLowerCase()).not.toContain("bearer");
  });
});

describe("cache", () => {
  it("sees writes from another process (data_version): late usage and a revoked key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-cache-"));
    const path = join(dir, "store.db");
    const serverDb = createDb(path);
    addPrice(serverDb, {
      model: billingTesting.TEST_MODEL,
      scopes: ["in_region"],
      effectiveFrom: "2026-01-01",
      input: "3",
      output: "15",
      cacheRead: "0",
      cacheWrite: "0",
    });
    const { key, apiKey } = createApiKey(serverDb, { role: "finance" });
    // Probe the store's version on every request (the default allows 100 ms of staleness).
    const app = createApp({ db: serverDb, now: () => new Date("2026-11-16T00:00:00Z"), cacheMaxStaleMs: 0 });
    const get = (p: string) =>
      app.request(p, { headers: { authorization: `Bearer ${key}`, "accept-encoding": "gzip" } });
    const url = "/v1/usage?from=2026-10-01&to=2026-11-01";
    expect((await json<UsageResponse>(get(url))).total.cost_micro_usd).toBe(0);
    const other = createDb(path); // e.g. `chargeback ingest` in another process
    billingTesting.addUsage(other, [{ hour: "2026-10-01T00:00:00Z", input: 1_000_000 }]);
    expect((await json<UsageResponse>(get(url))).total.cost_micro_usd).toBe(3_000_000);
    revokeApiKey(other, apiKey.id);
    expect((await get(url)).status).toBe(401);
    other.$client.close();
    serverDb.$client.close();
  });

  it("serves a cached result for at most cacheMaxStaleMs after another process wrote", () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-stale-"));
    const path = join(dir, "store.db");
    const db = createDb(path);
    let t = 1_000;
    const cache = new StoreCache(db, true, 100, () => t);
    let computed = 0;
    const read = () => cache.get("k", () => ++computed);
    cache.refresh();
    expect(read()).toBe(1);
    const other = createDb(path);
    billingTesting.addUsage(other, [{ hour: "2026-10-01T00:00:00Z", input: 1 }]);
    t += 99;
    cache.refresh();
    expect(read()).toBe(1); // within the window: not probed yet
    t += 1;
    cache.refresh();
    expect(read()).toBe(2); // probed: the other process's commit is seen
    cache.changed(); // a write through this process: at once, whatever the window
    expect(read()).toBe(3);
    other.$client.close();
    db.$client.close();
  });

  it("gzips large cached responses when the client accepts it", async () => {
    const h = harness();
    const url =
      "/v1/usage/timeseries?from=2026-10-01T00:00:00Z&to=2026-12-01T00:00:00Z&granularity=hour&group_by=tenant,application,cost_center,model";
    const plain = await h.call("GET", url);
    const text = await plain.text();
    const zipped = await h.call("GET", url, { headers: { "accept-encoding": "gzip, br" } });
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await zipped.arrayBuffer())).toString()).toBe(text);
  });
});

describe("public routes", () => {
  it("serves /healthz and an OpenAPI document listing every route", async () => {
    const h = harness();
    expect(await json(h.app.request("/healthz"))).toEqual({ status: "ok", db: "ok" });
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      h.app.request("/openapi.json"),
    );
    const served = h.app.routes.filter((r) => r.method !== "ALL");
    for (const r of served) {
      // `:tenant{[^/]+\.pdf}` (a param with a suffix) is documented as `{tenant}.pdf`.
      const path = r.path.replace(/\{\[\^\/\]\+\\\.(\w+)\}/g, ".$1").replace(/:(\w+)/g, "{$1}");
      expect(doc.paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
    const documented = Object.entries(openApiDocument(h.app).paths ?? {}).length;
    expect(documented).toBeGreaterThanOrEqual(20);
    expect(JSON.stringify(doc.paths["/v1/prices"])).toContain("effective_from");
  });

  it("serves the dashboard build at / with an SPA fallback, never over /v1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-dash-"));
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>chargeback</title>");
    writeFileSync(join(dir, "assets", "app.js"), "console.log(1)");
    const h = harness({ staticDir: dir });
    expect(await (await h.app.request("/")).text()).toContain("<title>chargeback</title>");
    expect(await (await h.app.request("/assets/app.js")).text()).toBe("console.log(1)");
    expect(await (await h.app.request("/tenants/acme")).text()).toContain("<title>chargeback</title>");
    expect((await h.app.request("/v1/unknown")).status).toBe(401);
    expect((await h.call("GET", "/v1/unknown")).status).toBe(404);
  });
});
