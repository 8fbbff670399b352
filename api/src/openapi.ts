/**
 * How a route is declared, and the OpenAPI 3.1 document built from the declarations.
 *
 * Every route is one `createRoute({ ... })` (from @hono/zod-openapi) registered with
 * `router().openapi(route, handler)`: its request schemas (query, path params, JSON body) validate
 * the request, its response schemas (api/src/schemas.ts) type the handler's `c.json(...)` and
 * become the document's component schemas. The helpers here add what every route shares: who may
 * call it (`access`), and the success and error responses (`responses`).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { requireRole } from "./auth";
import type { AppEnv } from "./context";
import { badRequest } from "./errors";
import { ErrorResponse, type Role } from "./schemas";
import { formatIssues } from "./validation";

/** A sub-app of documented routes; a request failing its schemas is a 400 `bad_request`. */
export function router() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw badRequest(formatIssues(result.error.issues));
    },
  });
}

export const ALL: readonly Role[] = ["admin", "finance", "tenant"];
export const BILLING: readonly Role[] = ["admin", "finance"];

/**
 * Who may call a route: "public" (no key), or the roles allowed (any other role gets 403 before
 * the request is validated). Tenant scoping is the handler's (scopeTenant, scopeFilters).
 */
export function access(roles: readonly Role[] | "public") {
  if (roles === "public") return { description: "No authentication.", security: [] };
  const restricted = roles.length < ALL.length;
  return {
    description: `Roles: ${roles.join(", ")}.`,
    ...(restricted ? { middleware: [requireRole(...roles)] } : {}),
  };
}

/**
 * A JSON request body, validated by `schema` (read it with `c.req.valid("json")`). Optional: a
 * request without a body (and without a Content-Type) reads as `{}`.
 */
export function jsonBody<T extends z.ZodType>(schema: T, opts: { optional?: boolean } = {}) {
  return { required: !opts.optional, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS = {
  400: "validation error (readable message)",
  401: "missing, invalid or revoked key",
  403: "role or tenant not allowed",
  404: "no such resource",
  409: "conflicts with the current state",
  413: "request body over the limit (default 1 MiB)",
  429: "rate limited (Retry-After); slow requests cost more tokens",
  500: "internal error",
} as const;
type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** A file body (PDF, zip, CSV). */
const fileSchema = z.string().meta({ format: "binary" });

const errorResponse = (status: ErrorStatus) => ({
  description: ERROR_DESCRIPTIONS[status],
  content: { "application/json": { schema: ErrorResponse } },
});

/** What a success response carries: a JSON schema, a file's media type, or nothing (204). */
type Body = z.ZodType | { mediaType: string; description: string } | null;

type Success<S extends number, B extends Body> = {
  [K in S]: B extends z.ZodType
    ? { description: string; content: { "application/json": { schema: B } } }
    : B extends { mediaType: string }
      ? { description: string; content: Record<string, { schema: z.ZodType }> }
      : { description: string };
};

/**
 * The responses of a route: the success (status and body) plus every error it can answer, each
 * with its schema. `extra`: 404 or 409 when the route can answer them.
 * @example responses(200, BudgetListResponse) // 200 + 400, 401, 403, 413, 429, 500
 */
export function responses<S extends 200 | 201 | 204, B extends Body>(
  status: S,
  body: B,
  opts: { public?: boolean; extra?: (404 | 409)[] } = {},
): Success<S, B> & Record<ErrorStatus, ReturnType<typeof errorResponse>> {
  const errors: ErrorStatus[] = opts.public ? [500] : [400, 401, 403, 413, 429, 500, ...(opts.extra ?? [])];
  const success =
    body === null
      ? { description: "no content" }
      : "mediaType" in body
        ? { description: body.description, content: { [body.mediaType]: { schema: fileSchema } } }
        : { description: "OK", content: { "application/json": { schema: body } } };
  const out: Record<number, unknown> = { [status]: success };
  for (const e of errors) out[e] = errorResponse(e);
  return out as Success<S, B> & Record<ErrorStatus, ReturnType<typeof errorResponse>>;
}

/** The shape of this document itself, as `GET /openapi.json` answers it. */
export const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.any(), paths: z.record(z.string(), z.any()) })
  .meta({ id: "OpenApiDocument" });

/** A route's path with a regex suffix (`{tenant{[^/]+\.pdf}}`) as OpenAPI writes it (`{tenant}.pdf`). */
function openApiPath(path: string): string {
  return path.replace(/\{(\w+)\{[^}]*\\\.(\w+)\}\}/g, "{$1}.$2");
}

/** The OpenAPI 3.1 document of an app whose routes are declared as above. */
export function openApiDocument(app: OpenAPIHono<AppEnv>): z.infer<typeof OpenApiDocument> {
  const doc = app.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Bedrock Chargeback API",
      version: "1.0.0",
      description: "Usage, billing periods, exports and budgets. See api/API.md.",
    },
    security: [{ bearer: [] }],
  });
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(doc.paths ?? {})) paths[openApiPath(path)] = item;
  return {
    ...doc,
    components: {
      ...doc.components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "cb_… API key" } },
    },
    paths,
  };
}
