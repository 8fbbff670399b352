/**
 * The bill from Cost Explorer `GetCostAndUsage` (docs/billing-facts.md §3): DAILY, UnblendedCost
 * and UsageQuantity, grouped by SERVICE × USAGE_TYPE, over "Amazon Bedrock" and every
 * "(Amazon Bedrock Edition)" Marketplace service — "Amazon Bedrock" alone misses Claude. Costs
 * $0.01 per request, every page counted; the count is returned. Two GroupBy at most, so the
 * account is not in the key: lines compare against the ledger summed over accounts.
 */
import type {
  CostExplorerClient,
  GetCostAndUsageCommandInput,
  GetCostAndUsageCommandOutput,
} from "@aws-sdk/client-cost-explorer";
import { nextMonth } from "../billing/months";
import { parseBilledPico } from "../pricing/money";
import type { BillItem } from "./bill";
import type { BillSource } from "./compare";
import { restatement } from "./cur";

const BEDROCK = "Amazon Bedrock";
const EDITION = "(Amazon Bedrock Edition)";
/** USD per Cost Explorer API request (docs/billing-facts.md §3). */
export const COST_EXPLORER_REQUEST_MICROS = 10_000n;

export type CostExplorerBill = { items: BillItem[]; source: BillSource; services: string[] };

/**
 * Reads `month`'s Bedrock cost. `services` skips the SERVICE discovery (one request fewer).
 * @example await readCostExplorerBill(new CostExplorerClient({ region: "us-east-1" }), "2026-10", new Date())
 */
export async function readCostExplorerBill(
  client: CostExplorerClient,
  month: string,
  now: Date,
  options: { services?: readonly string[] } = {},
): Promise<CostExplorerBill> {
  // Loaded here so that importing the ledger never pays for the Cost Explorer SDK.
  const { GetCostAndUsageCommand, GetDimensionValuesCommand } = await import("@aws-sdk/client-cost-explorer");
  const TimePeriod = { Start: `${month}-01`, End: `${nextMonth(month)}-01` };
  let requests = 0;
  let services = options.services ? [...options.services] : [];
  if (services.length === 0) {
    // The Marketplace SERVICE names are per model; discover them (docs/billing-facts.md §3, inference).
    let token: string | undefined;
    const found = new Set<string>();
    do {
      const page = await client.send(
        new GetDimensionValuesCommand({
          TimePeriod,
          Dimension: "SERVICE",
          SearchString: "Bedrock",
          NextPageToken: token,
        }),
      );
      requests++;
      for (const v of page.DimensionValues ?? []) {
        if (v.Value && (v.Value === BEDROCK || v.Value.endsWith(EDITION))) found.add(v.Value);
      }
      token = page.NextPageToken;
    } while (token);
    services = [...found].sort();
  }
  const items: BillItem[] = [];
  const estimated = new Set<string>();
  if (services.length === 0)
    return {
      items,
      services,
      source: source(month, now, requests, estimated, [
        "Cost Explorer lists no Bedrock service for this month",
      ]),
    };

  const serviceFilter = { Dimensions: { Key: "SERVICE" as const, Values: services } };
  const pages = async (input: GetCostAndUsageCommandInput) => {
    const out: GetCostAndUsageCommandOutput[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetCostAndUsageCommand({ ...input, NextPageToken: token }));
      requests++;
      out.push(page);
      token = page.NextPageToken;
    } while (token);
    return out;
  };

  for (const page of await pages({
    TimePeriod,
    Granularity: "DAILY",
    Metrics: ["UnblendedCost", "UsageQuantity"],
    GroupBy: [
      { Type: "DIMENSION", Key: "SERVICE" },
      { Type: "DIMENSION", Key: "USAGE_TYPE" },
    ],
    Filter: { And: [serviceFilter, { Dimensions: { Key: "RECORD_TYPE", Values: ["Usage"] } }] },
  })) {
    for (const result of page.ResultsByTime ?? []) {
      const day = result.TimePeriod?.Start ?? "";
      if (result.Estimated) estimated.add(day);
      for (const group of result.Groups ?? []) {
        const [service = "", usageType = ""] = group.Keys ?? [];
        items.push({
          date: day,
          account: null,
          region: null,
          lineItemType: "Usage",
          productCode: service === BEDROCK ? "AmazonBedrock" : "",
          productName: service,
          usageType,
          usageAmount: group.Metrics?.UsageQuantity?.Amount ?? "0",
          costPico: parseBilledPico(group.Metrics?.UnblendedCost?.Amount ?? "0"),
        });
      }
    }
  }
  // Credits, refunds, tax …: RECORD_TYPE is the charge-type dimension (CHARGE_TYPE is refused).
  for (const page of await pages({
    TimePeriod,
    Granularity: "MONTHLY",
    Metrics: ["UnblendedCost"],
    GroupBy: [{ Type: "DIMENSION", Key: "RECORD_TYPE" }],
    Filter: serviceFilter,
  })) {
    for (const result of page.ResultsByTime ?? []) {
      for (const group of result.Groups ?? []) {
        const [recordType = ""] = group.Keys ?? [];
        if (recordType === "Usage") continue;
        items.push({
          date: result.TimePeriod?.Start ?? TimePeriod.Start,
          account: null,
          region: null,
          lineItemType: recordType,
          productCode: "AmazonBedrock",
          productName: BEDROCK,
          usageType: "",
          usageAmount: "0",
          costPico: parseBilledPico(group.Metrics?.UnblendedCost?.Amount ?? "0"),
        });
      }
    }
  }
  return { items, services, source: source(month, now, requests, estimated, []) };
}

function source(
  month: string,
  now: Date,
  requests: number,
  estimated: Set<string>,
  notes: string[],
): BillSource {
  const r = restatement(month, now);
  const notFinal = [...new Set([...r.not_final_days, ...estimated])].sort();
  return {
    kind: "cost-explorer",
    location: "ce.us-east-1.amazonaws.com GetCostAndUsage",
    version: `queried ${now.toISOString()}`,
    as_of: now.toISOString(),
    may_be_restated: r.may_be_restated,
    not_final_days: notFinal,
    notes: [
      ...notes,
      "Cost Explorer updates at least every 24 hours and may be a day late: days marked not final can still change (compare through D-2)",
    ],
    requests,
    cost_usd: Number(BigInt(requests) * COST_EXPLORER_REQUEST_MICROS) / 1_000_000,
  };
}

/** A Cost Explorer client from the standard credential chain (its endpoint is in us-east-1); `endpoint` for stand-ins. */
export async function createCostExplorerClient(endpoint?: string): Promise<CostExplorerClient> {
  const { CostExplorerClient } = await import("@aws-sdk/client-cost-explorer");
  return new CostExplorerClient({ region: "us-east-1", ...(endpoint ? { endpoint } : {}) });
}
