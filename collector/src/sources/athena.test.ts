import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecutionState,
  StartQueryExecutionCommand,
} from "@aws-sdk/client-athena";
import { ATHENA_ROLLUP_COLUMNS, parseAthenaRollupPages } from "@bedrock-chargeback/queries";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AthenaSession, DEFAULT_ATHENA_OPTIONS } from "./athena";
import { athenaApi } from "./aws";
import { manualClock } from "./clock";
import { athenaScanCostPico } from "./scan-cost";
import { athenaPage } from "./test-engines";

const athena = mockClient(AthenaClient);
const MB = 1_048_576;
const awsError = (name: string) => Object.assign(new Error(`${name} message`), { name, $metadata: {} });
const state = (State: QueryExecutionState, extra: Record<string, unknown> = {}, bytes?: number) => ({
  QueryExecution: {
    Status: { State, ...extra },
    ...(bytes === undefined ? {} : { Statistics: { DataScannedInBytes: bytes } }),
  },
});

function session(overrides: Partial<typeof DEFAULT_ATHENA_OPTIONS> = {}) {
  const clock = manualClock("2026-01-16T00:00:00Z");
  const s = new AthenaSession(
    athenaApi(new AthenaClient({ region: "us-east-1" })),
    {
      ...DEFAULT_ATHENA_OPTIONS,
      workgroup: "chargeback",
      database: "bedrock_logs",
      outputLocation: "s3://results/athena/",
      ...overrides,
    },
    clock,
  );
  return { s, clock };
}

const header = [...ATHENA_ROLLUP_COLUMNS];
const dataRow = (i: number) => [
  "2026-01-15T12:00:00Z",
  "123456789012",
  "us-east-1",
  `t${i}`,
  null,
  null,
  null,
  null,
  "m",
  "1",
  "0",
  String(i),
  "0",
  "0",
  "0",
];

beforeEach(() => athena.reset());

