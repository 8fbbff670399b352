import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  buildCatalogRows,
  itemsFromOfferFile,
  loadModelNames,
  type PriceListItem,
  parsePriceList,
  readUsagetype,
  usdPerMillion,
} from "./price-list";

const table = loadModelNames();
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");
const realItems = (
  JSON.parse(
    readFileSync(new URL("../../prices/sources/price-list-items.json", import.meta.url), "utf8"),
  ) as { sets: { items: PriceListItem[] }[] }
).sets.flatMap((s) => s.items);

describe("usagetype grammar (docs/billing-facts.md §1.4)", () => {
  it.each([
    ["USE1-Claude3Haiku-input-tokens", { bucket: "input", scope: "regional", tier: "standard" }],
    [
      "APN1-zai.glm5-mantle-output-tokens-standard",
      { bucket: "output", scope: "regional", tier: "standard" },
    ],
    ["APN1-NovaPro-input-tokens-batch", { bucket: "input", scope: "regional", tier: "batch" }],
    [
      "USE1-NovaPro-input-tokens-latency-optimized",
      { bucket: "input", scope: "regional", tier: "latency_optimized" },
    ],
    [
      "USE1-Nova2.0Lite-input-tokens-cross-region-global-batch",
      { bucket: "input", scope: "global", tier: "batch" },
    ],
    [
      "USE1-Claude4Sonnet-cache-write-input-token-count-1-hour",
      { bucket: "cache_write_1h", scope: "regional", tier: "standard" },
    ],
    [
      "USE1-anthropic.claude-sonnet-4-5-mantle-cache-write-tokens-1h-standard",
      { bucket: "cache_write_1h", scope: "regional", tier: "standard" },
    ],
    [
      "APN1-NovaPro-cache-read-input-token-count",
      { bucket: "cache_read", scope: "regional", tier: "standard" },
    ],
    ["USW2-MP:USW2_InputTokenCount-Units", { bucket: "input", scope: "regional", tier: "standard" }],
    [
      "USE1-MP:USE1_CacheWriteInputTokenCount-Units",
      { bucket: "cache_write_5m", scope: "regional", tier: "standard" },
    ],
    [
      "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units",
      { bucket: "cache_write_1h", scope: "regional", tier: "standard" },
    ],
    ["USE1-MP:USE1_InputTokenCount_Global-Units", { bucket: "input", scope: "global", tier: "standard" }],
    [
      "MP:USE1_cache_read_tokens_global_standard-Units",
      { bucket: "cache_read", scope: "global", tier: "standard" },
    ],
    ["USE1-MP:USE1_OutputTokenCount_Batch-Units", { bucket: "output", scope: "regional", tier: "batch" }],
  ])("%s", (usagetype, meter) => {
    expect(readUsagetype(usagetype)).toEqual(meter);
  });

  it("lists meters it cannot read for certain and ignores non-token SKUs", () => {
    expect(readUsagetype("USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global")).toEqual({
      unknown: 'unknown usagetype modifier "long"',
    });
    expect(readUsagetype("MP:USE1_cache_write_tokens_30m_standard-Units")).toEqual({
      unknown: 'unknown usagetype modifier "30m"',
    });
    expect(readUsagetype("USE1-MP:USE1_CacheStorage-Units")).toBeUndefined();
    expect(readUsagetype("USE1-TitanImage-generated-images")).toBeUndefined();
  });

  it("scales prices exactly, refusing sub-micro precision", () => {
    expect(usdPerMillion("0.0080000000", 1_000)).toBe("8");
    expect(usdPerMillion("0.0009600000", 1_000)).toBe("0.96");
    expect(usdPerMillion("0.0000350000", 1_000)).toBe("0.035");
    expect(usdPerMillion("3.3000000000", 1_000_000)).toBe("3.3");
    expect(usdPerMillion("0.0000000001", 1_000)).toBeUndefined();
  });
});

