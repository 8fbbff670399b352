import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetDimensionValuesCommand,
} from "@aws-sdk/client-cost-explorer";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { billNames } from "../pricing/model-names";
import { parseBilledPico } from "../pricing/money";
import { type BillItem, mapBillItem, parseUsageUnits } from "./bill";
import { type BillSource, reconcile, withinTolerance } from "./compare";
import { readCostExplorerBill } from "./cost-explorer";
import { restatement } from "./cur";
import { parseUsageType } from "./usage-type";

describe("the Bedrock usage-type grammar (docs/billing-facts.md §1.4, §2.3)", () => {
  it.each([
    [
      "USE1-Claude3Haiku-input-tokens",
      { regionPrefix: "USE1", modelToken: "Claude3Haiku", bucket: "input", global: false, tier: "standard" },
    ],
    [
      "APN1-NovaPro-cache-read-input-token-count",
      { regionPrefix: "APN1", modelToken: "NovaPro", bucket: "cache_read" },
    ],
    [
      "USE1-Claude4.6Sonnet-cache-write-input-token-count",
      { modelToken: "Claude4.6Sonnet", bucket: "cache_write", cacheTtl: null },
    ],
    ["USE1-NovaPro-cache-write-input-token-count-1-hour", { bucket: "cache_write", cacheTtl: "1h" }],
    [
      "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard",
      { modelToken: "openai.gpt-oss-120b", bucket: "input", tier: "standard" },
    ],
    ["USE1-NovaPro-input-tokens-latency-optimized", { bucket: "input", tier: "latency_optimized" }],
    [
      "USE1-Nova2.0Lite-input-tokens-cross-region-global-batch",
      { modelToken: "Nova2.0Lite", global: true, tier: "batch" },
    ],
    [
      "USW2-MP:USW2_InputTokenCount-Units",
      { regionPrefix: "USW2", modelToken: null, marketplace: true, bucket: "input", global: false },
    ],
    ["USE1-MP:USE1_OutputTokenCount-Units", { marketplace: true, bucket: "output" }],
    ["USE1-MP:USE1_CacheReadInputTokenCount-Units", { bucket: "cache_read" }],
    ["USE1-MP:USE1_CacheWrite1hInputTokenCount-Units", { bucket: "cache_write", cacheTtl: "1h" }],
    [
      "MP:USE1_cache_read_tokens_global_standard-Units",
      { regionPrefix: "USE1", bucket: "cache_read", global: true },
    ],
    ["USE1-MP:USE1_InputTokenCount_Global-Units", { bucket: "input", global: true }],
    ["USE1-MP:USE1_InputTokenCount_Batch-Units", { bucket: "input", tier: "batch" }],
    ["USE1-MP:USE1_output_tokens_standard-Units", { bucket: "output", tier: "standard" }],
  ] as const)("%s", (usageType, expected) => {
    expect(parseUsageType(usageType)).toMatchObject(expected);
  });

  it.each([
    "USE1-MP:USE1_CacheStorage-Units",
    "USE1-MP:USE1_ProvisionedThroughput_1Month-Units",
    "USE1-Guardrails-text-units",
    "USE1-NovaPro-customization-training-tokens",
  ])("%s is not token usage", (usageType) => {
    expect(parseUsageType(usageType)).toBeNull();
  });
});

describe("billed amounts are exact", () => {
  it.each([
    ["0.0080000000", 8_000_000_000n],
    ["0.000044", 44_000_000n],
    ["-10", -10_000_000_000_000n],
    ["1.5e-7", 150_000n],
    ["123.456789012345", 123_456_789_012_345n],
    ["0.0000000000005", 1n],
    ["0.0000000000004", 0n],
  ])("%s → %s pico-USD", (text, pico) => {
    expect(parseBilledPico(text)).toBe(pico);
  });
  it("refuses what is not a number", () => {
    expect(() => parseBilledPico("12,50")).toThrow(/not a decimal amount/);
    expect(() => parseBilledPico("")).toThrow(/not a decimal amount/);
  });
});