describe("Athena query runner", () => {
  it("starts in the workgroup with the output location, polls QUEUED → RUNNING → SUCCEEDED", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e1" });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(state("QUEUED"))
      .resolvesOnce(state("RUNNING"))
      .resolvesOnce(state("QUEUED")) // RUNNING can go back to QUEUED on transient errors
      .resolves(state("SUCCEEDED", {}, 3 * MB + 1));
    athena.on(GetQueryResultsCommand).resolves(athenaPage([header, dataRow(1)], 0, 1000));
    const { s, clock } = session();
    const run = await s.run("SELECT 1", "test");
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: "SELECT 1",
      WorkGroup: "chargeback",
      QueryExecutionContext: { Catalog: "AwsDataCatalog", Database: "bedrock_logs" },
      ResultConfiguration: { OutputLocation: "s3://results/athena/" },
    });
    expect(clock.sleeps).toEqual([500, 750, 1125]);
    expect(parseAthenaRollupPages(run.pages)).toHaveLength(1);
    expect(s.bytesScanned).toBe(3 * MB + 1);
    expect(s.scanCostPico).toBe(athenaScanCostPico(10 * MB)); // under 10 MB: the minimum
  });

  it("pages GetQueryResults 1,000 rows at a time with NextToken, header on the first page only", async () => {
    const all = [header, ...Array.from({ length: 2500 }, (_, i) => dataRow(i))];
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e1" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED", {}, 200 * MB));
    athena
      .on(GetQueryResultsCommand)
      .callsFake(async (input) => athenaPage(all, Number(input.NextToken ?? 0), input.MaxResults ?? 1000));
    const { s } = session();
    const run = await s.run("SELECT …", "paging");
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 3);
    expect(athena).toHaveReceivedNthCommandWith(GetQueryResultsCommand, 1, {
      QueryExecutionId: "e1",
      MaxResults: 1000,
    });
    expect(athena).toHaveReceivedNthCommandWith(GetQueryResultsCommand, 2, {
      QueryExecutionId: "e1",
      MaxResults: 1000,
      NextToken: "1000",
    });
    expect(athena).toHaveReceivedNthCommandWith(GetQueryResultsCommand, 3, {
      QueryExecutionId: "e1",
      MaxResults: 1000,
      NextToken: "2000",
    });
    const rows = parseAthenaRollupPages(run.pages);
    expect(rows).toHaveLength(2500);
    expect(rows.reduce((sum, r) => sum + r.input_tokens, 0)).toBe((2499 * 2500) / 2);
    expect(s.scanCostPico).toBe(953_674_317n); // 200 MB at $5/TB
  });

  it("retries a FAILED query that Athena marks retryable", async () => {
    athena
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: "bad" })
      .resolves({ QueryExecutionId: "good" });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: "bad" })
      .resolves(
        state("FAILED", { AthenaError: { Retryable: true, ErrorMessage: "internal error" } }, 20 * MB),
      );
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: "good" })
      .resolves(state("SUCCEEDED", {}, 20 * MB));
    athena.on(GetQueryResultsCommand).resolves(athenaPage([header], 0, 1000));
    const { s } = session();
    await s.run("SELECT 1", "retry");
    expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 2);
    expect(s.bytesScanned).toBe(40 * MB);
    expect(s.scanCostPico).toBe(2n * athenaScanCostPico(20 * MB));
  });

  it("reports a FAILED query that is not retryable, with Athena's message", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e9" });
    athena.on(GetQueryExecutionCommand).resolves(
      state("FAILED", {
        AthenaError: {
          Retryable: false,
          ErrorMessage: "TABLE_NOT_FOUND: line 1:15: Table awsdatacatalog.bedrock_logs.x does not exist",
        },
      }),
    );
    await expect(session().s.run("SELECT 1", "rollup 2026-01-15")).rejects.toMatchObject({
      code: "query_failed",
      retryable: false,
      message:
        "Athena query rollup 2026-01-15 (e9) FAILED: TABLE_NOT_FOUND: line 1:15: Table awsdatacatalog.bedrock_logs.x does not exist",
    });
    expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 1);
  });

  it("reports CANCELLED (e.g. the workgroup's bytes-scanned cutoff) and still counts its cost", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e2" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves(
        state(
          "CANCELLED",
          { StateChangeReason: "Query exceeded the workgroup's BytesScannedCutoffPerQuery" },
          1024 * MB,
        ),
      );
    const { s } = session();
    await expect(s.run("SELECT 1", "big")).rejects.toThrow(
      "(e2) CANCELLED: Query exceeded the workgroup's BytesScannedCutoffPerQuery",
    );
    expect(s.scanCostPico).toBe(athenaScanCostPico(1024 * MB));
  });

  it("gives up after maxAttempts retryable failures", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e" });
    athena
      .on(GetQueryExecutionCommand)
      .resolves(state("FAILED", { AthenaError: { Retryable: true, ErrorMessage: "slow down" } }));
    await expect(session({ maxAttempts: 2 }).s.run("SELECT 1", "x")).rejects.toThrow(
      "Athena query x failed 2 times; last FAILED: slow down",
    );
  });

  it("waits and retries StartQueryExecution on TooManyRequestsException", async () => {
    athena
      .on(StartQueryExecutionCommand)
      .rejectsOnce(awsError("TooManyRequestsException"))
      .resolves({ QueryExecutionId: "e" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(athenaPage([header], 0, 1000));
    const { s, clock } = session();
    await s.run("SELECT 1", "x");
    expect(athena).toHaveReceivedCommandTimes(StartQueryExecutionCommand, 2);
    expect(clock.sleeps[0]).toBe(2000);
  });

  it("fails at once on InvalidRequestException (bad SQL)", async () => {
    athena.on(StartQueryExecutionCommand).rejects(awsError("InvalidRequestException"));
    await expect(session().s.run("SELEC", "x")).rejects.toMatchObject({
      code: "malformed_query",
      retryable: false,
    });
  });

  it("omits ResultConfiguration when the workgroup enforces its own", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: "e" });
    athena.on(GetQueryExecutionCommand).resolves(state("SUCCEEDED"));
    athena.on(GetQueryResultsCommand).resolves(athenaPage([header], 0, 1000));
    const clock = manualClock("2026-01-16T00:00:00Z");
    const { outputLocation: _, ...rest } = {
      ...DEFAULT_ATHENA_OPTIONS,
      workgroup: "wg",
      database: "db",
      outputLocation: undefined,
    };
    await new AthenaSession(athenaApi(new AthenaClient({ region: "us-east-1" })), rest, clock).run(
      "SELECT 1",
      "x",
    );
    const input = athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input;
    expect(input && "ResultConfiguration" in input).toBe(false);
  });
});
