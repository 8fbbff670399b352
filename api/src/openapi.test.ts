/**
 * The OpenAPI document the app serves: valid OpenAPI 3.1 (checked by a real validator), a schema
 * for every success and error response of every route, and real responses that match the schema
 * the document declares for them (checked with ajv against the document itself, not the zod source).
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { ERROR_STATUS } from "./errors";
import { type Harness, harness } from "./test-setup";

type Operation = {
  responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }>;
};
type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
};

async function served(h: Harness = harness()): Promise<Doc> {
  const res = await h.app.request("/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

const METHODS = ["get", "post", "put", "patch", "delete"];

function operations(doc: Doc): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("the validator refuses a broken document (so the check above can fail)", async () => {
    const doc = await served();
    const broken = structuredClone(doc) as unknown as Record<string, unknown>;
    broken.paths = { "/x": { get: { responses: { "200": { content: {} } } } } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("every route declares a success and its errors, each with a schema", async () => {
    const doc = await served();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(28);
    const missing: string[] = [];
    for (const [name, op] of ops) {
      const statuses = Object.keys(op.responses);
      const success = statuses.filter((s) => s.startsWith("2"));
      const errors = statuses.filter((s) => /^[45]/.test(s));
      if (success.length === 0) missing.push(`${name}: no 2xx`);
      if (!errors.includes("500")) missing.push(`${name}: no 500`);
      if (name.includes(" /v1/"))
        for (const s of ["400", "401", "403", "413", "429"])
          if (!errors.includes(s)) missing.push(`${name}: no ${s}`);
      for (const s of statuses) {
        if (s === "204") continue;
        const content = Object.entries(op.responses[s]?.content ?? {});
        if (content.length === 0) missing.push(`${name} ${s}: no content`);
        for (const [type, media] of content)
          if (!media.schema) missing.push(`${name} ${s} ${type}: no schema`);
        if (/^[45]/.test(s) && JSON.stringify(content) !== JSON.stringify(errorContent))
          missing.push(`${name} ${s}: not the error envelope`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("the error envelope enumerates every error code the API answers", async () => {
    const doc = await served();
    const envelope = doc.components.schemas.ErrorResponse;
    expect(envelope?.properties?.error).toMatchObject({
      properties: { code: { enum: Object.keys(ERROR_STATUS) } },
      required: ["code", "message", "requestId"],
    });
  });
});

const errorContent = [["application/json", { schema: { $ref: "#/components/schemas/ErrorResponse" } }]];

/** The document's path template a concrete path is served by (the most literal one that matches). */
function templateOf(doc: Doc, path: string): string {
  const literal = (t: string) => t.replace(/\{\w+\}/g, "").length;
  const matching = Object.keys(doc.paths).filter((t) => {
    const pattern = t
      .split(/\{\w+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
      .join("[^/]+");
    return new RegExp(`^${pattern}$`).test(path);
  });
  const best = matching.sort((a, b) => literal(b) - literal(a))[0];
  if (!best) throw new Error(`no documented path serves ${path}`);
  return best;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

type Case = { method: string; path: string; body?: unknown; key?: "admin" | "acme" | null; status: number };

const RANGE = "from=2026-10-01&to=2026-12-01";
const price = {
  model: "m",
  effective_from: "2026-10-01",
  input: "1",
  output: "2",
  cache_read: "0.1",
  cache_write: "1.25",
};

/** In order, on one store: later cases see what earlier ones created (budget 1, the closed month). */
const CASES: Case[] = [
  { method: "GET", path: "/healthz", key: null, status: 200 },
  { method: "GET", path: "/openapi.json", key: null, status: 200 },
  { method: "GET", path: "/v1/me", status: 200 },
  { method: "GET", path: `/v1/usage?${RANGE}&group_by=tenant,application&granularity=day`, status: 200 },
  { method: "GET", path: "/v1/usage?from=2026-11-01&to=2026-12-01&group_by=model", status: 200 },
  { method: "GET", path: `/v1/usage/timeseries?${RANGE}&granularity=hour&limit=2`, status: 200 },
  { method: "GET", path: `/v1/usage?${RANGE}&tenant=acme`, key: "acme", status: 200 },
  { method: "GET", path: `/v1/attribution?${RANGE}`, status: 200 },
  { method: "GET", path: `/v1/experiments?${RANGE}`, status: 200 },
  { method: "GET", path: `/v1/experiments/exp-acme?${RANGE}`, status: 200 },
  { method: "GET", path: `/v1/experiments/exp-beta?${RANGE}`, status: 404, key: "acme" },
  { method: "GET", path: `/v1/users?${RANGE}`, status: 200 },
  { method: "GET", path: "/v1/periods", status: 200 },
  { method: "GET", path: "/v1/periods/2026-10", status: 200 },
  { method: "GET", path: "/v1/periods/2026-10/invoices", status: 200 },
  { method: "GET", path: "/v1/periods/2026-10/invoices/acme", status: 200 },
  { method: "GET", path: "/v1/periods/2026-10/invoices/acme.pdf", status: 200 },
  { method: "GET", path: "/v1/periods/2026-10/invoices.zip", status: 200 },
  { method: "GET", path: "/v1/exports/2026-10?format=json", status: 200 },
  { method: "GET", path: "/v1/exports/2026-10?format=focus", status: 200 },
  {
    method: "PUT",
    path: "/v1/markups/acme",
    body: { basis_points: 250, description: "support" },
    status: 200,
  },
  { method: "GET", path: "/v1/markups", status: 200 },
  { method: "POST", path: "/v1/periods/2026-10/close", body: { true_up: "yes" }, status: 400 },
  { method: "POST", path: "/v1/periods/2026-10/close", body: { true_up: true }, status: 409 },
  { method: "POST", path: "/v1/periods/2026-10/close", status: 200 },
  { method: "POST", path: "/v1/periods/2026-10/close", status: 409 },
  { method: "GET", path: "/v1/prices?origin=catalog", status: 200 },
  { method: "POST", path: "/v1/prices", body: { ...price, reprice: true }, status: 201 },
  { method: "POST", path: "/v1/prices/reprice", body: { from: "2026-10", to: "2026-11" }, status: 200 },
  { method: "GET", path: `/v1/prices/unpriced?${RANGE}`, status: 200 },
  { method: "GET", path: "/v1/reconciliation?month=2026-10", status: 200 },
  {
    method: "POST",
    path: "/v1/budgets",
    body: { scope: "tenant", scope_value: "acme", amount_usd: "100" },
    status: 201,
  },
  { method: "GET", path: "/v1/budgets", status: 200 },
  { method: "PATCH", path: "/v1/budgets/1", body: { thresholds: [50, 90] }, status: 200 },
  { method: "GET", path: "/v1/budgets/1", status: 200 },
  { method: "DELETE", path: "/v1/budgets/1", status: 204 },
  { method: "GET", path: "/v1/budgets/1", status: 404 },
  { method: "DELETE", path: "/v1/markups/acme", status: 204 },
  { method: "DELETE", path: "/v1/markups/acme", status: 404 },
  { method: "POST", path: "/v1/keys", body: { role: "tenant", tenant: "acme" }, status: 201 },
  { method: "GET", path: "/v1/keys", status: 200 },
  { method: "DELETE", path: "/v1/keys/key_000000000000", status: 404 },
  { method: "POST", path: "/v1/ask", body: { question: "cost by tenant in October 2026" }, status: 200 },
  { method: "POST", path: "/v1/ask", body: { question: "write me a poem" }, status: 200 },
  { method: "POST", path: "/v1/ask", body: { question: "" }, status: 400 },
  { method: "GET", path: "/v1/usage?from=2026-10-01&to=tomorrow", status: 400 },
  { method: "GET", path: "/v1/me", key: null, status: 401 },
  { method: "GET", path: "/v1/keys", key: "acme", status: 403 },
  {
    method: "POST",
    path: "/v1/budgets",
    body: { scope: "tenant", scope_value: "x".repeat(2000), amount_usd: "1" },
    status: 413,
  },
];

describe("real responses match the schema the document declares for them", () => {
  it("success and error responses of every kind of route", async () => {
    const h = harness({ maxBodyBytes: 1000 });
    const doc = await served(h);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(doc, "doc");
    const seen = new Set<string>();
    for (const c of CASES) {
      const name = `${c.method} ${c.path} → ${c.status}`;
      const key = c.key === null ? null : h.keys[c.key ?? "admin"];
      const res = await h.call(c.method, c.path, { key, ...(c.body === undefined ? {} : { body: c.body }) });
      expect(res.status, name).toBe(c.status);
      const template = templateOf(doc, c.path.split("?")[0] ?? "");
      const declared = doc.paths[template]?.[c.method.toLowerCase()]?.responses[String(c.status)];
      expect(declared, name).toBeDefined();
      seen.add(`${c.method} ${template}`);
      if (c.status === 204) {
        expect(await res.text(), name).toBe("");
        continue;
      }
      const type = (res.headers.get("content-type") ?? "").split(";")[0] ?? "";
      expect(Object.keys(declared?.content ?? {}), name).toContain(type);
      if (type !== "application/json") continue;
      const validate = ajv.getSchema(
        `doc#/${pointer("paths", template, c.method.toLowerCase(), "responses", String(c.status), "content", type, "schema")}`,
      );
      const body: unknown = await res.json();
      expect(validate, name).toBeDefined();
      expect(validate?.(body) ? [] : validate?.errors, name).toEqual([]);
    }
    // Every route is among the cases: a new route needs one here.
    expect(
      operations(doc)
        .map(([name]) => name)
        .filter((name) => !seen.has(name)),
    ).toEqual([]);
  });

  it("a response that breaks its schema is caught", async () => {
    const h = harness();
    const doc = await served(h);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema(doc, "doc");
    const validate = ajv.getSchema(
      `doc#/${pointer("paths", "/v1/usage", "get", "responses", "200", "content", "application/json", "schema")}`,
    );
    const res = await h.call("GET", `/v1/usage?${RANGE}`);
    const body = (await res.json()) as { total: Record<string, unknown> };
    const total = body.total;
    expect(validate?.(body)).toBe(true);
    expect(validate?.({ ...body, total: { ...total, cost_usd: 0.5 } })).toBe(false);
    expect(validate?.({ ...body, total: { ...total, requests: 1.5 } })).toBe(false);
    const { unpriced_models: _, ...withoutModels } = total;
    expect(validate?.({ ...body, total: withoutModels })).toBe(false);
  });
});