describe("tolerance: |Δ| ≤ max($0.01, 0.5 %)", () => {
  it.each([
    [0n, 10_000n, true],
    [0n, 10_001n, false],
    [2_000_000n, 2_010_000n, true],
    [10_000_000n, 10_050_000n, true],
    [10_000_000n, 10_060_000n, false],
    [10_050_000n, 10_000_000n, true],
  ])("ledger %s µ$, billed %s µ$ → %s", (ledger, billed, ok) => {
    expect(withinTolerance(ledger, billed)).toBe(ok);
  });
});

const SOURCE: BillSource = {
  kind: "cur",
  location: "test",
  version: "v1",
  as_of: "",
  may_be_restated: false,
  not_final_days: [],
  notes: [],
};
const names = billNames();

function item(over: Partial<BillItem>): BillItem {
  return {
    date: "2026-10-05",
    account: "111122223333",
    region: null,
    lineItemType: "Usage",
    productCode: "AmazonBedrock",
    productName: "Amazon Bedrock",
    usageType: "USE1-NovaPro-input-tokens",
    usageAmount: "1000",
    costPico: parseBilledPico("0.8"),
    ...over,
  };
}

function side(tokens: bigint, pico: bigint, unpriced = false) {
  return { tokens, pico, unpriced };
}

