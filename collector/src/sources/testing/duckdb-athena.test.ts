import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import {
  ATHENA_FACET_COLUMNS,
  ATHENA_ROLLUP_COLUMNS,
  buildAthenaFacetSql,
  buildAthenaRollupSql,
  parseAthenaFacetPages,
  parseAthenaRollupPages,
} from "@bedrock-chargeback/queries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  athenaPage,
  createDuckAthena,
  type DuckAthena,
  ddlColumns,
  hiveToDuckType,
  TRANSLATIONS,
  translateTrino,
} from "./duckdb-athena";

const base = {
  schemaType: "ModelInvocationLog",
  schemaVersion: "1.0",
  accountId: "111122223333",
  region: "us-east-1",
  operation: "Converse",
  modelId: "amazon.nova-lite-v1:0",
  identity: { arn: "arn:aws:sts::111122223333:assumed-role/app/s" },
};
const ok = (requestId: string, timestamp: string, meta: Record<string, string> | null, tokens: number[]) => ({
  ...base,
  requestId,
  timestamp,
  ...(meta ? { requestMetadata: meta } : {}),
  input: {
    inputTokenCount: tokens[0],
    cacheReadInputTokenCount: tokens[2],
    cacheWriteInputTokenCount: tokens[3],
  },
  output: { outputTokenCount: tokens[1] },
});

let engine: DuckAthena;

/** Writes gzip JSON-line objects under `<root>/<folder>/` as Bedrock delivers them. */
function writeObjects(root: string, objects: Record<string, unknown[]>): string[] {
  return Object.entries(objects).map(([folder, records], i) => {
    mkdirSync(join(root, folder), { recursive: true });
    const path = join(root, folder, `20260302T000000Z_${i}.json.gz`);
    writeFileSync(path, gzipSync(`${records.map((r) => JSON.stringify(r)).join("\n")}\n`));
    return path;
  });
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "duck-athena-"));
  const meta = { tenant_id: "t1", application_name: "app", user_id: "u1" };
  const files = writeObjects(root, {
    "2026/03/02/10": [
      ok("r1", "2026-03-02T10:15:00.123Z", meta, [100, 10, 5, 7]),
      ok("r2", "2026-03-02T10:59:59Z", meta, [1, 2, 3, 4]),
      // A failed call: counted as an error, its (odd) token fields ignored.
      { ...ok("r3", "2026-03-02T10:30:00Z", meta, [50, 50, 50, 50]), errorCode: "ThrottlingException" },
      { ...ok("r4", "2026-03-02T10:31:00Z", null, [9, 0, 0, 0]) },
      { schemaType: "SomethingElse", requestId: "x", modelId: "m", timestamp: "2026-03-02T10:00:00Z" },
      "not json",
    ],
    // r1 delivered again an hour later (counts once); r5 belongs to hour 10 though delivered at 11.
    "2026/03/02/11": [
      ok("r1", "2026-03-02T10:15:00.123Z", meta, [100, 10, 5, 7]),
      ok("r5", "2026-03-02T10:45:00Z", { ...meta, user_id: "u2" }, [1000, 0, 0, 0]),
    ],
    // Outside the partitions the query scans (to + 3 hours) and outside [from, to).
    "2026/03/02/20": [ok("r6", "2026-03-02T10:20:00Z", meta, [7, 7, 7, 7])],
    "2026/03/02/12": [ok("r7", "2026-03-02T12:00:00Z", meta, [7, 7, 7, 7])],
  });
  engine = await createDuckAthena(files);
});
afterAll(() => engine?.close());

const window = { from: "2026-03-02T10:00:00Z", to: "2026-03-02T12:00:00Z" };

describe("translateTrino", () => {
  it("applies every translation and leaves the rest of the text alone", () => {
    // The facet rollup uses every translation but to_iso8601, which the console's record listings use.
    const sql = `${buildAthenaFacetSql(window)}\n-- SELECT to_iso8601(ts)`;
    const out = translateTrino(sql);
    for (const t of TRANSLATIONS) {
      expect(sql).toMatch(t.pattern);
      expect(out).not.toMatch(new RegExp(t.pattern.source));
    }
    expect(out).toContain("athena_element_at(requestMetadata, 'tenant_id')");
  });

  it("refuses functions and syntax without a checked translation", () => {
    expect(() => translateTrino("SELECT from_unixtime(0) FROM t")).toThrow(/from_unixtime/);
    expect(() => translateTrino("SELECT json_extract_scalar(x, '$.a') FROM t")).toThrow(
      /json_extract_scalar/,
    );
    expect(() => translateTrino("SELECT date_format(ts, '%Y-%m-%d %H:%i') FROM t")).toThrow(/%i/);
    expect(() => translateTrino("SELECT x FROM t CROSS JOIN UNNEST(a) AS u (x)")).toThrow(/UNNEST/);
    // Function names inside string literals are data, not calls.
    expect(translateTrino("SELECT 'from_unixtime(' AS x")).toBe("SELECT 'from_unixtime(' AS x");
  });
});

