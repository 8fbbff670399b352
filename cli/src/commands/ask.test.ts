/**
 * `chargeback ask` in-process (fallback: no Bedrock here), and the proof that the assistant's own
 * Bedrock calls reach the ledger: the loopback Bedrock writes the invocation log record of each
 * call, `chargeback ingest` reads them, and `chargeback report --by application` shows them.
 */
import { join } from "node:path";
import { createAssistant, parseAssistantConfig } from "@bedrock-chargeback/assistant";
import { assistantTestStore, scriptedBedrock, sqlReply } from "@bedrock-chargeback/assistant/testing";
import { tempDir } from "@bedrock-chargeback/collector/testing";
import { createDb } from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

const NOW = new Date("2026-11-29T10:00:00Z");

function storeFile(): string {
  const path = join(tempDir("cb-ask-cli-"), "store.db");
  assistantTestStore(path).$client.close();
  return path;
}

describe("chargeback ask", () => {
  it("answers a top-N question with the template matcher and prints the SQL and rows", async () => {
    const db = storeFile();
    const out = await runCaptured(["ask", "top 2 tenants by cost in October 2026", "--db", db], NOW);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^Answered without Bedrock: AWS region is missing/);
    expect(out.stdout).toContain(
      "SQL: SELECT tenant, SUM(cost_pico) AS cost_pico, SUM(requests) AS requests FROM usage_by_month WHERE month = '2026-10' GROUP BY tenant ORDER BY cost_pico DESC LIMIT 2",
    );
    expect(out.stdout).toMatch(/mode: fallback · cost of this question: \$0\.000000 \(0 Bedrock calls/);
  });

  it("--format json prints exactly the documented keys; --tenant limits the rows to that tenant", async () => {
    const db = storeFile();
    const out = await runCaptured(
      ["ask", "cost by tenant in October 2026", "--db", db, "--tenant", "globex", "--format", "json"],
      NOW,
    );
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(["question", "mode", "sql", "columns", "rows", "answer", "cost_usd"]);
    expect(body.mode).toBe("fallback");
    expect(body.columns).toEqual(["tenant", "cost_usd", "requests"]);
    expect((body.rows as unknown[][]).map((r) => r[0])).toEqual(["globex"]);
    const all = JSON.parse(
      (await runCaptured(["ask", "cost by tenant in October 2026", "--db", db, "--format", "json"], NOW))
        .stdout,
    ) as { rows: unknown[][] };
    expect(all.rows.find((r) => r[0] === "globex")).toEqual((body.rows as unknown[][])[0]);
    // acme, globex, initech and the unattributed calls.
    expect(all.rows.length).toBe(4);
  });

  it("bad arguments exit 2; a question no template fits exits 1", async () => {
    const db = storeFile();
    expect((await runCaptured(["ask", "--db", db], NOW)).code).toBe(2);
    expect((await runCaptured(["ask", "", "--db", db], NOW)).stderr).toMatch(/question: must not be empty/);
    expect((await runCaptured(["ask", "total?", "--db", db, "--format", "xml"], NOW)).code).toBe(2);
    expect((await runCaptured(["ask", "write me a poem", "--db", db], NOW)).code).toBe(1);
  });
});

describe("the assistant's own Bedrock calls are in the ledger", () => {
  it("appear in report --by application (and under the asker's tenant) once their logs are ingested", async () => {
    const db = storeFile();
    const logs = tempDir("cb-ask-logs-");
    const fake = scriptedBedrock({
      sql: () => sqlReply("SELECT SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10'"),
      answer: () => "Here is the total.",
      logDir: logs,
      now: () => NOW,
      usage: { input: 1500, output: 100 },
    });
    const store = createDb(db);
    const assistant = createAssistant({
      db: store,
      config: parseAssistantConfig({ AWS_REGION: "us-east-1" }),
      now: () => NOW,
      bedrockTransport: fake.transport,
    });
    const asked = await assistant.ask({ question: "total October?", tenant: "acme", user: "key_t" });
    expect(asked.mode).toBe("bedrock");
    await assistant.ask({ question: "total October?", tenant: undefined, user: "key_a" });
    store.$client.close();

    expect((await runCaptured(["ingest", "--source", "dir", "--path", logs, "--db", db], NOW)).code).toBe(0);
    const report = await runCaptured(
      [
        "report",
        "--db",
        db,
        "--from",
        "2026-11-29",
        "--to",
        "2026-11-30",
        "--by",
        "application,tenant",
        "--format",
        "json",
      ],
      NOW,
    );
    expect(report.code).toBe(0);
    const lines = (JSON.parse(report.stdout) as Record<string, unknown>[]).filter(
      (l) => l.application === "chargeback-assistant",
    );
    // Two questions × two calls (SQL, answer), 1,500 in / 100 out each, Haiku 4.5 geographic
    // ($1.10 / $5.50 per 1M): $0.00220 per call. The asker's tenant is kept; an admin has none.
    expect(lines).toEqual([
      expect.objectContaining({
        tenant: "acme",
        requests: 2,
        input_tokens: 3000,
        output_tokens: 200,
        cost_usd: 0.0044,
      }),
      expect.objectContaining({
        tenant: null,
        requests: 2,
        input_tokens: 3000,
        output_tokens: 200,
        cost_usd: 0.0044,
      }),
    ]);
    // The cost the assistant reported for a question is what the ledger bills for its calls.
    expect(asked.cost_usd).toBe(0.0044);
  });
});