describe("parsePriceList on real published items", () => {
  const parsed = parsePriceList(realItems, table, { defaultEffectiveFrom: "2026-08-26" });

  it("reads every token SKU, and the catalog rows are the published prices per 1M", () => {
    expect(parsed.unknown).toEqual([]);
    expect(parsed.prices).toHaveLength(10);
    const rows = buildCatalogRows(parsed.prices, "test");
    expect(
      rows.entries.map((e) => [e.model, e.regions, e.scopes, e.input, e.output, e.cache_read, e.cache_write]),
    ).toEqual([
      ["amazon.nova-pro-v1:0", ["ap-northeast-1"], ["in_region", "geographic"], "0.96", "3.84", "0.24", "0"],
      ["zai.glm-5", ["ap-northeast-1"], ["in_region", "geographic"], "1.2", "3.84", "0", "0"],
    ]);
    // Claude 3 Haiku has only an input SKU in AmazonBedrock (docs/billing-facts.md §5.5).
    expect(rows.incomplete).toEqual([
      {
        model: "anthropic.claude-3-haiku-20240307-v1:0",
        region: "us-east-1",
        scope: "regional",
        reason: "no output SKU",
      },
    ]);
    // The batch and flex SKUs are read but cannot price logged usage (the log names no tier).
    expect(rows.notApplicable.map((p) => [p.usagetype, p.tier, p.usdPerMillion])).toEqual([
      ["APN1-zai.glm5-mantle-input-tokens-flex", "flex", "0.6"],
      ["APN1-NovaPro-input-tokens-batch", "batch", "0.48"],
    ]);
  });

  it("refuses two SKUs of one bucket that disagree", () => {
    const conflicting = JSON.parse(
      JSON.stringify(realItems.filter((i) => i.product.attributes.model === "GLM 5")).replace(
        '"0.0012000000"}}}}}}},{"product":{"sku":"25DCN3EFASRTQK5W"',
        '"0.0012000000"}}}}}}},{"product":{"sku":"25DCN3EFASRTQK5W"',
      ),
    ) as PriceListItem[];
    const twin = conflicting.find((i) => i.product.sku === "C5W95R8WUA6B2U55");
    const dim = Object.values(Object.values(twin?.terms?.OnDemand ?? {})[0]?.priceDimensions ?? {})[0];
    if (dim?.pricePerUnit) dim.pricePerUnit.USD = "0.0099000000"; // SYNTHETIC disagreement
    const rows = buildCatalogRows(
      parsePriceList(conflicting, table, { defaultEffectiveFrom: "2026-08-26" }).prices,
      "t",
    );
    expect(rows.entries).toEqual([]);
    expect(rows.incomplete[0]?.reason).toBe(
      "input: SKUs disagree (APN1-zai.glm5-input-tokens=1.2, APN1-zai.glm5-mantle-input-tokens-standard=9.9)",
    );
  });
});

describe("bulk offer files", () => {
  it("JSON: the published Claude 2.0 item, an unknown modifier and an unknown name listed, an image SKU ignored", () => {
    const parsed = parsePriceList(itemsFromOfferFile(fixture("offer-sample.json")), table);
    expect(
      parsed.prices.map((p) => [p.sku, p.model, p.region, p.bucket, p.usdPerMillion, p.effectiveFrom]),
    ).toEqual([["3G679R3Y8YSQSJTA", "anthropic.claude-v2", "us-east-1", "input", "8", "2025-06-01"]]);
    expect(parsed.unknown.map((u) => [u.sku, u.reason])).toEqual([
      ["SYNTHLONGCTX0001", 'unknown usagetype modifier "long"'],
      ["SYNTHUNKNOWN0001", 'name "Mystery Model" is not in ledger/prices/model-names.json'],
    ]);
    expect(parsed.ignored).toBe(1);
  });

  it("CSV: OnDemand rows become the same prices as the JSON items", () => {
    const parsed = parsePriceList(itemsFromOfferFile(fixture("offer-sample.csv")), table);
    expect(
      parsed.prices.map((p) => [p.usagetype, p.bucket, p.tier, p.usdPerMillion, p.effectiveFrom]),
    ).toEqual([
      ["APN1-NovaPro-input-tokens", "input", "standard", "0.96", "2026-08-01"],
      ["APN1-NovaPro-output-tokens", "output", "standard", "3.84", "2026-08-01"],
      ["APN1-NovaPro-input-tokens-batch", "input", "batch", "0.48", "2026-08-01"],
      ["APN1-NovaPro-cache-read-input-token-count", "cache_read", "standard", "0.24", "2026-08-01"],
    ]);
    expect(parsed.unknown.map((u) => u.sku)).toEqual(["SYNTHCSVUNKNOWN1"]);
  });

  it("a --region filter keeps only that region", () => {
    const parsed = parsePriceList(realItems, table, {
      regions: ["us-east-1"],
      defaultEffectiveFrom: "2026-08-26",
    });
    expect(parsed.prices.map((p) => p.sku)).toEqual(["KMZFVEBPVFAP5FUF"]);
  });
});