describe("the table from the DDL", () => {
  it("maps Hive types to DuckDB types", () => {
    expect(hiveToDuckType("map<string,string>")).toBe("MAP(VARCHAR, VARCHAR)");
    expect(hiveToDuckType("struct<arn:string, n:bigint>")).toBe('STRUCT("arn" VARCHAR, "n" BIGINT)');
    expect(() => hiveToDuckType("double")).toThrow(/double/);
  });

  it("has the DDL's columns", () => {
    const cols = ddlColumns(
      "CREATE EXTERNAL TABLE x (\n  `timestamp` string,\n  identity struct<arn:string>\n)\nPARTITIONED BY (datehour string)",
    );
    expect(cols).toEqual([
      ["timestamp", "VARCHAR"],
      ["identity", 'STRUCT("arn" VARCHAR)'],
    ]);
  });
});

describe("the rollup SQL on DuckDB", () => {
  it("dedupes, windows on the record's timestamp, zeroes errors, keeps missing metadata NULL", async () => {
    const rows = await engine.run(buildAthenaRollupSql(window));
    expect(rows[0]).toEqual(ATHENA_ROLLUP_COLUMNS);
    const parsed = parseAthenaRollupPages([athenaPage(rows, 0, 1000)]);
    const dims = {
      account: "111122223333",
      region: "us-east-1",
      application: "app",
      cost_center: null,
      environment: null,
      team: null,
      model_id: "amazon.nova-lite-v1:0",
    };
    expect(parsed.sort((a, b) => String(a.tenant).localeCompare(String(b.tenant)))).toEqual([
      {
        hour: "2026-03-02T10:00:00Z",
        ...dims,
        application: null,
        tenant: null,
        requests: 1,
        errors: 0,
        input_tokens: 9,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
      {
        hour: "2026-03-02T10:00:00Z",
        ...dims,
        tenant: "t1",
        requests: 3,
        errors: 1,
        input_tokens: 1101,
        output_tokens: 12,
        cache_read_tokens: 8,
        cache_write_tokens: 11,
      },
    ]);
  });

  it("groups the daily facts by user and identity together: each record in one row", async () => {
    const rows = await engine.run(
      buildAthenaFacetSql({ from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z" }),
    );
    expect(rows[0]).toEqual(ATHENA_FACET_COLUMNS);
    const parsed = parseAthenaFacetPages([athenaPage(rows, 0, 1000)]).filter((r) => r.tenant === "t1");
    const brief = parsed
      .map(
        (r) =>
          `${r.day} user=${r.user_id} identity=${r.identity_arn} requests=${r.requests} errors=${r.errors} in=${r.input_tokens}`,
      )
      .sort();
    expect(brief).toEqual([
      "2026-03-02 user=u1 identity=arn:aws:sts::111122223333:assumed-role/app/s requests=4 errors=1 in=115",
      "2026-03-02 user=u2 identity=arn:aws:sts::111122223333:assumed-role/app/s requests=1 errors=0 in=1000",
    ]);
  });
});

describe("Trino meanings the console queries rely on", () => {
  it("divides integers as Trino does (truncating) and renders to_iso8601 as a UTC instant", async () => {
    const [, row] = await engine.run(
      "SELECT 300 / 256 AS bucket, to_iso8601(from_iso8601_timestamp('2026-03-02T10:15:00.123Z')) AS t, to_iso8601(from_iso8601_timestamp('2026-03-02T10:15:00Z')) AS u",
    );
    expect(row).toEqual(["1", "2026-03-02T10:15:00.123Z", "2026-03-02T10:15:00.000Z"]);
  });
});

describe("athenaPage", () => {
  it("pages 1,000 rows, the header being the first row of the first page", () => {
    const rows = [["n"], ...Array.from({ length: 1500 }, (_, i) => [String(i)])];
    const first = athenaPage(rows, 0, 1000);
    const second = athenaPage(rows, Number(first.NextToken), 1000);
    expect(first.ResultSet.Rows).toHaveLength(1000);
    expect(first.ResultSet.Rows[0]).toEqual({ Data: [{ VarCharValue: "n" }] });
    expect(second.ResultSet.Rows).toHaveLength(501);
    expect(second).not.toHaveProperty("NextToken");
    expect(athenaPage([["v"], [null]], 0, 1000).ResultSet.Rows[1]).toEqual({ Data: [{}] });
  });
});
