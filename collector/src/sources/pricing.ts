/**
 * Reading the AWS Price List Query API: GetProducts over the Bedrock service codes, one region
 * filter per priced region, every page (NextToken) read (docs/billing-facts.md §1.1).
 * Throttling (HTTP 429 ThrottlingException) is retried by the SDK's standard retry strategy with
 * `maxAttempts` attempts and exponential backoff with jitter; nothing here retries by hand.
 */
import { GetProductsCommand, type GetProductsCommandInput, PricingClient } from "@aws-sdk/client-pricing";
import { BEDROCK_SERVICE_CODES, type PriceListItem } from "@bedrock-chargeback/ledger";

/** The documented Price List Query API endpoint regions (docs/billing-facts.md §1.1). */
export const PRICING_API_REGIONS = ["us-east-1", "ap-south-1"] as const;

export type PricingClientOptions = {
  /** The API's own region (default us-east-1); the priced region goes in a regionCode filter. */
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK attempts per request, throttled ones included (default 5). */
  maxAttempts?: number;
};

export function createPricingClient(options: PricingClientOptions = {}): PricingClient {
  return new PricingClient({
    region: options.region ?? "us-east-1",
    retryMode: "standard",
    maxAttempts: options.maxAttempts ?? 5,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
}

export type GetProductsApi = (
  input: GetProductsCommandInput,
) => Promise<{ PriceList?: unknown[]; NextToken?: string }>;

export function getProductsApi(client: PricingClient): GetProductsApi {
  return (input) => client.send(new GetProductsCommand(input));
}

/**
 * Codes whose items carry `regionCode` (docs/billing-facts.md §1.3). Marketplace items are
 * documented with `servicename` only, so they are read unfiltered and kept by the region in
 * their description (ledger/src/pricing/price-list.ts): a filter could silently drop them.
 */
const REGION_FILTERED = new Set(["AmazonBedrock", "AmazonBedrockService"]);

export type FetchedPriceList = { items: PriceListItem[]; pages: number };

/**
 * Every Bedrock Price List item for `regions` (all regions when empty). Each `PriceList` entry is
 * a JSON document in a string.
 */
export async function fetchBedrockPriceList(
  api: GetProductsApi,
  regions: readonly string[],
  serviceCodes: readonly string[] = BEDROCK_SERVICE_CODES,
): Promise<FetchedPriceList> {
  const out: FetchedPriceList = { items: [], pages: 0 };
  for (const ServiceCode of serviceCodes) {
    const filtered = REGION_FILTERED.has(ServiceCode) && regions.length > 0;
    for (const region of filtered ? regions : [undefined]) {
      let NextToken: string | undefined;
      do {
        const page = await api({
          ServiceCode,
          FormatVersion: "aws_v1",
          MaxResults: 100,
          ...(region ? { Filters: [{ Type: "TERM_MATCH", Field: "regionCode", Value: region }] } : {}),
          ...(NextToken ? { NextToken } : {}),
        });
        out.pages++;
        for (const doc of page.PriceList ?? []) {
          const item = (typeof doc === "string" ? JSON.parse(doc) : JSON.parse(String(doc))) as PriceListItem;
          out.items.push({ ...item, serviceCode: item.serviceCode ?? ServiceCode });
        }
        NextToken = page.NextToken || undefined;
      } while (NextToken);
    }
  }
  return out;
}