describe("reconcile", () => {
  const ledgerKey = (date: string, model: string, bucket: "input" | "output") =>
    [
      JSON.stringify([date, "111122223333", "us-east-1", model, bucket]),
      { date, account: "111122223333", region: "us-east-1", model, bucket },
    ] as const;

  it("gives each key its status, keeps other charges apart and proposes the billed rate", () => {
    const nova = "amazon.nova-pro-v1:0";
    const haiku = "anthropic.claude-3-haiku-20240307-v1:0";
    const ledger = new Map();
    // matched: 1,000,000 tokens at $0.80 both sides
    const [k1, v1] = ledgerKey("2026-10-05", nova, "input");
    ledger.set(k1, { ...v1, ledger: side(1_000_000n, 800_000_000_000n) });
    // price drift: same tokens, billed $1.00 instead of $0.80
    const [k2, v2] = ledgerKey("2026-10-06", nova, "input");
    ledger.set(k2, { ...v2, ledger: side(1_000_000n, 800_000_000_000n) });
    // missing in bill
    const [k3, v3] = ledgerKey("2026-10-07", nova, "output");
    ledger.set(k3, { ...v3, ledger: side(500_000n, 1_600_000_000_000n) });
    const bill = [
      item({}),
      item({ date: "2026-10-06", costPico: parseBilledPico("1.0") }),
      // missing in ledger: Claude 3 Haiku billed through the Marketplace, never logged
      item({
        productCode: "abcdefghij0123456789xyz",
        productName: "Claude 3 Haiku (Amazon Bedrock Edition)",
        usageType: "USE1-MP:USE1_InputTokenCount-Units",
        usageAmount: "2",
        costPico: parseBilledPico("0.5"),
      }),
      item({ lineItemType: "Credit", usageType: "", usageAmount: "0", costPico: parseBilledPico("-3") }),
      item({ lineItemType: "Tax", usageType: "Tax", usageAmount: "0", costPico: parseBilledPico("0.42") }),
      item({
        productCode: "AmazonEC2",
        productName: "Amazon Elastic Compute Cloud",
        usageType: "BoxUsage:t3.micro",
      }),
      item({
        productName: "Some Model (Amazon Bedrock Edition)",
        productCode: "zzz",
        usageType: "USE1-MP:USE1_InputTokenCount-Units",
      }),
    ].flatMap((i) => mapBillItem(i, names) ?? []);
    const r = reconcile({ month: "2026-10", bill, ledger, source: SOURCE });
    expect(
      r.lines.map((l) => [l.date, l.model, l.bucket, l.ledger_usd, l.billed_usd, l.delta_usd, l.status]),
    ).toEqual([
      ["2026-10-05", nova, "input", 0.8, 0.8, 0, "matched"],
      ["2026-10-05", haiku, "input", 0, 0.5, 0.5, "missing_in_ledger"],
      ["2026-10-06", nova, "input", 0.8, 1, 0.2, "price_drift"],
      ["2026-10-07", nova, "output", 1.6, 0, -1.6, "missing_in_bill"],
    ]);
    expect(r.lines[1]?.billed_tokens).toBe(2_000_000);
    expect([r.ledger_usd, r.billed_usd, r.delta_usd]).toEqual([3.2, 2.3, -0.9]);
    expect(r.other_charges).toEqual([
      { line_item_type: "Credit", usd: -3 },
      { line_item_type: "Tax", usd: 0.42 },
    ]);
    expect(r.unmapped).toEqual([
      {
        date: "2026-10-05",
        account: "111122223333",
        region: "us-east-1",
        name: "Some Model (Amazon Bedrock Edition)",
        bucket: "input",
        usd: 0.8,
      },
    ]);
    expect(r.proposals).toEqual([
      {
        model: nova,
        bucket: "input",
        from: "2026-10-06",
        ledger_usd_per_million: "0.800000",
        billed_usd_per_million: "1.000000",
      },
    ]);
  });

  it("usage units are configurable, and bad ones refused", () => {
    const thousand = mapBillItem(item({ usageAmount: "1.5" }), names);
    expect(thousand).toMatchObject({ kind: "usage", tokens: 1500n });
    const units = parseUsageUnits("bedrock=1");
    expect(mapBillItem(item({ usageAmount: "1500" }), names, units)).toMatchObject({ tokens: 1500n });
    expect(() => parseUsageUnits("bedrock=0")).toThrow(/bedrock=0/);
    expect(() => parseUsageUnits("foo=3")).toThrow(/foo=3/);
  });

  it("says when AWS may still restate the month and which days are not final", () => {
    expect(restatement("2026-10", new Date("2026-11-10T00:00:00Z"))).toEqual({
      may_be_restated: true,
      not_final_days: [],
    });
    expect(restatement("2026-10", new Date("2026-11-15T00:00:01Z"))).toEqual({
      may_be_restated: false,
      not_final_days: [],
    });
    expect(restatement("2026-11", new Date("2026-11-29T12:00:00Z"))).toEqual({
      may_be_restated: true,
      not_final_days: ["2026-11-28", "2026-11-29"],
    });
  });
});

