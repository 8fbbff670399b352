import { describe, expect, it } from "vitest";
import { buildConsoleQuery, CONSOLE_QUERIES } from "./console";

describe("console collection", () => {
  it("has the questions users ask, each with at least one engine", () => {
    expect(CONSOLE_QUERIES.map((q) => q.name)).toEqual([
      "tokens-by-application",
      "tokens-by-tenant-application",
      "tokens-by-cost-center-team",
      "application-environment",
      "hourly-trend",
      "daily-trend",
      "top-tenants",
      "top-users",
      "recent-invocations",
      "large-requests",
      "output-size-distribution",
      "experiment-variants",
      "identity-application-tenant",
      "monthly-tenant-billing",
      "application-detail",
      "filtered-breakdown",
    ]);
    for (const q of CONSOLE_QUERIES) {
      for (const engine of ["logs-insights", "athena"] as const) {
        const built = q[engine] ? buildConsoleQuery(q.name, engine, q.example) : undefined;
        if (!built) continue;
        expect(built.columns.length).toBeGreaterThan(1);
        if (engine === "athena") {
          expect(built.text).toContain("AND schemaType = 'ModelInvocationLog'");
          expect(built.text).toContain("WHERE copy = 1");
        } else expect(built.text.startsWith('filter schemaType = "ModelInvocationLog"')).toBe(true);
      }
    }
  });

  it("builds tokens by tenant × application for Logs Insights", () => {
    expect(buildConsoleQuery("tokens-by-tenant-application", "logs-insights").text).toBe(
      `filter schemaType = "ModelInvocationLog"
| fields requestMetadata.tenant_id as tenant, requestMetadata.application_name as application, least(strlen(coalesce(errorCode, "")), 1) as failed
| stats sum(1 - failed) as requests, sum(failed) as errors, sum(input.inputTokenCount * (1 - failed)) as input_tokens, sum(output.outputTokenCount * (1 - failed)) as output_tokens, sum(input.cacheReadInputTokenCount * (1 - failed)) as cache_read_tokens, sum(input.cacheWriteInputTokenCount * (1 - failed)) as cache_write_tokens, sum((coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0) + coalesce(input.cacheReadInputTokenCount, 0) + coalesce(input.cacheWriteInputTokenCount, 0)) * (1 - failed)) as total_tokens by tenant, application
| sort total_tokens desc`,
    );
  });

  it("puts parameters in: top N, thresholds, experiment keys, time window", () => {
    const top = buildConsoleQuery("top-users", "athena", {
      top: 5,
      from: "2026-03-01T00:00:00Z",
      to: "2026-04-01T00:00:00Z",
    }).text;
    expect(top).toContain("LIMIT 5");
    expect(top).toContain("AND ts >= from_iso8601_timestamp('2026-03-01T00:00:00Z')");
    expect(top).toContain("element_at(requestMetadata, 'user_id') AS user");
    const large = buildConsoleQuery("large-requests", "logs-insights", {
      minInputTokens: 50_000,
      top: 3,
    }).text;
    expect(large).toContain("| filter isempty(errorCode) and input.inputTokenCount >= 50000");
    expect(large.endsWith("| sort input_tokens desc\n| dedup request_id\n| limit 3")).toBe(true);
    const ab = buildConsoleQuery("experiment-variants", "logs-insights", { experimentKey: "exp-id" }).text;
    expect(ab).toContain(
      "`requestMetadata.exp-id` as experiment, requestMetadata.variant as variant, modelId as model_id",
    );
    const billing = buildConsoleQuery("monthly-tenant-billing", "athena").text;
    expect(billing).toContain("SELECT date_format(ts AT TIME ZONE 'UTC', '%Y-%m') AS month,");
    expect(billing).toContain("GROUP BY 1, 2, 3");
    expect(buildConsoleQuery("output-size-distribution", "athena", { bucketSize: 100 }).text).toContain(
      "(coalesce(output.outputTokenCount, 0) / 100) * 100 AS bucket_start",
    );
  });

  it("puts every filter value in through quote, ANDed, and only where the query takes it", () => {
    const value = `x" or 1=1 | y'z\\`;
    const insights = buildConsoleQuery("filtered-breakdown", "logs-insights", {
      tenant: value,
      costCenter: "cc-1",
      model: "us.m:0",
    }).text;
    expect(insights).toContain(
      '| filter requestMetadata.tenant_id = "x\\" or 1=1 | y\'z\\\\" and requestMetadata.cost_center = "cc-1" and modelId = "us.m:0"\n',
    );
    const athena = buildConsoleQuery("filtered-breakdown", "athena", {
      tenant: value,
      environment: "prod",
    }).text;
    expect(athena).toContain(
      "WHERE element_at(requestMetadata, 'tenant_id') = 'x\" or 1=1 | y''z\\'\n  AND element_at(requestMetadata, 'environment') = 'prod'\nGROUP BY 1, 2, 3, 4, 5",
    );
    // No filter given: no filter line, no WHERE.
    expect(buildConsoleQuery("filtered-breakdown", "logs-insights").text).not.toContain("| filter");
    expect(buildConsoleQuery("filtered-breakdown", "athena").text).not.toContain("WHERE element_at");
    expect(buildConsoleQuery("application-detail", "athena", { application: "a'b" }).text).toContain(
      "WHERE element_at(requestMetadata, 'application_name') = 'a''b'\nGROUP BY 1, 2",
    );
    expect(() => buildConsoleQuery("application-detail", "logs-insights")).toThrow(
      "application-detail needs `application` (CLI: --application <value>)",
    );
    expect(() => buildConsoleQuery("top-users", "athena", { tenant: "t" })).toThrow(
      "top-users takes no `tenant` filter; queries with filters: filtered-breakdown",
    );
    expect(() => buildConsoleQuery("filtered-breakdown", "logs-insights", { tenant: "a\nb" })).toThrow(
      "control characters",
    );
  });

  it("names unknown queries and bad parameters", () => {
    expect(() => buildConsoleQuery("nope", "athena")).toThrow(
      /unknown query "nope"; known: tokens-by-application/,
    );
    expect(() => buildConsoleQuery("top-users", "athena", { top: 0 })).toThrow();
    expect(() =>
      buildConsoleQuery("top-users", "athena", { from: "2026-04-01T00:00:00Z", to: "2026-03-01T00:00:00Z" }),
    ).toThrow("before");
  });
});
