import { describe, expect, it } from "vitest";
import { athenaScanCostPico, formatScanCost, insightsScanCostPico } from "./scan-cost";

describe("scan cost", () => {
  it("Logs Insights: $0.005 per GB scanned, configurable", () => {
    expect(insightsScanCostPico(1_000_000_000)).toBe(5_000_000_000n);
    expect(formatScanCost(insightsScanCostPico(1_000_000_000))).toBe("$0.005000");
    expect(insightsScanCostPico(0)).toBe(0n);
    expect(insightsScanCostPico(1)).toBe(5n);
    expect(insightsScanCostPico(1_000_000_000, 7_000n)).toBe(7_000_000_000n);
  });

  it("Athena: $5 per TB, rounded up to the MB, 10 MB minimum per query", () => {
    const MB = 1_048_576;
    expect(athenaScanCostPico(0)).toBe(athenaScanCostPico(10 * MB));
    expect(athenaScanCostPico(10 * MB + 1)).toBe(athenaScanCostPico(11 * MB));
    expect(athenaScanCostPico(1_048_576 * MB)).toBe(5_000_000_000_000n); // 1 TB = $5
    expect(formatScanCost(athenaScanCostPico(10 * MB))).toBe("$0.000048");
    expect(athenaScanCostPico(1_048_576 * MB, 6_000_000n, 0n)).toBe(6_000_000_000_000n);
  });
});
