/**
 * Builds the shipped catalog (ledger/prices/bedrock-prices.json) from its sources: documented
 * public prices (ledger/prices/sources/public-prices.json, catalog format) and real Price List
 * items (ledger/prices/sources/price-list-items.json) read by the same parser `prices sync` uses.
 * Price List rows are regional, so they win over a public "*" row in their region (price-book.ts).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Catalog, catalogSchema } from "./catalog";
import {
  buildCatalogRows,
  type CatalogRow,
  compareRows,
  type ModelNameTable,
  type PriceListItem,
  parsePriceList,
  type UnknownSku,
} from "./price-list";

export type ItemSet = {
  source: string;
  description: string;
  serviceCode: string;
  fetched: string;
  items: PriceListItem[];
};

export const CATALOG_SOURCES_DIR = fileURLToPath(new URL("../../prices/sources/", import.meta.url));

export type CatalogBuild = {
  catalog: Catalog;
  unknown: UnknownSku[];
  incomplete: { model: string; region: string; reason: string }[];
  /** Price List figures a public row also gives: equal, or the public figure it replaces in that region. */
  checks: { model: string; region: string; bucket: string; priceList: string; public: string }[];
};

const BUCKET_FIELD = {
  input: "input",
  output: "output",
  cache_read: "cache_read",
  cache_write_5m: "cache_write",
} as const;

export function buildCatalog(
  publicPrices: Catalog,
  sets: readonly ItemSet[],
  table: ModelNameTable,
): CatalogBuild {
  const build: CatalogBuild = {
    catalog: { ...publicPrices, sources: { ...publicPrices.sources }, prices: [...publicPrices.prices] },
    unknown: [],
    incomplete: [],
    checks: [],
  };
  const rows: CatalogRow[] = [];
  for (const set of sets) {
    const parsed = parsePriceList(set.items, table, {
      defaultEffectiveFrom: set.fetched,
      defaultServiceCode: set.serviceCode,
    });
    build.unknown.push(...parsed.unknown);
    const built = buildCatalogRows(parsed.prices, set.source);
    rows.push(...built.entries);
    build.incomplete.push(...built.incomplete);
    build.catalog.sources[set.source] = set.description;
    for (const p of parsed.prices) {
      if (p.tier !== "standard" || p.bucket === "cache_write_1h") continue;
      const scope = p.scope === "global" ? "global" : "in_region";
      const pub = publicPrices.prices.find(
        (r) =>
          r.model === p.model &&
          r.scopes.includes(scope) &&
          (r.regions.includes(p.region) || r.regions.includes("*")),
      );
      if (pub)
        build.checks.push({
          model: p.model,
          region: p.region,
          bucket: p.bucket,
          priceList: p.usdPerMillion,
          public: pub[BUCKET_FIELD[p.bucket]],
        });
    }
  }
  build.catalog.prices = [...publicPrices.prices, ...rows].sort(compareRows);
  return build;
}

/** The regions the shipped catalog is meant to price per region (issue #13 item 2). */
export const CATALOG_REGIONS = [
  "us-east-1",
  "us-west-2",
  "eu-central-1",
  "eu-west-1",
  "ap-northeast-1",
] as const;

/**
 * Per region, the models with an in-region price row of their own, the models priced there only by
 * a "*" row, and the models with no in-region price there at all (unpriced if used there).
 */
export type RegionCoverage = { region: string; own: string[]; starOnly: string[]; none: string[] };

export function regionalCoverage(
  catalog: Catalog,
  regions: readonly string[] = CATALOG_REGIONS,
): RegionCoverage[] {
  const models = [...new Set(catalog.prices.map((p) => p.model))].sort();
  const inRegion = catalog.prices.filter((p) => p.scopes.includes("in_region"));
  return regions.map((region) => {
    const cov: RegionCoverage = { region, own: [], starOnly: [], none: [] };
    for (const model of models) {
      const rows = inRegion.filter((p) => p.model === model);
      if (rows.some((p) => p.regions.includes(region))) cov.own.push(model);
      else if (rows.some((p) => p.regions.includes("*"))) cov.starOnly.push(model);
      else cov.none.push(model);
    }
    return cov;
  });
}

/**
 * What the sources file says it left out (`coverage` in public-prices.json, not copied into the
 * catalog): figures where sources disagree, figures not taken, and the per-region gaps.
 */
export type SourceCoverage = {
  disagreements: {
    model: string;
    region: string;
    figures: Record<string, string>;
    decision: string;
    /** Source keys whose figure the catalog does not use. */
    not_used: string[];
  }[];
  not_taken: { model: string; region: string; source: string; reason: string }[];
  regional_gaps: Record<string, { star_only: string[]; none: string[] }>;
};

export function loadSourceCoverage(dir = CATALOG_SOURCES_DIR): SourceCoverage {
  return (JSON.parse(readFileSync(`${dir}public-prices.json`, "utf8")) as { coverage: SourceCoverage })
    .coverage;
}

/** The build of the committed sources, as ledger/prices/build.ts writes it. */
export function buildShippedCatalog(table: ModelNameTable, dir = CATALOG_SOURCES_DIR): CatalogBuild {
  const publicPrices = catalogSchema.parse(JSON.parse(readFileSync(`${dir}public-prices.json`, "utf8")));
  const sets = (JSON.parse(readFileSync(`${dir}price-list-items.json`, "utf8")) as { sets: ItemSet[] }).sets;
  return buildCatalog(publicPrices, sets, table);
}

/** The shipped file's text: one row per line, so a review diff shows one price per line. */
export function renderShippedCatalog(build: CatalogBuild): string {
  const c = build.catalog;
  const head = {
    $comment:
      'GENERATED by ledger/prices/build.ts from ledger/prices/sources/ (documented public prices + real AWS Price List items read by the `prices sync` parser); edit the sources, not this file. USD per 1,000,000 tokens per base model, scope and region ("*" = every region without its own row). Override without code: `chargeback ingest --prices my-prices.json` (same format), or `chargeback prices sync`. Reconcile with CUR before billing on them.',
    currency: c.currency,
    unit: c.unit,
    reviewed: c.reviewed,
    sources: c.sources,
  };
  const text = JSON.stringify(head, null, 2).replace(/\n}$/, "");
  const rows = c.prices.map((p) => `    ${JSON.stringify(p)}`).join(",\n");
  return `${text},\n  "prices": [\n${rows}\n  ]\n}\n`;
}
