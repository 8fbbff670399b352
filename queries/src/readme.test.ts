import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildInsightsRollupQuery } from "./logs-insights/rollup";
import { renderReadme } from "./readme";

describe("README", () => {
  it("is the text the builders print (regenerate: npx tsx queries/scripts/write-readme.ts)", () => {
    const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
    expect(readme).toBe(renderReadme());
    expect(readme).toContain(buildInsightsRollupQuery());
    expect(readme).toContain("### `monthly-tenant-billing` — Monthly tenant billing");
  });
});
