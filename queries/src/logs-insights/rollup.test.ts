import { describe, expect, it } from "vitest";
import { QueryRowError } from "../common";
import {
  buildInsightsFacetQuery,
  buildInsightsRollupQuery,
  parseInsightsFacetResults,
  parseInsightsRollupResults,
} from "./rollup";

const cells = (o: Record<string, string>) => Object.entries(o).map(([field, value]) => ({ field, value }));

describe("Logs Insights rollup query", () => {
  it("builds the documented text", () => {
    expect(buildInsightsRollupQuery()).toBe(`filter schemaType = "ModelInvocationLog" and ispresent(modelId)
| fields accountId as account,
         region as aws_region,
         requestMetadata.tenant_id as tenant,
         requestMetadata.application_name as application,
         requestMetadata.cost_center as cost_center,
         requestMetadata.environment as environment,
         requestMetadata.team as team,
         modelId as model_id,
         least(strlen(coalesce(errorCode, "")), 1) as failed
| stats count(*) as records,
        sum(failed) as errors,
        sum(input.inputTokenCount * (1 - failed)) as input_tokens,
        sum(output.outputTokenCount * (1 - failed)) as output_tokens,
        sum(input.cacheReadInputTokenCount * (1 - failed)) as cache_read_tokens,
        sum(input.cacheWriteInputTokenCount * (1 - failed)) as cache_write_tokens
  by bin(1h), account, aws_region, tenant, application, cost_center, environment, team, model_id`);
  });

  it("takes a configured metadata mapping and quotes odd keys", () => {
    const text = buildInsightsFacetQuery({
      metadataKeys: {
        tenant: "org id",
        application: "app",
        cost_center: "cc",
        environment: "env",
        team: "team",
        user: "user-id",
      },
    });
    expect(text).toContain("`requestMetadata.org id` as tenant");
    expect(text).toContain("`requestMetadata.user-id` as user");
    expect(text).toContain(
      "by bin(1d), account, aws_region, tenant, application, cost_center, environment, team, model_id, user, identity",
    );
  });

  it("refuses metadata keys Bedrock would not accept", () => {
    expect(() =>
      buildInsightsRollupQuery({
        metadataKeys: {
          tenant: "a`b",
          application: "a",
          cost_center: "c",
          environment: "e",
          team: "t",
          user: "u",
        },
      }),
    ).toThrow("not a valid requestMetadata key");
  });

  it("parses {field,value} rows: numbers exactly, missing fields null, requests = records − errors", () => {
    const rows = parseInsightsRollupResults([
      cells({
        "bin(1h)": "2026-01-15 12:00:00.000",
        account: "123456789012",
        aws_region: "us-east-1",
        tenant: "acme",
        model_id: "us.anthropic.claude-sonnet-4-20250514-v1:0",
        records: "12",
        errors: "2",
        input_tokens: "1.2345e+06",
        output_tokens: "5000",
        "@ptr": "CmQKJQ",
      }),
    ]);
    expect(rows).toEqual([
      {
        hour: "2026-01-15T12:00:00Z",
        account: "123456789012",
        region: "us-east-1",
        tenant: "acme",
        application: null,
        cost_center: null,
        environment: null,
        team: null,
        model_id: "us.anthropic.claude-sonnet-4-20250514-v1:0",
        requests: 10,
        errors: 2,
        input_tokens: 1_234_500,
        output_tokens: 5000,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
    ]);
  });

  it("parses facet rows with user and identity", () => {
    const [row] = parseInsightsFacetResults([
      cells({
        "bin(1d)": "2026-01-15 00:00:00.000",
        model_id: "m",
        records: "3",
        errors: "0",
        user: "u1",
        identity: "arn:aws:iam::1:user/x",
      }),
    ]);
    expect(row?.day).toBe("2026-01-15");
    expect(row?.user).toBe("u1");
    expect(row?.identity).toBe("arn:aws:iam::1:user/x");
    expect(row?.requests).toBe(3);
  });

  it("rejects rows that are not what the query returns", () => {
    expect(() =>
      parseInsightsRollupResults([
        cells({ "bin(1h)": "2026-01-15 12:00:00.000", model_id: "m", records: "1.5" }),
      ]),
    ).toThrow(/row 0: records: not an exact non-negative integer: "1.5"/);
    expect(() =>
      parseInsightsRollupResults([cells({ "bin(1h)": "yesterday", model_id: "m", records: "1" })]),
    ).toThrow(QueryRowError);
    expect(() =>
      parseInsightsRollupResults([cells({ "bin(1h)": "2026-01-15 12:00:00.000", records: "1" })]),
    ).toThrow(/model_id/);
    expect(() =>
      parseInsightsRollupResults([
        cells({ "bin(1h)": "2026-01-15 12:00:00.000", model_id: "m", records: "1", errors: "2" }),
      ]),
    ).toThrow("errors (2) exceed records (1)");
    expect(() => parseInsightsRollupResults({ rows: [] })).toThrow("unexpected shape");
  });
});
