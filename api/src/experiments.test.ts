/** Experiments and top users through the API, with the harness's real figures and tenant scoping. */
import { describe, expect, it } from "vitest";
import { harness } from "./test-setup";
import type { ExperimentListResponse, ExperimentResponse, TopUsersResponse, UsageResponse } from "./types";

const RANGE = "from=2026-10-01&to=2026-12-01";

async function json<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  expect(r.status).toBe(status);
  return (await r.json()) as T;
}

describe("GET /v1/experiments", () => {
  it("lists every experiment for an admin and only its own tenant's for a tenant key", async () => {
    const h = harness();
    const all = await json<ExperimentListResponse>(h.call("GET", `/v1/experiments?${RANGE}`));
    expect(
      all.experiments.map((e) => [e.experiment_id, e.variants, e.requests, e.errors, e.cost_usd]),
    ).toEqual([
      ["exp-acme", ["A", "B"], 5, 1, "7.500000"],
      ["exp-beta", ["A"], 2, 0, "6.000000"],
    ]);
    const acme = await json<ExperimentListResponse>(
      h.call("GET", `/v1/experiments?${RANGE}`, { key: h.keys.acme }),
    );
    expect(acme.experiments.map((e) => e.experiment_id)).toEqual(["exp-acme"]);
    expect(acme.query.filters).toEqual({ tenant: ["acme"] });
  });

  it("compares variants with real figures; another tenant's experiment is not found for a tenant key", async () => {
    const h = harness();
    const r = await json<ExperimentResponse>(
      h.call("GET", `/v1/experiments/exp-acme?${RANGE}`, { key: h.keys.acme }),
    );
    expect(r.baseline).toBe("A");
    const [a, b] = r.variants;
    // A: 4 requests + 1 error; 1M input × $3 + 100k output × $15 = $4.50 → 900,000 micro-USD per call.
    expect(a).toMatchObject({
      variant: "A",
      calls: 5,
      errors: 1,
      error_rate: 0.2,
      cost_per_call_micro_usd: 900_000,
    });
    expect(a?.cost_per_successful_request_micro_usd).toBe(1_125_000);
    expect(a?.tokens_per_request).toBe(1_100_000 / 4);
    expect(b).toMatchObject({ variant: "B", calls: 1, cost_per_call_micro_usd: 3_000_000 });
    // One call in B: no variance, so no interval.
    expect(r.comparisons).toEqual([{ variant: "B", baseline: "A", welch: null }]);
    expect(r.statistic).toMatch(/Welch/);
    const other = await h.call("GET", `/v1/experiments/exp-beta?${RANGE}`, { key: h.keys.acme });
    expect(other.status).toBe(404);
    expect(
      (await json<ExperimentResponse>(h.call("GET", `/v1/experiments/exp-beta?${RANGE}`))).variants,
    ).toHaveLength(1);
  });
});

describe("GET /v1/users", () => {
  it("lists top users per tenant × application, tenant-scoped, and the users breakdown sums to the total", async () => {
    const h = harness();
    const all = await json<TopUsersResponse>(h.call("GET", `/v1/users?${RANGE}&top=1`));
    const brief = all.groups.map((g) => [
      g.keys.tenant,
      g.keys.application,
      g.users.map((u) => u.user),
      g.more_users,
    ]);
    expect(brief).toEqual([
      ["acme", "support", ["u-acme-1"], 2],
      ["beta", "beta-app", ["u-beta-1"], 0],
      [null, "support", [null], 0],
    ]);
    const usage = await json<UsageResponse>(h.call("GET", `/v1/usage?${RANGE}`));
    const sum = all.groups.reduce((s, g) => s + g.total.cost_micro_usd, 0);
    expect(sum).toBe(usage.total.cost_micro_usd);
    const acme = await json<TopUsersResponse>(h.call("GET", `/v1/users?${RANGE}`, { key: h.keys.acme }));
    expect(acme.groups.map((g) => g.keys.tenant)).toEqual(["acme"]);
    expect(acme.groups[0]?.users.map((u) => u.user)).toEqual(["u-acme-1", "u-acme-2", null]);
  });
});
