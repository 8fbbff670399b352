/**
 * The headline guarantee: `chargeback report` equals the simulator's ground truth, to the token
 * and to the micro-dollar, for every dimension and for combinations of them. The truth's cost is
 * priced straight from the catalog JSON (`expectedReport` in ./testing), not through the
 * collector's pricing code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aggregateTruth, parseGroundTruth, simulate } from "@bedrock-chargeback/collector";
import { tempDir } from "@bedrock-chargeback/collector/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { comparable, expectedReport, runCaptured, type TruthRow } from "./testing";

let db: string;
let truthRows: TruthRow[];
/** Application inference profile ARN → the model or profile id it routes to. */
let profiles: Record<string, string>;

beforeAll(async () => {
  const out = tempDir("truth-");
  await simulate({
    out,
    from: "2026-09-28",
    to: "2026-10-06",
    records: 6000,
    seed: 11,
    bodies: true,
    writeTruth: true,
  });
  truthRows = parseGroundTruth(JSON.parse(readFileSync(join(out, "ground-truth.json"), "utf8"))).rows;
  profiles = JSON.parse(readFileSync(join(out, "application-profiles.json"), "utf8"));
  db = join(tempDir(), "store.db");
  const ingest = await runCaptured([
    "ingest",
    "--source",
    "dir",
    "--path",
    out,
    "--db",
    db,
    "--profiles",
    join(out, "application-profiles.json"),
  ]);
  expect(ingest.stderr).toBe("");
  expect(ingest.code).toBe(0);
}, 120_000);

async function report(by: string[], from = "2026-09-28", to = "2026-10-06") {
  const out = await runCaptured([
    "report",
    "--db",
    db,
    "--from",
    from,
    "--to",
    to,
    "--by",
    by.join(","),
    "--format",
    "json",
  ]);
  expect(out.code, out.stderr).toBe(0);
  const rows: Record<string, unknown>[] = JSON.parse(out.stdout);
  return rows;
}

describe("report equals the simulator's ground truth", () => {
  const single = [
    "tenant",
    "application",
    "cost_center",
    "environment",
    "team",
    "user",
    "model",
    "region",
    "account",
  ];
  it.each(single.map((d) => [d]))("by %s", async (dim) => {
    const rows = await report([dim]);
    expect(comparable(rows, [dim])).toEqual(comparable(expectedReport(truthRows, profiles, [dim]), [dim]));
  });

  it.each([
    [["tenant", "model"]],
    [["application", "user"]],
    [["account", "region", "cost_center", "team", "environment"]],
    [[]],
  ])("by %j", async (by) => {
    const rows = await report(by);
    expect(comparable(rows, by)).toEqual(comparable(expectedReport(truthRows, profiles, by), by));
  });

  it("by three facets at once (user × experiment × variant) and application, null where a key is absent", async () => {
    const by = ["application", "user", "meta:experiment_id", "meta:variant"];
    const truthBy = ["application", "user", "experiment_id", "variant"];
    const rows = (await report(by)).map((r) => ({
      ...r,
      experiment_id: r["meta:experiment_id"] ?? null,
      variant: r["meta:variant"] ?? null,
    }));
    expect(rows.some((r) => r.variant === "B") && rows.some((r) => r.variant === null)).toBe(true);
    expect(comparable(rows, truthBy)).toEqual(
      comparable(expectedReport(truthRows, profiles, truthBy), truthBy),
    );
  });

  it("by tenant over a partial range (UTC day boundaries, record timestamps decide)", async () => {
    const rows = await report(["tenant"], "2026-09-30", "2026-10-02");
    const inRange = truthRows.filter((r) => r.day >= "2026-09-30" && r.day < "2026-10-02");
    expect(comparable(rows, ["tenant"])).toEqual(
      comparable(expectedReport(inRange, profiles, ["tenant"]), ["tenant"]),
    );
  });

  it("prices every model the catalog knows and flags the rest", async () => {
    const rows = await report(["model"]);
    for (const row of rows) {
      // The simulator plants one model that is not in the catalog (collector/src/simulate/scenarios.ts).
      const unpriced = row.model === "mistral.mistral-large-2407-v1:0";
      expect(row.unpriced_requests, String(row.model)).toBe(unpriced ? row.requests : 0);
      if (!unpriced && Number(row.requests) > 0)
        expect(Number(row.cost_usd), String(row.model)).toBeGreaterThan(0);
    }
    expect(rows.some((r) => Number(r.unpriced_requests) > 0)).toBe(true);
  });
});

describe("chargeback experiments on the simulated A/B test", () => {
  it("counts each variant as the truth does and finds the planted cheaper variant B", async () => {
    const run = async (args: string[]) => {
      const out = await runCaptured([
        "experiments",
        ...args,
        "--db",
        db,
        "--from",
        "2026-09-28",
        "--to",
        "2026-10-06",
        "--format",
        "json",
      ]);
      expect(out.code, out.stderr).toBe(0);
      return JSON.parse(out.stdout);
    };
    const truth = aggregateTruth(truthRows, ["experiment_id", "variant"]).filter(
      (r) => r.experiment_id !== null,
    );
    const list = await run([]);
    expect(list.map((e: { experiment_id: string }) => e.experiment_id)).toEqual([
      ...new Set(truth.map((t) => t.experiment_id)),
    ]);
    const id = String(truth[0]?.experiment_id);
    const report = await run([id]);
    expect(
      report.variants.map((v: { variant: string; calls: number; totals: { outputTokens: number } }) => [
        v.variant,
        v.calls,
        v.totals.outputTokens,
      ]),
    ).toEqual(truth.map((t) => [t.variant, t.requests + t.errors, t.output_tokens]));
    const [b] = report.comparisons;
    expect(b.variant).toBe("B");
    expect(b.welch.significant).toBe(true);
    expect(b.welch.high).toBeLessThan(0);
    const table = await runCaptured([
      "experiments",
      id,
      "--db",
      db,
      "--from",
      "2026-09-28",
      "--to",
      "2026-10-06",
    ]);
    expect(table.stdout).toMatch(
      /B vs A: cost per call -\$0\.\d+ \(95 % Welch interval .*\): larger than the noise/,
    );
  });
});
