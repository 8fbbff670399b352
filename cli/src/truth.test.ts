/**
 * The headline guarantee: `chargeback report` equals the simulator's ground truth, to the token
 * and to the micro-dollar, for every dimension and for combinations of them. The truth's cost is
 * priced here straight from the catalog JSON (not through the collector's pricing code).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aggregateTruth, parseGroundTruth, simulate } from "@bedrock-chargeback/collector";
import { tempDir } from "@bedrock-chargeback/collector/testing";
import { SHIPPED_CATALOG_PATH } from "@bedrock-chargeback/ledger";
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

type TruthRow = ReturnType<typeof parseGroundTruth>["rows"][number];

let db: string;
let truthRows: TruthRow[];
/** Application inference profile ARN → the model or profile id it routes to. */
let profiles: Record<string, string>;

/** "0.00875" (USD per 1M tokens) → 8750n: micro-USD per 1M tokens, which is pico-USD per token. */
function picoPerToken(usdPerMillion: string): bigint {
  const [whole = "0", frac = ""] = usdPerMillion.split(".");
  if (frac.length > 6) throw new Error(`price ${usdPerMillion} has more than 6 decimals`);
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0"));
}

type CatalogPrice = {
  model: string;
  scopes: string[];
  regions?: string[];
  effective_from: string;
  input: string;
  output: string;
  cache_read: string;
  cache_write: string;
};
const catalog: CatalogPrice[] = JSON.parse(readFileSync(SHIPPED_CATALOG_PATH, "utf8")).prices;

/** The scope a logged model id is billed at: `global.` profiles, geographic profiles, or in-region. */
function scopeOf(modelId: string): string {
  const target = modelId.startsWith("arn:") ? (profiles[modelId] ?? "") : modelId;
  if (target.startsWith("global.")) return "global";
  return /^(us|eu|apac|jp|au|us-gov|ca|in)\./.test(target) ? "geographic" : "in_region";
}

/**
 * A truth row's exact cost in pico-USD at the catalog price in force on its day (0 when unpriced):
 * the row for its region if the catalog has one, else the "*" row (regions default to "*").
 */
function truthCostPico(row: TruthRow): bigint {
  const scope = scopeOf(row.model_id);
  const inForce = (region: string) =>
    catalog
      .filter(
        (p) =>
          p.model === row.model &&
          p.scopes.includes(scope) &&
          (p.regions ?? ["*"]).includes(region) &&
          p.effective_from <= row.day,
      )
      .sort((a, b) => b.effective_from.localeCompare(a.effective_from))[0];
  const price = inForce(row.region) ?? inForce("*");
  if (!price) return 0n;
  return (
    BigInt(row.input_tokens) * picoPerToken(price.input) +
    BigInt(row.output_tokens) * picoPerToken(price.output) +
    BigInt(row.cache_read_input_tokens) * picoPerToken(price.cache_read) +
    BigInt(row.cache_write_input_tokens) * picoPerToken(price.cache_write)
  );
}

/** pico-USD → USD rounded once to the micro-dollar (half away from zero), as a JSON number. */
function usdOf(pico: bigint): number {
  const micros = (pico + 500_000n) / 1_000_000n;
  return Number(`${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, "0")}`);
}

/** The truth summed by `by`, with each group's cost priced exactly and rounded once. */
function truthWithCost(rows: readonly TruthRow[], by: string[]) {
  const cost = new Map<string, bigint>();
  const key = (r: Record<string, unknown>) => JSON.stringify(by.map((k) => r[k] ?? null));
  for (const r of rows) cost.set(key(r), (cost.get(key(r)) ?? 0n) + truthCostPico(r));
  return aggregateTruth(rows, by).map((g) => ({ ...g, cost_usd: usdOf(cost.get(key(g)) ?? 0n) }));
}

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

function comparable(rows: Record<string, unknown>[], by: string[]) {
  return rows
    .map((r) => Object.fromEntries([...by, ...MEASURES, "cost_usd"].map((k) => [k, r[k] ?? null])))
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
    expect(comparable(rows, [dim])).toEqual(comparable(truthWithCost(truthRows, [dim]), [dim]));
  });

  it.each([
    [["tenant", "model"]],
    [["application", "user"]],
    [["account", "region", "cost_center", "team", "environment"]],
    [[]],
  ])("by %j", async (by) => {
    const rows = await report(by);
    expect(comparable(rows, by)).toEqual(comparable(truthWithCost(truthRows, by), by));
  });

  it("by tenant over a partial range (UTC day boundaries, record timestamps decide)", async () => {
    const rows = await report(["tenant"], "2026-09-30", "2026-10-02");
    const inRange = truthRows.filter((r) => r.day >= "2026-09-30" && r.day < "2026-10-02");
    expect(comparable(rows, ["tenant"])).toEqual(comparable(truthWithCost(inRange, ["tenant"]), ["tenant"]));
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
