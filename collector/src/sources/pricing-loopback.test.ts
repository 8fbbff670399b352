/**
 * `prices sync` reading: the REAL @aws-sdk/client-pricing client over HTTP against a loopback
 * stand-in of the Price List Query API (AWS JSON 1.1, target AWSPriceListService.GetProducts)
 * that serves real published items (ledger/prices/sources/price-list-items.json) in pages, answers
 * the first call with HTTP 429 ThrottlingException, and lists one SYNTHETIC Marketplace SKU whose
 * name is in no table.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  buildCatalogRows,
  loadModelNames,
  type PriceListItem,
  parsePriceList,
} from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPricingClient, fetchBedrockPriceList, getProductsApi } from "./pricing";

const published = (
  JSON.parse(
    readFileSync(new URL("../../../ledger/prices/sources/price-list-items.json", import.meta.url), "utf8"),
  ) as { sets: { items: PriceListItem[] }[] }
).sets.flatMap((s) => s.items);
const PAGE = 3;
/** SYNTHETIC: a Marketplace SKU in the documented shape (docs/billing-facts.md §1.2) with an unknown name. */
const unknownMarketplace: PriceListItem = {
  product: {
    sku: "SYNTHMPUNKNOWN01",
    attributes: {
      servicename: "Mystery Model (Amazon Bedrock Edition)",
      usagetype: "APN1-MP:APN1_InputTokenCount-Units",
    },
  },
  terms: {
    OnDemand: {
      "SYNTHMPUNKNOWN01.JRTCKXETXF": {
        effectiveDate: "2026-08-01T00:00:00Z",
        priceDimensions: {
          "SYNTHMPUNKNOWN01.JRTCKXETXF.6YS6EN2CT7": {
            unit: "Units",
            description: "AWS Marketplace software usage|ap-northeast-1|Million Input Tokens Regional",
            pricePerUnit: { USD: "1.0000000000" },
          },
        },
      },
    },
  },
};

type Call = { target: string; body: Record<string, unknown>; authorization: string };
const calls: Call[] = [];
let throttles = 0;
let server: Server;
let endpoint: string;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

function getProducts(body: Record<string, unknown>): { status: number; json: unknown; errorType?: string } {
  if (throttles > 0) {
    throttles--;
    return {
      status: 429,
      errorType: "ThrottlingException",
      json: { __type: "ThrottlingException", message: "Rate exceeded" },
    };
  }
  const filters = (body.Filters ?? []) as { Field: string; Value: string }[];
  const region = filters.find((f) => f.Field === "regionCode")?.Value;
  const all =
    body.ServiceCode === "AmazonBedrock"
      ? published.filter((i) => !region || i.product.attributes.regionCode === region)
      : body.ServiceCode === "AmazonBedrockFoundationModels"
        ? [unknownMarketplace]
        : [];
  const offset = Number(body.NextToken ?? 0);
  const slice = all.slice(offset, offset + PAGE);
  return {
    status: 200,
    json: {
      FormatVersion: "aws_v1",
      PriceList: slice.map((i) => JSON.stringify({ ...i, serviceCode: body.ServiceCode })),
      ...(offset + PAGE < all.length ? { NextToken: String(offset + PAGE) } : {}),
    },
  };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const target = String(req.headers["x-amz-target"] ?? "");
      calls.push({ target, body, authorization: String(req.headers.authorization ?? "") });
      const out =
        target === "AWSPriceListService.GetProducts"
          ? getProducts(body)
          : {
              status: 400,
              errorType: "UnknownOperationException",
              json: { __type: "UnknownOperationException" },
            };
      res.writeHead(out.status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": `req-${calls.length}`,
        ...(out.errorType ? { "x-amzn-errortype": out.errorType } : {}),
      });
      res.end(JSON.stringify(out.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  calls.length = 0;
  throttles = 0;
});

const client = (maxAttempts: number) =>
  createPricingClient({
    endpoint,
    maxAttempts,
    credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" },
  });

describe("GetProducts through the real SDK against a loopback Price List stand-in", () => {
  it("pages every service code, survives a 429 ThrottlingException, and lists the unknown SKU", async () => {
    throttles = 1;
    const fetched = await fetchBedrockPriceList(getProductsApi(client(3)), ["ap-northeast-1"]);
    // 9 published Tokyo items in pages of 3 → 3 pages; one page each for the other two codes.
    expect(fetched.items).toHaveLength(10);
    expect(fetched.pages).toBe(5);
    const targets = calls.map((c) => [c.body.ServiceCode, c.body.NextToken ?? null]);
    expect(targets).toEqual([
      ["AmazonBedrock", null], // throttled
      ["AmazonBedrock", null], // the SDK's retry
      ["AmazonBedrock", "3"],
      ["AmazonBedrock", "6"],
      ["AmazonBedrockFoundationModels", null],
      ["AmazonBedrockService", null],
    ]);
    expect(calls[0]?.body.Filters).toEqual([
      { Type: "TERM_MATCH", Field: "regionCode", Value: "ap-northeast-1" },
    ]);
    expect(calls[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/us-east-1\/pricing\/aws4_request/,
    );

    // The published items were trimmed of their effectiveDate: the fetch day stands in, as in `prices sync`.
    const parsed = parsePriceList(fetched.items, loadModelNames(), {
      regions: ["ap-northeast-1"],
      defaultEffectiveFrom: "2026-08-26",
    });
    expect(parsed.unknown.map((u) => [u.sku, u.serviceCode, u.reason])).toEqual([
      [
        "SYNTHMPUNKNOWN01",
        "AmazonBedrockFoundationModels",
        'name "Mystery Model (Amazon Bedrock Edition)" is not in ledger/prices/model-names.json',
      ],
    ]);
    const rows = buildCatalogRows(parsed.prices, "loopback").entries;
    expect(rows.map((r) => [r.model, r.regions[0], r.input, r.output, r.cache_read])).toEqual([
      ["amazon.nova-pro-v1:0", "ap-northeast-1", "0.96", "3.84", "0.24"],
      ["zai.glm-5", "ap-northeast-1", "1.2", "3.84", "0"],
    ]);
  });

  it("gives up with ThrottlingException once the SDK's attempts are spent", async () => {
    throttles = 5;
    await expect(fetchBedrockPriceList(getProductsApi(client(2)), ["ap-northeast-1"])).rejects.toMatchObject({
      name: "ThrottlingException",
    });
    expect(calls).toHaveLength(2);
  });
});
