import {
  costPico,
  createDb,
  formatMicros,
  loadCatalog,
  PriceBook,
  parseMicros,
  queryUsage,
  roundMicrosToCents,
  roundPicoToMicros,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  totalOf,
} from "@bedrock-chargeback/ledger";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { invocationRecord } from "../testing/fixtures";
import { ingestRecords } from "../testing/usage-records";

describe("money", () => {
  it("parses decimal strings to exact micro-units and refuses more than 6 decimals", () => {
    expect(parseMicros("3.75")).toBe(3_750_000n);
    expect(parseMicros("0.035")).toBe(35_000n);
    expect(parseMicros("4.125")).toBe(4_125_000n);
    expect(parseMicros("-1.5")).toBe(-1_500_000n);
    expect(parseMicros("0.000001")).toBe(1n);
    expect(() => parseMicros("0.0000001")).toThrow(/at most 6 decimals/);
    expect(() => parseMicros("1e3")).toThrow();
  });

  it("prices tokens exactly: 1M tokens at $0.035/M is $0.035", () => {
    expect(costPico(1_000_000, 35_000)).toBe(35_000_000_000n);
    expect(formatMicros(roundPicoToMicros(costPico(1_000_000, 35_000)))).toBe("0.035000");
    // 3 tokens at $0.035/M = $0.000000105: below a micro-dollar, kept exactly until rounding.
    expect(costPico(3, 35_000)).toBe(105_000n);
  });

  it("rounds half away from zero, once", () => {
    expect(roundPicoToMicros(1_499_999n)).toBe(1n);
    expect(roundPicoToMicros(1_500_000n)).toBe(2n);
    expect(roundPicoToMicros(-1_500_000n)).toBe(-2n);
    expect(roundMicrosToCents(12_345n)).toBe(10_000n);
    expect(roundMicrosToCents(15_000n)).toBe(20_000n);
    expect(formatMicros(-1_234_567n, 2)).toBe("-1.23");
    // Fewer decimals round (half away from zero), never truncate: $233.859112 shows as $233.86.
    expect(formatMicros(233_859_112n, 2)).toBe("233.86");
    expect(formatMicros(5_000n, 2)).toBe("0.01");
    expect(formatMicros(4_999n, 2)).toBe("0.00");
    expect(formatMicros(-1_235_000n, 2)).toBe("-1.24");
    expect(formatMicros(-4_999n, 2)).toBe("0.00");
    expect(formatMicros(1_500_000n, 0)).toBe("2");
    expect(formatMicros(12_345_678n)).toBe("12.345678");
  });

  it("conserves totals under any split: sum of costs = cost of sums (no float drift)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 75_000_000 }),
        (parts, price) => {
          const sumOfCosts = parts.reduce((acc, t) => acc + costPico(t, price), 0n);
          const costOfSum = costPico(
            parts.reduce((a, b) => a + b, 0),
            price,
          );
          expect(sumOfCosts).toBe(costOfSum);
        },
      ),
    );
  });
});

describe("rounding happens once, after summing (not per row or group)", () => {
  // amazon.nova-micro-v1:0 input: $0.035 per 1M tokens = 35,000 pico-USD per token (shipped catalog).
  const PICO_PER_TOKEN = 35_000n;
  const HOURS = 40;
  const TOKENS = 7; // 245,000 pico-USD = $0.000000245 per call: each row rounds to $0.000000.
  const records = Array.from({ length: HOURS }, (_, i) =>
    invocationRecord({
      requestId: `sub-micro-${i}`,
      timestamp: new Date(Date.parse("2026-10-05T00:30:00Z") + i * 3_600_000).toISOString(),
      modelId: "amazon.nova-micro-v1:0",
      metadata: { tenant_id: i % 2 === 0 ? "even" : "odd", application_name: "app" },
      input: { inputTokenCount: TOKENS, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
      output: { outputTokenCount: 0 },
    }),
  );
  const db = createDb(":memory:");
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
  ingestRecords(db, records);
  const prices = PriceBook.load(db);
  const query = { from: "2026-10-05", to: "2026-10-08" };

  it("the fixture tells the two apart: rounded parts sum to 0, the exact sum rounds to 10 micro-USD", () => {
    const part = BigInt(TOKENS) * PICO_PER_TOKEN;
    expect(roundPicoToMicros(part)).toBe(0n);
    expect(roundPicoToMicros(part * BigInt(HOURS))).toBe(10n); // 9.8 → 10
  });

  it("usage totals and groups carry the exact pico-USD of their rows", () => {
    const hourly = queryUsage(db, prices, { ...query, by: [], granularity: "hour" });
    expect(hourly).toHaveLength(HOURS);
    for (const row of hourly) expect(row.costPico).toBe(BigInt(TOKENS) * PICO_PER_TOKEN);
    const total = totalOf(queryUsage(db, prices, { ...query, by: [] }));
    expect(total.costPico).toBe(BigInt(TOKENS * HOURS) * PICO_PER_TOKEN);
    expect(roundPicoToMicros(total.costPico)).toBe(10n);
    const byTenant = queryUsage(db, prices, { ...query, by: ["tenant"] });
    expect(byTenant.map((r) => [r.keys.tenant, r.costPico])).toEqual([
      ["even", BigInt((TOKENS * HOURS) / 2) * PICO_PER_TOKEN],
      ["odd", BigInt((TOKENS * HOURS) / 2) * PICO_PER_TOKEN],
    ]);
    // Each group rounds once from its own exact sum: 4.9 → 5 micro-USD, not 20 × 0.
    expect(byTenant.map((r) => formatMicros(roundPicoToMicros(r.costPico)))).toEqual([
      "0.000005",
      "0.000005",
    ]);
  });
});
