/** Shared builders for the API tests: each test gets its own store, keys and app. */

import { addUsageThroughRollup, billingTesting } from "@bedrock-chargeback/collector/testing";
import type { Db } from "@bedrock-chargeback/ledger";
import { createApp } from "./app";
import type { AppDeps } from "./context";
import { createApiKey } from "./keys";

export const NOW = new Date("2026-11-16T00:00:00Z");

export type Harness = {
  db: Db;
  app: ReturnType<typeof createApp>;
  keys: { admin: string; finance: string; acme: string; beta: string };
  logs: Record<string, unknown>[];
  call: (
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
  ) => Promise<Response>;
};

/**
 * A store with October and November usage for tenants acme and beta, unattributed and unpriced
 * usage, and one key per role. Prices: $3 input / $15 output per 1M tokens.
 */
export function harness(deps: Partial<AppDeps> = {}): Harness {
  const db = billingTesting.testDb();
  // Through normalize → accumulate → write, so the facets (identity, user) are the accumulator's.
  addUsageThroughRollup(db, [
    {
      hour: "2026-10-05T10:00:00Z",
      tenant: "acme",
      input: 1_000_000,
      output: 100_000,
      requests: 4,
      errors: 1,
      user: "u-acme-1",
      meta: { experiment_id: "exp-acme", variant: "A" },
    },
    {
      hour: "2026-10-06T00:00:00Z",
      tenant: "beta",
      application: "beta-app",
      costCenter: "CC-B",
      input: 2_000_000,
      requests: 2,
      user: "u-beta-1",
      meta: { experiment_id: "exp-beta", variant: "A" },
    },
    {
      hour: "2026-10-07T03:00:00Z",
      tenant: null,
      input: 500_000,
      requests: 3,
      identity: "arn:aws:iam::1:role/orphan",
    },
    {
      hour: "2026-10-08T00:00:00Z",
      tenant: "acme",
      model: billingTesting.UNPRICED_MODEL,
      input: 10,
      requests: 2,
    },
    {
      hour: "2026-11-02T00:00:00Z",
      tenant: "acme",
      input: 1_000_000,
      requests: 1,
      user: "u-acme-2",
      meta: { experiment_id: "exp-acme", variant: "B" },
    },
  ]);
  const key = (role: "admin" | "finance" | "tenant", tenant?: string) =>
    createApiKey(db, { role, tenant: tenant ?? null }).key;
  const keys = {
    admin: key("admin"),
    finance: key("finance"),
    acme: key("tenant", "acme"),
    beta: key("tenant", "beta"),
  };
  const logs: Record<string, unknown>[] = [];
  const app = createApp({ db, now: () => NOW, logger: (e) => logs.push(e), ...deps });
  const call: Harness["call"] = (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const k = opts.key === undefined ? keys.admin : opts.key;
    if (k !== null) headers.authorization = `Bearer ${k}`;
    if (opts.body !== undefined) headers["content-type"] = "application/json";
    return Promise.resolve(
      app.request(path, {
        method,
        headers,
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
      }),
    );
  };
  return { db, app, keys, logs, call };
}
