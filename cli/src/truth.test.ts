/**
 * The headline guarantee: `chargeback report` equals the simulator's ground truth, to the token,
 * for every dimension and for combinations of them.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aggregateTruth, parseGroundTruth, simulate } from "@bedrock-chargeback/collector";
import { tempDir } from "@bedrock-chargeback/collector/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runCaptured } from "./testing";

const MEASURES = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_write_input_tokens",
];

let db: string;
let truthRows: ReturnType<typeof parseGroundTruth>["rows"];

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

function comparable(rows: Record<string, unknown>[], by: string[]) {
  return rows
    .map((r) => Object.fromEntries([...by, ...MEASURES].map((k) => [k, r[k] ?? null])))
    .sort((a, b) => JSON.stringify(by.map((k) => a[k])).localeCompare(JSON.stringify(by.map((k) => b[k]))));
}

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
    expect(comparable(rows, [dim])).toEqual(comparable(aggregateTruth(truthRows, [dim]), [dim]));
  });

  it.each([
    [["tenant", "model"]],
    [["application", "user"]],
    [["account", "region", "cost_center", "team", "environment"]],
    [[]],
  ])("by %j", async (by) => {
    const rows = await report(by);
    expect(comparable(rows, by)).toEqual(comparable(aggregateTruth(truthRows, by), by));
  });

  it("by tenant over a partial range (UTC day boundaries, record timestamps decide)", async () => {
    const rows = await report(["tenant"], "2026-09-30", "2026-10-02");
    const inRange = truthRows.filter((r) => r.day >= "2026-09-30" && r.day < "2026-10-02");
    expect(comparable(rows, ["tenant"])).toEqual(comparable(aggregateTruth(inRange, ["tenant"]), ["tenant"]));
  });

  it("prices every model the catalog knows and flags the rest", async () => {
    const rows = await report(["model"]);
    for (const row of rows) {
      const unpriced = String(row.model).startsWith("mistral.") || String(row.model).startsWith("cohere.");
      expect(row.unpriced_requests, String(row.model)).toBe(unpriced ? row.requests : 0);
      if (!unpriced && Number(row.requests) > 0)
        expect(Number(row.cost_usd), String(row.model)).toBeGreaterThan(0);
    }
    expect(rows.some((r) => Number(r.unpriced_requests) > 0)).toBe(true);
  });
});
