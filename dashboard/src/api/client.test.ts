import { MeResponse } from "@bedrock-chargeback/api/schemas";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ApiError, createClient } from "./client";

function fakeFetch(responses: Response[], seen: { url: string; init: RequestInit | undefined }[]) {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push({ url: String(input), init });
    const next = responses.shift();
    if (!next) throw new Error("no more responses");
    return next;
  };
}
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const me = { key_id: "k1", name: "n", role: "admin", tenant: null };

describe("api client", () => {
  it("follows next_cursor so a paged usage response arrives whole", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const page = (rows: number[], next: string | null) =>
      json({ rows, next_cursor: next, total: { requests: 6 } });
    const client = createClient("k", {
      fetch: fakeFetch([page([1, 2], "c1"), page([3], "c/2"), page([4], null)], seen),
    });
    const paged = z.looseObject({ rows: z.array(z.number()), next_cursor: z.string().nullable() });
    await expect(client.get("/v1/usage?from=2026-10-01&to=2026-11-01", paged)).resolves.toEqual({
      rows: [1, 2, 3, 4],
      next_cursor: null,
      total: { requests: 6 },
    });
    expect(seen.map((s) => s.url)).toEqual([
      "/v1/usage?from=2026-10-01&to=2026-11-01",
      "/v1/usage?from=2026-10-01&to=2026-11-01&cursor=c1",
      "/v1/usage?from=2026-10-01&to=2026-11-01&cursor=c%2F2",
    ]);
  });

  it("sends the key as a Bearer header, never in the URL", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const client = createClient("cb_secret", { fetch: fakeFetch([json(me)], seen) });
    await expect(client.get("/v1/me", MeResponse)).resolves.toEqual(me);
    expect(seen[0]?.url).toBe("/v1/me");
    expect(new Headers(seen[0]?.init?.headers).get("authorization")).toBe("Bearer cb_secret");
  });

  it("turns the error envelope into an ApiError and reports 401", async () => {
    let unauthorized = 0;
    const client = createClient("k", {
      fetch: fakeFetch(
        [
          json({ error: { code: "forbidden", message: "other tenant", requestId: "r1" } }, 403),
          json({ error: { code: "unauthorized", message: "bad key", requestId: "r2" } }, 401),
        ],
        [],
      ),
      onUnauthorized: () => unauthorized++,
    });
    const e = await client.get("/v1/usage?tenant=x", MeResponse).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ status: 403, code: "forbidden", message: "other tenant" });
    await expect(client.get("/v1/me", MeResponse)).rejects.toMatchObject({ status: 401 });
    expect(unauthorized).toBe(1);
  });

  it("rejects a response of the wrong shape", async () => {
    const client = createClient("k", { fetch: fakeFetch([json({ role: "root" })], []) });
    await expect(client.get("/v1/me", MeResponse)).rejects.toMatchObject({ code: "bad_response" });
  });

  it("retries once after Retry-After when rate limited, and caches GETs until a change", async () => {
    const seen: { url: string; init: RequestInit | undefined }[] = [];
    const slept: number[] = [];
    const client = createClient("k", {
      fetch: fakeFetch(
        [
          json({ error: { code: "rate_limited", message: "slow", requestId: "r" } }, 429, {
            "retry-after": "2",
          }),
          json(me),
          json(me),
        ],
        seen,
      ),
      sleep: async (ms) => {
        slept.push(ms);
      },
    });
    await client.get("/v1/me", MeResponse);
    await client.get("/v1/me", MeResponse);
    expect(slept).toEqual([2000]);
    expect(seen).toHaveLength(2);
    client.invalidate();
    await client.get("/v1/me", MeResponse);
    expect(seen).toHaveLength(3);
  });

  it("downloads with the server's file name", async () => {
    const client = createClient("k", {
      fetch: fakeFetch(
        [
          new Response("a,b\n", {
            headers: { "content-disposition": 'attachment; filename="chargeback-2026-10.csv"' },
          }),
        ],
        [],
      ),
    });
    const { blob, filename } = await client.download("/v1/exports/2026-10?format=csv");
    expect(filename).toBe("chargeback-2026-10.csv");
    expect(await blob.text()).toBe("a,b\n");
  });
});
