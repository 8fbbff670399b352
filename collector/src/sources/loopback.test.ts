/**
 * The REAL SDK clients (CloudWatchLogsClient, AthenaClient) over HTTP against a loopback stand-in
 * speaking the AWS JSON 1.1 protocol: signing, serialization, error parsing and the SDK's own
 * retry of a throttling response are all exercised, not mocked.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseAthenaRollupPages, parseInsightsRollupResults } from "@bedrock-chargeback/queries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AthenaSession, DEFAULT_ATHENA_OPTIONS } from "./athena";
import { athenaApi, createAwsClients, logsInsightsApi } from "./aws";
import { manualClock } from "./clock";
import { DEFAULT_INSIGHTS_OPTIONS, InsightsSession } from "./logs-insights";

type Call = { target: string; body: Record<string, unknown>; authorization: string; contentType: string };
const calls: Call[] = [];
let server: Server;
let endpoint: string;
let throttleNextStartQuery = true;

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk));
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? JSON.parse(text) : {};
}

const ROLLUP_HEADER = [
  "hour",
  "account",
  "region",
  "tenant",
  "application",
  "cost_center",
  "environment",
  "team",
  "model_id",
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_tokens",
  "cache_write_tokens",
];
const athenaRows = [
  ROLLUP_HEADER,
  ...Array.from({ length: 1500 }, (_, i) => [
    "2026-01-15T10:00:00Z",
    "123456789012",
    "us-east-1",
    `tenant-${i}`,
    "app",
    null,
    null,
    null,
    "amazon.nova-lite-v1:0",
    "2",
    "1",
    "100",
    "20",
    "0",
    "0",
  ]),
];

function handle(
  target: string,
  body: Record<string, unknown>,
): { status: number; json: unknown; errorType?: string } {
  switch (target) {
    case "Logs_20140328.StartQuery":
      if (throttleNextStartQuery) {
        throttleNextStartQuery = false;
        return {
          status: 400,
          errorType: "ThrottlingException",
          json: { __type: "ThrottlingException", message: "Rate exceeded" },
        };
      }
      return { status: 200, json: { queryId: "loop-q1" } };
    case "Logs_20140328.GetQueryResults": {
      const polls = calls.filter((c) => c.target === target).length;
      if (polls === 1) return { status: 200, json: { status: "Running", results: [] } };
      return {
        status: 200,
        json: {
          status: "Complete",
          statistics: { bytesScanned: 123456.0, recordsMatched: 7.0, recordsScanned: 9.0 },
          results: [
            [
              { field: "bin(1h)", value: "2026-01-15 10:00:00.000" },
              { field: "account", value: "123456789012" },
              { field: "aws_region", value: "us-east-1" },
              { field: "tenant", value: "acme" },
              { field: "model_id", value: "amazon.nova-lite-v1:0" },
              { field: "records", value: "7" },
              { field: "errors", value: "1" },
              { field: "input_tokens", value: "1200" },
              { field: "output_tokens", value: "340" },
            ],
          ],
        },
      };
    }
    case "AmazonAthena.StartQueryExecution":
      return { status: 200, json: { QueryExecutionId: "loop-e1" } };
    case "AmazonAthena.GetQueryExecution":
      return {
        status: 200,
        json: {
          QueryExecution: {
            QueryExecutionId: "loop-e1",
            Status: { State: "SUCCEEDED" },
            Statistics: { DataScannedInBytes: 5_000_000 },
          },
        },
      };
    case "AmazonAthena.GetQueryResults": {
      const offset = Number(body.NextToken ?? 0);
      const max = Number(body.MaxResults ?? 1000);
      const slice = athenaRows.slice(offset, offset + max);
      return {
        status: 200,
        json: {
          ResultSet: {
            Rows: slice.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })),
          },
          ...(offset + max < athenaRows.length ? { NextToken: String(offset + max) } : {}),
        },
      };
    }
    default:
      return {
        status: 400,
        errorType: "UnknownOperationException",
        json: { __type: "UnknownOperationException", message: target },
      };
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const target = String(req.headers["x-amz-target"] ?? "");
      calls.push({
        target,
        body,
        authorization: String(req.headers.authorization ?? ""),
        contentType: String(req.headers["content-type"] ?? ""),
      });
      const out = handle(target, body);
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

describe("real SDK clients against a loopback AWS JSON 1.1 stand-in", () => {
  const clients = () =>
    createAwsClients({
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback-secret" },
      maxAttempts: 3,
    });

  it("Logs Insights: the SDK retries a ThrottlingException, then the runner polls to Complete", async () => {
    const session = new InsightsSession(
      logsInsightsApi(clients().logs),
      { ...DEFAULT_INSIGHTS_OPTIONS, logGroupNames: ["bedrock-logs"] },
      manualClock("2026-01-16T00:00:00Z"),
    );
    const start = Date.parse("2026-01-15T00:00:00Z");
    const run = await session.run("stats count(*)", { startMs: start, endMs: start + 86_400_000 });
    const starts = calls.filter((c) => c.target === "Logs_20140328.StartQuery");
    expect(starts).toHaveLength(2); // throttled once, retried by the SDK's standard strategy
    expect(starts[1]?.body).toEqual({
      logGroupNames: ["bedrock-logs"],
      startTime: 1_768_435_200,
      endTime: 1_768_521_599,
      queryString: "stats count(*)",
      limit: 10000,
    });
    expect(starts[1]?.contentType).toBe("application/x-amz-json-1.1");
    expect(starts[1]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLOOPBACK\/\d{8}\/us-east-1\/logs\/aws4_request/,
    );
    expect(calls.filter((c) => c.target === "Logs_20140328.GetQueryResults")).toHaveLength(2);
    expect(session.bytesScanned).toBe(123456);
    expect(parseInsightsRollupResults(run.results)).toEqual([
      {
        hour: "2026-01-15T10:00:00Z",
        account: "123456789012",
        region: "us-east-1",
        tenant: "acme",
        application: null,
        cost_center: null,
        environment: null,
        team: null,
        model_id: "amazon.nova-lite-v1:0",
        requests: 6,
        errors: 1,
        input_tokens: 1200,
        output_tokens: 340,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
    ]);
  });

  it("Athena: start, poll, and page 1,500 rows in two pages over HTTP", async () => {
    const session = new AthenaSession(
      athenaApi(clients().athena),
      {
        ...DEFAULT_ATHENA_OPTIONS,
        workgroup: "primary",
        database: "bedrock_logs",
        outputLocation: "s3://results/",
      },
      manualClock("2026-01-16T00:00:00Z"),
    );
    const run = await session.run("SELECT 1", "loopback");
    const start = calls.find((c) => c.target === "AmazonAthena.StartQueryExecution");
    expect(start?.body).toMatchObject({
      QueryString: "SELECT 1",
      WorkGroup: "primary",
      ResultConfiguration: { OutputLocation: "s3://results/" },
    });
    expect(typeof start?.body.ClientRequestToken).toBe("string"); // the SDK's idempotency token
    expect(
      calls.filter((c) => c.target === "AmazonAthena.GetQueryResults").map((c) => c.body.NextToken ?? null),
    ).toEqual([null, "1000"]);
    const rows = parseAthenaRollupPages(run.pages);
    expect(rows).toHaveLength(1500);
    expect(rows[1499]).toMatchObject({ tenant: "tenant-1499", requests: 2, errors: 1, input_tokens: 100 });
    expect(session.bytesScanned).toBe(5_000_000);
  });
});
