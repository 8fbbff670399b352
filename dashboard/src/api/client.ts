/**
 * The dashboard's only door to the API: `Authorization: Bearer <key>` on every call (the key
 * never goes in a URL), JSON checked against the API's own response schema (the zod schemas of
 * `@bedrock-chargeback/api/schemas`, the ones the server documents and types its handlers with),
 * errors as ApiError with the API's code. A changed or broken response is an error state, never a
 * wrong number.
 */
import { ErrorResponse } from "@bedrock-chargeback/api/schemas";
import type { z } from "zod";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The response schema of a route: what `get`/`send` check the JSON against and return typed. */
export type Schema<T> = z.ZodType<T>;

export type Client = {
  get<T>(path: string, schema: Schema<T>, signal?: AbortSignal): Promise<T>;
  send<T>(
    method: "POST" | "PATCH" | "PUT" | "DELETE",
    path: string,
    body: unknown,
    schema: Schema<T>,
  ): Promise<T | null>;
  /** Fetches a file (an export) with the key and returns its bytes and server-given file name. */
  download(path: string): Promise<{ blob: Blob; filename: string }>;
  /** Forget cached GET results (after a change). */
  invalidate(): void;
};

const MAX_RETRY_AFTER_S = 5;
/** Usage breakdowns come in pages (api/API.md); the dashboard shows every row, up to this many pages. */
const MAX_PAGES = 50;

type Paged = { rows: unknown[]; next_cursor: string };

function hasNextPage(v: unknown): v is Paged {
  return (
    typeof v === "object" &&
    v !== null &&
    "rows" in v &&
    Array.isArray(v.rows) &&
    "next_cursor" in v &&
    typeof v.next_cursor === "string"
  );
}

function fileNameOf(disposition: string | null, fallback: string): string {
  const m = /filename="?([^";]+)"?/i.exec(disposition ?? "");
  return m?.[1] ?? fallback;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  const requestId = res.headers.get("x-request-id");
  const parsed = ErrorResponse.safeParse(body);
  if (parsed.success)
    return new ApiError(res.status, parsed.data.error.code, parsed.data.error.message, requestId);
  return new ApiError(res.status, "http_error", `HTTP ${res.status} ${res.statusText}`.trim(), requestId);
}

/**
 * @example const api = createClient(key); const me = await api.get("/v1/me", MeResponse);
 */
export function createClient(
  key: string,
  opts: { fetch?: typeof fetch; onUnauthorized?: () => void; sleep?: (ms: number) => Promise<void> } = {},
): Client {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const cache = new Map<string, Promise<unknown>>();

  async function request(path: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Authorization", `Bearer ${key}`);
    for (let attempt = 0; ; attempt++) {
      const res = await doFetch(path, { ...init, headers });
      // One polite retry when rate limited, after the server's Retry-After (capped).
      if (res.status === 429 && attempt === 0) {
        const wait = Math.min(MAX_RETRY_AFTER_S, Number(res.headers.get("retry-after") ?? "1") || 1);
        await sleep(wait * 1000);
        continue;
      }
      if (res.status === 401) opts.onUnauthorized?.();
      if (!res.ok) throw await errorOf(res);
      return res;
    }
  }

  async function getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const init = signal ? { signal } : {};
    let body: unknown = await (await request(path, init)).json();
    // A paged response: fetch the rest and hand the caller one response with every row.
    for (let page = 1; page < MAX_PAGES && hasNextPage(body); page++) {
      const sep = path.includes("?") ? "&" : "?";
      const next: unknown = await (
        await request(`${path}${sep}cursor=${encodeURIComponent(body.next_cursor)}`, init)
      ).json();
      if (typeof next !== "object" || next === null || !("rows" in next) || !Array.isArray(next.rows)) break;
      const cursor = "next_cursor" in next && typeof next.next_cursor === "string" ? next.next_cursor : null;
      body = { ...body, rows: [...body.rows, ...next.rows], next_cursor: cursor };
    }
    return body;
  }

  return {
    async get(path, schema, signal) {
      let pending = cache.get(path);
      if (!pending) {
        pending = getJson(path, signal);
        cache.set(path, pending);
        pending.catch(() => cache.delete(path));
      }
      const parsed = schema.safeParse(await pending);
      if (!parsed.success) {
        cache.delete(path);
        throw new ApiError(200, "bad_response", `unexpected response shape from ${path.split("?")[0]}`, null);
      }
      return parsed.data;
    },
    async send(method, path, body, schema) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = JSON.stringify(body);
        init.headers = { "Content-Type": "application/json" };
      }
      const res = await request(path, init);
      cache.clear();
      if (res.status === 204) return null;
      const parsed = schema.safeParse(await res.json());
      if (!parsed.success)
        throw new ApiError(res.status, "bad_response", `unexpected response shape from ${path}`, null);
      return parsed.data;
    },
    async download(path) {
      const res = await request(path, {});
      const fallback = path.split("?")[0]?.split("/").pop() ?? "export";
      return {
        blob: await res.blob(),
        filename: fileNameOf(res.headers.get("content-disposition"), fallback),
      };
    },
    invalidate() {
      cache.clear();
    },
  };
}
