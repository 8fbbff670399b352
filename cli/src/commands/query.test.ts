import { CONSOLE_QUERIES } from "@bedrock-chargeback/queries";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

describe("chargeback query", () => {
  it("--list names every console query, the four added for issue #14 among them", async () => {
    const out = await runCaptured(["query", "--list"]);
    expect(out.code).toBe(0);
    for (const q of CONSOLE_QUERIES) expect(out.stdout).toContain(`${q.name.padEnd(30)} ${q.title}`);
    for (const name of [
      "recent-invocations",
      "application-detail",
      "application-environment",
      "filtered-breakdown",
    ])
      expect(out.stdout).toContain(name);
  });

  it("passes the filter flags through quote into the printed text", async () => {
    const athena = await runCaptured([
      "query",
      "filtered-breakdown",
      "--engine",
      "athena",
      "--print",
      "--from",
      "2026-03-01",
      "--to",
      "2026-03-02",
      "--tenant",
      "o'brien",
      "--cost-center",
      "cc-7",
      "--model",
      "us.amazon.nova-lite-v1:0",
    ]);
    expect(athena.code).toBe(0);
    expect(athena.stdout).toContain(
      "WHERE element_at(requestMetadata, 'tenant_id') = 'o''brien'\n  AND element_at(requestMetadata, 'cost_center') = 'cc-7'\n  AND modelId = 'us.amazon.nova-lite-v1:0'\n",
    );
    const insights = await runCaptured([
      "query",
      "application-detail",
      "--print",
      "--application",
      'say "hi"',
    ]);
    expect(insights.code).toBe(0);
    expect(insights.stdout).toContain('| filter requestMetadata.application_name = "say \\"hi\\""\n');
  });

  it("refuses application-detail without --application, and a filter a query does not take", async () => {
    const missing = await runCaptured(["query", "application-detail", "--print"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(
      "error: application-detail needs `application` (CLI: --application <value>)",
    );
    const ignored = await runCaptured(["query", "top-users", "--print", "--environment", "prod"]);
    expect(ignored.code).toBe(2);
    expect(ignored.stderr).toContain("error: top-users takes no `environment` filter");
  });
});
