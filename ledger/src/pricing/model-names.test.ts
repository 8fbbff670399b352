import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mapBillItem } from "../reconcile/bill";
import { loadCatalog, SHIPPED_CATALOG_PATH } from "./catalog";
import { billNames, loadModelNames, MODEL_NAMES_PATH, modelIdOf } from "./model-names";

const table = loadModelNames();
const SECTIONS = ["priceListModels", "marketplaceProducts", "bedrockModelTokens"] as const;
/** Ids the table may name although the shipped catalog does not price them, and why. */
const KNOWN_UNPRICED: Record<string, string> = {
  "anthropic.claude-v2":
    "a real published Price List item names it (docs/billing-facts.md §1.3); no catalog row",
  "mistral.mistral-large-2407-v1:0": "the model the simulator plants as unpriced, billed on its CUR",
};

/** Keys of one section as written in the file: JSON.parse keeps the last of two equal keys silently. */
function keysAsWritten(section: string): string[] {
  const text = readFileSync(MODEL_NAMES_PATH, "utf8");
  const start = text.indexOf(`"${section}": {`);
  const body = text.slice(start, text.indexOf("\n  }", start));
  return [...body.matchAll(/^ {4}"((?:[^"\\]|\\.)*)":/gm)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

describe("the one reviewed name table (ledger/prices/model-names.json)", () => {
  it("has exactly the known sections, each entry with a described source, every source used", () => {
    const raw = JSON.parse(readFileSync(MODEL_NAMES_PATH, "utf8")) as Record<string, unknown>;
    expect(Object.keys(raw).sort()).toEqual(
      ["$comment", "reviewed", "sources", "regionPrefixes", ...SECTIONS].sort(),
    );
    const used = new Set<string>();
    for (const section of SECTIONS)
      for (const [name, entry] of Object.entries(table[section])) {
        expect(table.sources[entry.source], `${section} "${name}": source ${entry.source}`).toBeDefined();
        used.add(entry.source);
      }
    used.add("region-prefix");
    expect([...used].sort()).toEqual(Object.keys(table.sources).sort());
  });

  it("maps every name to a model id the shipped catalog prices (or a listed unpriced one)", () => {
    const priced = new Set(loadCatalog(SHIPPED_CATALOG_PATH).prices.map((r) => r.model));
    const ids = SECTIONS.flatMap((s) => Object.values(table[s]).map((e) => e.model));
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9-]+\.[a-z0-9.:-]+$/);
      expect(priced.has(id) || id in KNOWN_UNPRICED, `${id} is neither priced nor listed`).toBe(true);
    }
    for (const id of Object.keys(KNOWN_UNPRICED)) expect(priced.has(id), id).toBe(false);
  });

  it("never maps one name to two ids (no key written twice, a name in two sections means one id)", () => {
    const idOf = new Map<string, string>();
    for (const section of SECTIONS) {
      const written = keysAsWritten(section);
      expect(written.length, section).toBe(Object.keys(table[section]).length);
      expect(new Set(written).size, `${section} repeats a name`).toBe(written.length);
      for (const [name, entry] of Object.entries(table[section])) {
        expect(idOf.get(name) ?? entry.model, name).toBe(entry.model);
        idOf.set(name, entry.model);
      }
    }
    for (const name of Object.keys(table.marketplaceProducts))
      expect(name).toMatch(/ \(Amazon Bedrock Edition\)$/);
    for (const region of Object.values(table.regionPrefixes)) expect(region).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(new Set(Object.values(table.regionPrefixes)).size).toBe(Object.keys(table.regionPrefixes).length);
  });

  it("is read the same way by the Price List parser and the bill mapper", () => {
    const names = billNames();
    for (const [name, entry] of Object.entries(table.marketplaceProducts)) {
      expect(modelIdOf(table, { servicename: name })).toBe(entry.model);
      const mapped = mapBillItem(
        {
          date: "2026-10-05",
          account: "111122223333",
          region: null,
          lineItemType: "Usage",
          productCode: "AWSMarketplace",
          productName: name,
          usageType: "USE1-MP:USE1_InputTokenCount-Units",
          usageAmount: "1",
          costPico: 1n,
        },
        names,
      );
      expect(mapped && mapped.kind === "usage" ? mapped.model : mapped, name).toBe(entry.model);
    }
    for (const [name, entry] of Object.entries(table.priceListModels))
      expect(modelIdOf(table, { model: name })).toBe(entry.model);
    expect(modelIdOf(table, { model: "Claude 3 Haiku (Amazon Bedrock Edition)" })).toBeUndefined();
  });

  it("takes a user's entries over the shipped ones for reconcile, and names the file on a bad entry", () => {
    const dir = mkdtempSync(join(tmpdir(), "names-"));
    const mine = join(dir, "mine.json");
    writeFileSync(
      mine,
      JSON.stringify({
        marketplaceProducts: {
          "Claude Sonnet 4 (Amazon Bedrock Edition)": { model: "anthropic.claude-x", source: "mine" },
        },
        regionPrefixes: { APS9: "ap-south-9" },
      }),
    );
    const merged = billNames(mine);
    expect(merged.marketplaceProducts["Claude Sonnet 4 (Amazon Bedrock Edition)"]?.model).toBe(
      "anthropic.claude-x",
    );
    expect(merged.marketplaceProducts["Claude 3 Haiku (Amazon Bedrock Edition)"]?.model).toBe(
      "anthropic.claude-3-haiku-20240307-v1:0",
    );
    expect(merged.regionPrefixes.APS9).toBe("ap-south-9");
    expect(merged.regionPrefixes.USE1).toBe("us-east-1");
    writeFileSync(mine, JSON.stringify({ bedrockModelTokens: { X: { model: "" } } }));
    expect(() => billNames(mine)).toThrow(`model names ${mine}: bedrockModelTokens.X.model:`);
  });
});