describe("Cost Explorer (recorded responses in the documented shape, docs/billing-facts.md §3)", () => {
  it("discovers the Bedrock services, pages every call, counts requests and maps groups", async () => {
    const ce = mockClient(CostExplorerClient);
    ce.on(GetDimensionValuesCommand).resolves({
      DimensionValues: [
        { Value: "Amazon Bedrock" },
        { Value: "Claude Sonnet 4.5 (Amazon Bedrock Edition)" },
        { Value: "Amazon Bedrock AgentCore" },
      ],
      ReturnSize: 3,
      TotalSize: 3,
    });
    ce.on(GetCostAndUsageCommand, { Granularity: "DAILY" })
      .resolvesOnce({
        GroupDefinitions: [
          { Type: "DIMENSION", Key: "SERVICE" },
          { Type: "DIMENSION", Key: "USAGE_TYPE" },
        ],
        ResultsByTime: [
          {
            TimePeriod: { Start: "2026-10-01", End: "2026-10-02" },
            Total: {},
            Groups: [
              {
                Keys: [
                  "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
                  "USE1-MP:USE1_InputTokenCount_Global-Units",
                ],
                Metrics: {
                  UnblendedCost: { Amount: "3.000044", Unit: "USD" },
                  UsageQuantity: { Amount: "1.000014666", Unit: "N/A" },
                },
              },
            ],
            Estimated: false,
          },
        ],
        NextPageToken: "page-2",
      })
      .resolvesOnce({
        ResultsByTime: [
          {
            TimePeriod: { Start: "2026-10-02", End: "2026-10-03" },
            Total: {},
            Groups: [
              {
                Keys: ["Amazon Bedrock", "EU-NovaMicro-output-tokens"],
                Metrics: {
                  UnblendedCost: { Amount: "0.14", Unit: "USD" },
                  UsageQuantity: { Amount: "1000", Unit: "N/A" },
                },
              },
            ],
            Estimated: true,
          },
        ],
      });
    ce.on(GetCostAndUsageCommand, { Granularity: "MONTHLY" }).resolves({
      ResultsByTime: [
        {
          TimePeriod: { Start: "2026-10-01", End: "2026-11-01" },
          Total: {},
          Groups: [
            { Keys: ["Usage"], Metrics: { UnblendedCost: { Amount: "3.140044", Unit: "USD" } } },
            { Keys: ["Credit"], Metrics: { UnblendedCost: { Amount: "-1.5", Unit: "USD" } } },
          ],
          Estimated: true,
        },
      ],
    });
    const bill = await readCostExplorerBill(
      new CostExplorerClient({ region: "us-east-1" }),
      "2026-10",
      new Date("2026-11-20T00:00:00Z"),
    );
    expect(bill.services).toEqual(["Amazon Bedrock", "Claude Sonnet 4.5 (Amazon Bedrock Edition)"]);
    expect(bill.source).toMatchObject({
      kind: "cost-explorer",
      requests: 4,
      cost_usd: 0.04,
      not_final_days: ["2026-10-02"],
    });
    const daily = ce.commandCalls(GetCostAndUsageCommand, { Granularity: "DAILY" });
    expect(daily.map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        TimePeriod: { Start: "2026-10-01", End: "2026-11-01" },
        Metrics: ["UnblendedCost", "UsageQuantity"],
        Filter: {
          And: [
            {
              Dimensions: {
                Key: "SERVICE",
                Values: ["Amazon Bedrock", "Claude Sonnet 4.5 (Amazon Bedrock Edition)"],
              },
            },
            { Dimensions: { Key: "RECORD_TYPE", Values: ["Usage"] } },
          ],
        },
        NextPageToken: undefined,
      }),
      expect.objectContaining({ NextPageToken: "page-2" }),
    ]);
    const mapped = bill.items.flatMap((i) => mapBillItem(i, names) ?? []);
    expect(mapped).toEqual([
      {
        kind: "usage",
        date: "2026-10-01",
        account: null,
        region: "us-east-1",
        model: "anthropic.claude-sonnet-4-5-20250929-v1:0",
        bucket: "input",
        tokens: 1_000_015n,
        pico: 3_000_044_000_000n,
        tier: "standard",
      },
      {
        kind: "usage",
        date: "2026-10-02",
        account: null,
        region: "eu-west-1",
        model: "amazon.nova-micro-v1:0",
        bucket: "output",
        tokens: 1_000_000n,
        pico: 140_000_000_000n,
        tier: "standard",
      },
      { kind: "other", lineItemType: "Credit", pico: -1_500_000_000_000n },
    ]);
    ce.restore();
  });

  it("with the services given, makes no discovery request", async () => {
    const ce = mockClient(CostExplorerClient);
    ce.on(GetCostAndUsageCommand).resolves({ ResultsByTime: [] });
    const bill = await readCostExplorerBill(
      new CostExplorerClient({ region: "us-east-1" }),
      "2026-10",
      new Date("2026-12-01T00:00:00Z"),
      {
        services: ["Amazon Bedrock"],
      },
    );
    expect(ce.commandCalls(GetDimensionValuesCommand)).toHaveLength(0);
    expect(bill.source.requests).toBe(2);
    expect(bill.source.may_be_restated).toBe(false);
    ce.restore();
  });
});
