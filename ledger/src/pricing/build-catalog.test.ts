import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createDb } from "../store/db";
import {
  buildShippedCatalog,
  CATALOG_REGIONS,
  loadSourceCoverage,
  regionalCoverage,
  renderShippedCatalog,
} from "./build-catalog";
import { loadCatalog, SHIPPED_CATALOG_PATH } from "./catalog";
import { PriceBook, syncCatalog } from "./price-book";
import { loadModelNames } from "./price-list";

const build = buildShippedCatalog(loadModelNames());
const catalog = loadCatalog(SHIPPED_CATALOG_PATH);
const keysOf = (source: string) => source.split(",").map((s) => s.trim().split(":")[0] ?? "");

describe("the shipped catalog (ledger/prices/bedrock-prices.json)", () => {
  it("is exactly the build of ledger/prices/sources/ (run ledger/prices/build.ts after editing a source)", () => {
    expect(readFileSync(SHIPPED_CATALOG_PATH, "utf8")).toBe(renderShippedCatalog(build));
    expect(build.unknown).toEqual([]);
  });

  it("names a described source for every row, and has one row per model, scope, region and day", () => {
    for (const row of catalog.prices)
      for (const key of keysOf(row.source))
        expect(catalog.sources[key], `${row.model}: source ${key}`).toBeDefined();
    const seen = new Map<string, string>();
    for (const row of catalog.prices)
      for (const scope of row.scopes)
        for (const region of row.regions) {
          const key = `${row.model} ${scope} ${region} ${row.effective_from}`;
          expect(seen.get(key), `${key} twice`).toBeUndefined();
          seen.set(key, row.source);
        }
  });

  it("prices Nova Pro per region where a source gives a regional figure", () => {
    const nova = catalog.prices.filter((r) => r.model === "amazon.nova-pro-v1:0");
    expect(nova.map((r) => [r.regions, r.input, r.output, keysOf(r.source)[0]])).toEqual([
      [["*"], "0.80", "3.20", "agent-toolkit"],
      [["ap-northeast-1"], "0.96", "3.84", "pricelist-2026-08-26"],
      [["eu-central-1"], "1.05", "4.2", "mmc-2026-06-18"],
      [["eu-west-1"], "0.92", "3.68", "koyakimu-2026-09-17"],
      [["us-east-1", "us-west-2"], "0.8", "3.2", "aditya-2026-02-06"],
    ]);
  });
});

