import { describe, expect, it } from "vitest";
import { buildAthenaDdl } from "./ddl";
import {
  ATHENA_ROLLUP_COLUMNS,
  buildAthenaFacetSql,
  buildAthenaRollupSql,
  datehourOf,
  parseAthenaFacetPages,
  parseAthenaRollupPages,
} from "./rollup";

const page = (rows: (string | null)[][], nextToken?: string) => ({
  ResultSet: { Rows: rows.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })) },
  NextToken: nextToken,
});

describe("Athena DDL", () => {
  it("projects the delivery folders and types requestMetadata as a map", () => {
    const ddl = buildAthenaDdl({
      bucket: "acme-bedrock-logs",
      keyPrefix: "bedrock",
      accountId: "123456789012",
      region: "eu-west-1",
    });
    expect(ddl).toContain("CREATE EXTERNAL TABLE IF NOT EXISTS `bedrock_logs`.`bedrock_invocation_logs`");
    expect(ddl).toContain("requestMetadata map<string,string>");
    expect(ddl).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
    expect(ddl).toContain(
      "LOCATION 's3://acme-bedrock-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/eu-west-1/'",
    );
    expect(ddl).toContain("'projection.datehour.format' = 'yyyy/MM/dd/HH'");
    expect(ddl).toContain("'projection.datehour.range' = '2025/01/01/00,NOW'");
    const template =
      "'storage.location.template' = 's3://acme-bedrock-logs/bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/eu-west-1/";
    expect(ddl).toContain(`${template}\${datehour}/'`);
  });

  it("refuses values that would need escaping in Hive DDL", () => {
    expect(() =>
      buildAthenaDdl({ bucket: "b'; DROP", accountId: "123456789012", region: "us-east-1" }),
    ).toThrow("not an S3 bucket name");
    expect(() =>
      buildAthenaDdl({ bucket: "bucket", keyPrefix: "a'b", accountId: "123456789012", region: "us-east-1" }),
    ).toThrow();
    expect(() => buildAthenaDdl({ bucket: "bucket", accountId: "12", region: "us-east-1" })).toThrow(
      "12-digit",
    );
  });
});

describe("Athena rollup SQL", () => {
  const sql = buildAthenaRollupSql({ from: "2026-01-15T00:00:00Z", to: "2026-01-16T00:00:00Z" });

  it("prunes partitions with slack and filters on the record timestamp", () => {
    expect(datehourOf("2026-01-01T00:00:00Z", -1)).toBe("2025/12/31/23");
    expect(sql).toContain("WHERE datehour BETWEEN '2026/01/14/23' AND '2026/01/16/03'");
    expect(sql).toContain("AND ts >= from_iso8601_timestamp('2026-01-15T00:00:00Z')");
    expect(sql).toContain("AND ts < from_iso8601_timestamp('2026-01-16T00:00:00Z')");
  });

  it("dedupes by requestId and zeroes tokens of failed calls", () => {
    expect(sql).toContain(
      'row_number() OVER (PARTITION BY requestId ORDER BY datehour, "timestamp") AS copy',
    );
    expect(sql).toContain("WHERE copy = 1");
    expect(sql).toContain("coalesce(errorCode, '') <> '' AS failed");
    expect(sql).toContain(
      "sum(IF(failed, 0, coalesce(input.cacheWriteInputTokenCount, 0))) AS cache_write_tokens",
    );
    expect(sql).toContain("element_at(requestMetadata, 'tenant_id') AS tenant");
    expect(sql).toContain('FROM "bedrock_logs"."bedrock_invocation_logs"');
  });

  it("quotes configured metadata keys as literals", () => {
    const text = buildAthenaFacetSql({
      from: "2026-01-15T00:00:00Z",
      to: "2026-01-16T00:00:00Z",
      metadataKeys: {
        tenant: "tenant #1",
        application: "a",
        cost_center: "c",
        environment: "e",
        team: "t",
        user: "u",
      },
    });
    expect(text).toContain("element_at(requestMetadata, 'tenant #1') AS tenant");
    expect(text).toContain(
      "element_at(requestMetadata, 'u') AS user_id,\n       identity.arn AS identity_arn",
    );
    expect(text).toContain("GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11");
  });

  it("refuses an empty or reversed window", () => {
    expect(() => buildAthenaRollupSql({ from: "2026-01-16T00:00:00Z", to: "2026-01-15T00:00:00Z" })).toThrow(
      "before",
    );
    expect(() => buildAthenaRollupSql({ from: "2026-01-16", to: "2026-01-17T00:00:00Z" })).toThrow(
      "YYYY-MM-DDTHH",
    );
  });

  it("reads pages: header first, NULL cells as null, later pages without header", () => {
    const header = [...ATHENA_ROLLUP_COLUMNS];
    const rows = parseAthenaRollupPages([
      page(
        [
          header,
          [
            "2026-01-15T12:00:00Z",
            "123456789012",
            "us-east-1",
            "acme",
            null,
            null,
            null,
            null,
            "m1",
            "5",
            "1",
            "100",
            "200",
            "0",
            "7",
          ],
        ],
        "t1",
      ),
      page([
        [
          "2026-01-15T13:00:00Z",
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          "m2",
          "1",
          "0",
          "9007199254740991",
          "0",
          "0",
          "0",
        ],
      ]),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      hour: "2026-01-15T12:00:00Z",
      tenant: "acme",
      application: null,
      requests: 5,
      errors: 1,
      cache_write_tokens: 7,
    });
    expect(rows[1]).toMatchObject({ account: null, model_id: "m2", input_tokens: Number.MAX_SAFE_INTEGER });
  });

  it("rejects a missing or wrong header and short rows", () => {
    expect(() => parseAthenaRollupPages([page([["2026-01-15T12:00:00Z"]])])).toThrow("header row");
    expect(() => parseAthenaRollupPages([page([[...ATHENA_ROLLUP_COLUMNS], ["x"]])])).toThrow(
      "row 0: 1 cells, expected 15",
    );
    expect(parseAthenaRollupPages([page([[...ATHENA_ROLLUP_COLUMNS]])])).toEqual([]);
    expect(parseAthenaRollupPages([])).toEqual([]);
  });

  it("parses facet rows", () => {
    const header = [
      "day",
      "account",
      "region",
      "tenant",
      "application",
      "cost_center",
      "environment",
      "team",
      "model_id",
      "user_id",
      "identity_arn",
      "requests",
      "errors",
      "input_tokens",
      "output_tokens",
      "cache_read_tokens",
      "cache_write_tokens",
    ];
    const [row] = parseAthenaFacetPages([
      page([
        header,
        [
          "2026-01-15",
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          "m",
          "u1",
          "arn:x",
          "2",
          "0",
          "10",
          "0",
          "0",
          "0",
        ],
      ]),
    ]);
    expect(row).toMatchObject({
      day: "2026-01-15",
      user_id: "u1",
      identity_arn: "arn:x",
      requests: 2,
      input_tokens: 10,
    });
    expect(() =>
      parseAthenaFacetPages([
        page([
          header,
          [
            "2026-01-15",
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "",
            "u1",
            "arn:x",
            "2",
            "0",
            "10",
            "0",
            "0",
            "0",
          ],
        ]),
      ]),
    ).toThrow("model_id");
  });
});
