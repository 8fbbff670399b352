/**
 * createApp(deps): the whole HTTP surface. One sub-app per resource under /v1, behind
 * authentication and the per-key rate limit; /healthz and /openapi.json are public; the dashboard
 * build (when given) is served at `/`.
 */
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createAssistant, parseAssistantConfig, QuestionBudget } from "@bedrock-chargeback/assistant";
import { BillingError, DEFAULT_INVOICE_CONFIG } from "@bedrock-chargeback/ledger";
import { serveStatic } from "@hono/node-server/serve-static";
import { createRoute } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { authenticate, rateLimit } from "./auth";
import { type AppDeps, DEFAULT_CACHE_MAX_BYTES, type Services, StoreCache } from "./context";
import { ApiError, badRequest, ERROR_STATUS } from "./errors";
import { ALL, access, OpenApiDocument, openApiDocument, responses, router } from "./openapi";
import { askRoutes } from "./routes/ask";
import { attributionRoutes } from "./routes/attribution";
import { budgetRoutes } from "./routes/budgets";
import { experimentRoutes } from "./routes/experiments";
import { exportRoutes } from "./routes/exports";
import { keyRoutes } from "./routes/keys";
import { markupRoutes } from "./routes/markups";
import { periodRoutes } from "./routes/periods";
import { priceRoutes } from "./routes/prices";
import { reconciliationRoutes } from "./routes/reconciliation";
import { usageRoutes } from "./routes/usage";
import { userRoutes } from "./routes/users";
import { type ErrorResponse, HealthResponse, MeResponse } from "./schemas";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * On every response (JSON, errors, 404s, the dashboard's files). Set before the handler runs, like
 * x-request-id, instead of by hono/secure-headers, which edits the finished response and would take
 * @hono/node-server off its fast path. The CSP fits the built dashboard: scripts and styles from
 * the same origin (React sets inline `style` through the DOM, which CSP allows), blob: for exports.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
    "form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  // Responses carry billing data and keys: never stored by a browser or a proxy.
  "cache-control": "no-store",
};

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** @example const app = createApp({ db: createDb(":memory:") }); await app.request("/healthz") */
export function createApp(deps: AppDeps) {
  const now = deps.now ?? (() => new Date());
  const cache = new StoreCache(
    deps.db,
    deps.cache ?? true,
    deps.cacheMaxStaleMs,
    undefined,
    deps.cacheMaxBytes ?? DEFAULT_CACHE_MAX_BYTES,
  );
  const s: Services = { db: deps.db, now, cache };
  const log = deps.logger ?? (() => {});
  const askConfig = deps.ask?.config ?? parseAssistantConfig({ CHARGEBACK_ASK_MODE: "fallback" });
  const assistant = createAssistant({
    db: deps.db,
    config: askConfig,
    now,
    ...(deps.ask?.bedrockTransport ? { bedrockTransport: deps.ask.bedrockTransport } : {}),
  });
  const app = router();

  app.use("*", async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    // Set before the handler runs: touching headers afterwards would force @hono/node-server off
    // its fast path (the response would be rebuilt and streamed).
    c.header("x-request-id", requestId);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    const started = performance.now();
    await next();
    // Never the Authorization header, the key or the query string: path, status, key id only.
    log({
      level: c.res.status >= 500 ? "error" : "info",
      msg: "request",
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
      keyId: c.get("apiKey")?.id ?? null,
    });
  });
  // Every route: a declared length over the limit is refused unread; a streamed body is read only
  // up to the limit.
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  app.use(
    "*",
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: () => {
        throw new ApiError("payload_too_large", `request body larger than ${maxBodyBytes} bytes`);
      },
    }),
  );
  if (deps.corsOrigins && deps.corsOrigins.length > 0) {
    app.use(
      "/v1/*",
      cors({ origin: deps.corsOrigins, allowHeaders: ["Authorization", "Content-Type", "x-request-id"] }),
    );
  }

  app.openapi(
    createRoute({
      method: "get",
      path: "/healthz",
      summary: "Liveness and store check",
      ...access("public"),
      responses: responses(200, HealthResponse, { public: true }),
    }),
    (c) => {
      deps.db.$client.prepare("SELECT 1").get();
      return c.json({ status: "ok", db: "ok" } as const, 200);
    },
  );
  // Built on the first request, once every route below is registered.
  let openapi: ReturnType<typeof openApiDocument> | undefined;
  app.openapi(
    createRoute({
      method: "get",
      path: "/openapi.json",
      summary: "This document",
      ...access("public"),
      responses: responses(200, OpenApiDocument, { public: true }),
    }),
    (c) => {
      openapi ??= openApiDocument(app);
      return c.json(openapi, 200);
    },
  );

  const v1 = router();
  v1.use("*", async (_c, next) => {
    cache.refresh();
    await next();
  });
  v1.use("*", authenticate(deps.db, cache));
  // Hono parses the query into a plain object, where a `__proto__` parameter vanishes instead of
  // reaching the validators' "unknown query parameter".
  v1.use("*", async (c, next) => {
    if (c.req.url.includes("__proto__") && new URL(c.req.url).searchParams.has("__proto__"))
      throw badRequest("__proto__: unknown query parameter");
    await next();
  });
  if (deps.rateLimit) v1.use("*", rateLimit(deps.rateLimit));
  v1.use("*", async (c, next) => {
    await next();
    // A question reads only: it must not drop every cached result.
    if (c.req.method !== "GET" && c.req.path !== "/v1/ask" && c.res.status < 400) cache.changed();
  });
  v1.openapi(
    createRoute({
      method: "get",
      path: "/me",
      summary: "The calling key",
      ...access(ALL),
      request: { query: z.strictObject({}) },
      responses: responses(200, MeResponse),
    }),
    (c) => {
      const k = c.get("apiKey");
      return c.json({ key_id: k.id, name: k.name, role: k.role, tenant: k.tenant }, 200);
    },
  );
  v1.route("/usage", usageRoutes(s));
  v1.route("/attribution", attributionRoutes(s));
  v1.route("/experiments", experimentRoutes(s));
  v1.route("/users", userRoutes(s));
  v1.route("/periods", periodRoutes(s, deps.invoiceConfig ?? DEFAULT_INVOICE_CONFIG));
  v1.route("/exports", exportRoutes(s, deps.invoiceConfig ?? DEFAULT_INVOICE_CONFIG));
  v1.route("/prices", priceRoutes(s));
  v1.route("/markups", markupRoutes(s));
  v1.route("/budgets", budgetRoutes(s));
  v1.route("/keys", keyRoutes(s));
  v1.route("/ask", askRoutes(assistant, new QuestionBudget(askConfig.dailyQuestions, now), now));
  v1.route("/reconciliation", reconciliationRoutes(s));
  app.route("/v1", v1);

  if (deps.staticDir && existsSync(join(deps.staticDir, "index.html"))) {
    const root = deps.staticDir;
    const isApi = (path: string) => path.startsWith("/v1/") || path === "/v1";
    const files = serveStatic({ root });
    const spa = serveStatic({ root, path: "index.html" });
    app.use("/*", async (c, next) => (isApi(c.req.path) ? next() : files(c, next)));
    app.get("/*", async (c, next) => (isApi(c.req.path) ? next() : spa(c, next)));
  }

  const errorBody = (
    code: ErrorResponse["error"]["code"],
    message: string,
    requestId: string,
  ): ErrorResponse => ({
    error: { code, message, requestId },
  });
  app.notFound((c) =>
    c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`, c.get("requestId") ?? ""), 404),
  );
  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? "";
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(err.code, err.message, requestId), ERROR_STATUS[err.code]);
    }
    if (err instanceof BillingError)
      return c.json(errorBody(err.code, err.message, requestId), ERROR_STATUS[err.code]);
    // A JSON route sent another media type: as hono's own JSON validator answers it.
    if (err instanceof HTTPException && err.status === 415) {
      const message = `malformed request: Invalid HTTP header: Content-Type=${c.req.header("content-type")}`;
      return c.json(errorBody("bad_request", message, requestId), 400);
    }
    if (err instanceof SyntaxError || (err instanceof Error && "status" in err && err.status === 400)) {
      return c.json(errorBody("bad_request", `malformed request: ${err.message}`, requestId), 400);
    }
    log({
      level: "error",
      msg: "unhandled error",
      requestId,
      error: err instanceof Error ? err.message : String(err),
    });
    return c.json(errorBody("internal", "internal error", requestId), 500);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