describe("regional prices, as the price book applies them", () => {
  const db = createDb(":memory:");
  syncCatalog(db, catalog, "catalog");
  const book = PriceBook.load(db);
  const at = (model: string, region: string) => {
    const p = book.find(model, "in_region", region, "2026-10-15");
    return (
      p && { region: p.region, input: p.inputMicros, output: p.outputMicros, source: keysOf(p.source)[0] }
    );
  };

  it("charges more where the regional tables say so (Frankfurt, Tokyo, Ireland)", () => {
    // Europe (Frankfurt) Titan Text Express $0.0003 / $0.000863 per 1K (aditya-2026-02-06).
    expect(at("amazon.titan-text-express-v1", "eu-central-1")).toEqual({
      region: "eu-central-1",
      input: 300_000,
      output: 863_000,
      source: "aditya-2026-02-06",
    });
    expect(at("amazon.titan-text-express-v1", "us-east-1")).toMatchObject({
      input: 200_000,
      output: 600_000,
    });
    // Asia Pacific (Tokyo) GLM 5 from the real Price List items: $0.0012 / $0.00384 per 1K.
    expect(at("zai.glm-5", "ap-northeast-1")).toEqual({
      region: "ap-northeast-1",
      input: 1_200_000,
      output: 3_840_000,
      source: "pricelist-2026-08-26",
    });
    expect(at("zai.glm-5", "us-east-1")).toMatchObject({ input: 1_000_000, output: 3_200_000 });
    // LiteLLM bedrock/eu-west-1/meta.llama3-70b-instruct-v1:0: 2.86e-06 / 3.78e-06 per token.
    expect(at("meta.llama3-70b-instruct-v1:0", "eu-west-1")).toEqual({
      region: "eu-west-1",
      input: 2_860_000,
      output: 3_780_000,
      source: "litellm-00035b69",
    });
    expect(at("meta.llama3-70b-instruct-v1:0", "us-east-1")).toMatchObject({
      input: 2_650_000,
      output: 3_500_000,
    });
    expect(at("meta.llama3-2-1b-instruct-v1:0", "eu-central-1")).toMatchObject({
      input: 130_000,
      output: 130_000,
    });
  });

  it("keeps the same price where the regional table says it is the same, on a row of its own", () => {
    // Europe (Frankfurt) lists Claude 3.5 Sonnet at $0.003 / $0.015 per 1K, as US East does.
    const sonnet = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    expect(at(sonnet, "eu-central-1")).toEqual({
      region: "eu-central-1",
      input: 3_000_000,
      output: 15_000_000,
      source: "aditya-2026-02-06",
    });
    expect(at(sonnet, "us-east-1")).toMatchObject({
      region: "us-east-1",
      input: 3_000_000,
      output: 15_000_000,
    });
  });

  it("prices Ireland and Tokyo from the Price List copy, where they differ from us-east-1", () => {
    // koyakimu-2026-09-17: Nova Lite eu-west-1 $0.069 / $0.276, ap-northeast-1 $0.072 / $0.288 per 1M.
    expect(at("amazon.nova-lite-v1:0", "eu-west-1")).toEqual({
      region: "eu-west-1",
      input: 69_000,
      output: 276_000,
      source: "koyakimu-2026-09-17",
    });
    expect(at("amazon.nova-lite-v1:0", "ap-northeast-1")).toMatchObject({ input: 72_000, output: 288_000 });
    expect(at("amazon.nova-lite-v1:0", "us-east-1")).toMatchObject({ input: 60_000, output: 240_000 });
    expect(at("openai.gpt-oss-120b-1:0", "ap-northeast-1")).toMatchObject({
      input: 180_000,
      output: 730_000,
    });
    // Mistral 7B eu-west-1 $0.16 / $0.22, also in the 2026-06-15 Price List rows of mmc-2026-06-15.
    expect(at("mistral.mistral-7b-instruct-v0:2", "eu-west-1")).toMatchObject({
      input: 160_000,
      output: 220_000,
    });
    // Claude Haiku 4.5 in-region is $1.10 / $5.50 in every catalog region, now on rows of their own.
    expect(at("anthropic.claude-haiku-4-5-20251001-v1:0", "eu-west-1")).toEqual({
      region: "eu-west-1",
      input: 1_100_000,
      output: 5_500_000,
      source: "koyakimu-2026-09-17",
    });
  });

  it("leaves a region without a source on the '*' row, or unpriced, never guessed", () => {
    // No source gives Llama 3.3 70B an in-region price in Ireland: the one price of the "*" row applies.
    expect(at("meta.llama3-3-70b-instruct-v1:0", "eu-west-1")).toMatchObject({ region: "*", input: 720_000 });
    // Titan Text Embeddings V2 in Frankfurt: the copy's 0.2 is not taken (coverage.not_taken), so "*".
    expect(at("amazon.titan-embed-text-v2:0", "eu-central-1")).toMatchObject({ region: "*", input: 20_000 });
    // The Tokyo "Titan Text G1 - Lite" figure is probably Express mislabelled: not taken, so unpriced.
    expect(at("amazon.titan-text-lite-v1", "ap-northeast-1")).toBeUndefined();
    expect(at("amazon.titan-text-lite-v1", "us-east-1")).toMatchObject({ input: 150_000, output: 200_000 });
    // The only us-west-2 figure for Llama 3.1 405B has no second source: not taken, so unpriced there.
    expect(at("meta.llama3-1-405b-instruct-v1:0", "us-west-2")).toBeUndefined();
    expect(at("meta.llama3-1-405b-instruct-v1:0", "us-east-1")).toMatchObject({ input: 2_400_000 });
  });
});

describe("what the sources file says it left out (coverage in public-prices.json)", () => {
  const coverage = loadSourceCoverage();

  it("lists per region exactly the models the build leaves on a '*' row or unpriced", () => {
    const built = regionalCoverage(build.catalog);
    expect(Object.keys(coverage.regional_gaps)).toEqual([...CATALOG_REGIONS]);
    for (const c of built)
      expect(coverage.regional_gaps[c.region], c.region).toEqual({ star_only: c.starOnly, none: c.none });
    expect(built.map((c) => [c.region, c.own.length, c.starOnly.length, c.none.length])).toEqual([
      ["us-east-1", 53, 0, 0],
      ["us-west-2", 46, 0, 7],
      ["eu-central-1", 23, 2, 28],
      ["eu-west-1", 24, 1, 28],
      ["ap-northeast-1", 19, 1, 33],
    ]);
  });

  it("cites no figure it says it did not take for that model and region", () => {
    const left = [
      ...coverage.not_taken.map((n) => ({ ...n, sources: [n.source] })),
      ...coverage.disagreements.map((d) => ({ ...d, sources: d.not_used })),
    ];
    expect(left.length).toBeGreaterThan(0);
    for (const n of left) {
      for (const s of n.sources) expect(catalog.sources[s], s).toBeDefined();
      const citing = catalog.prices.filter(
        (r) =>
          r.model === n.model &&
          r.regions.includes(n.region) &&
          keysOf(r.source).some((k) => n.sources.includes(k)),
      );
      expect(citing, `${n.model} ${n.region}`).toEqual([]);
    }
  });
});
