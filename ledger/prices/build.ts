/**
 * Writes ledger/prices/bedrock-prices.json from ledger/prices/sources/ (see
 * ledger/src/pricing/build-catalog.ts). Run after editing a source:
 *   ./node_modules/.bin/tsx ledger/prices/build.ts
 * ledger/src/pricing/build-catalog.test.ts fails while the committed file differs from the build,
 * or while `coverage.regional_gaps` in public-prices.json differs from the coverage printed here.
 */
import { writeFileSync } from "node:fs";
import { buildShippedCatalog, regionalCoverage, renderShippedCatalog } from "../src/pricing/build-catalog";
import { SHIPPED_CATALOG_PATH } from "../src/pricing/catalog";
import { parseMicros } from "../src/pricing/money";
import { loadModelNames } from "../src/pricing/price-list";

const build = buildShippedCatalog(loadModelNames());
writeFileSync(SHIPPED_CATALOG_PATH, renderShippedCatalog(build));
for (const u of build.unknown) console.log(`unknown SKU ${u.sku} ${u.usagetype}: ${u.reason}`);
for (const i of build.incomplete) console.log(`left out ${i.model} ${i.region}: ${i.reason}`);
for (const c of build.checks)
  console.log(`${parseMicros(c.priceList) === parseMicros(c.public) ? "agrees" : "REGIONAL"} ${c.model} ${c.region} ${c.bucket}: price list ${c.priceList}, public ${c.public}`);
console.log(`${SHIPPED_CATALOG_PATH}: ${build.catalog.prices.length} rows`);
for (const c of regionalCoverage(build.catalog))
  console.log(
    `${c.region}: ${c.own.length} models with their own row, ${c.starOnly.length} on a "*" row only (${c.starOnly.join(" ")}), ${c.none.length} unpriced (${c.none.join(" ")})`,
  );
