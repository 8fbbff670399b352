import { join } from "node:path";
import { invocationRecord, logKey, tempDir, writeObject } from "@bedrock-chargeback/collector/testing";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

async function storeWith(lines: Record<string, unknown>[]): Promise<string> {
  const root = tempDir();
  writeObject(root, logKey("2026-10-05T10", "a"), lines);
  const db = join(tempDir(), "store.db");
  const ingest = await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db]);
  expect(ingest.code).toBe(0);
  return db;
}

describe("chargeback report", () => {
  it("prints the contract's JSON: --by keys (null when missing) and the counters", async () => {
    const db = await storeWith([
      invocationRecord({
        requestId: "1",
        input: { inputTokenCount: 1000, cacheReadInputTokenCount: 200, cacheWriteInputTokenCount: 100 },
        output: { outputTokenCount: 10 },
      }),
      invocationRecord({ requestId: "2", metadata: null }),
      invocationRecord({ requestId: "3", errorCode: "ValidationException" }),
      invocationRecord({ requestId: "4", modelId: "mistral.mistral-large-2407-v1:0" }),
    ]);
    const out = await runCaptured([
      "report",
      "--db",
      db,
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
      "--by",
      "tenant,model",
      "--format",
      "json",
    ]);
    expect(out.code).toBe(0);
    const rows: unknown = JSON.parse(out.stdout);
    expect(rows).toEqual(
      expect.arrayContaining([
        {
          tenant: "acme",
          model: "anthropic.claude-haiku-4-5-20251001-v1:0",
          requests: 1,
          errors: 1,
          input_tokens: 1000,
          output_tokens: 10,
          cache_read_input_tokens: 200,
          cache_write_input_tokens: 100,
          // 1000×1.10 + 10×5.50 + 200×0.11 + 100×1.375 per 1M = 0.0011 + 0.000055 + 0.000022 + 0.0001375
          cost_usd: 0.001315,
          unpriced_requests: 0,
        },
        {
          tenant: null,
          model: "anthropic.claude-haiku-4-5-20251001-v1:0",
          requests: 1,
          errors: 0,
          input_tokens: 100,
          output_tokens: 50,
          cache_read_input_tokens: 0,
          cache_write_input_tokens: 0,
          cost_usd: 0.000385,
          unpriced_requests: 0,
        },
        expect.objectContaining({
          tenant: "acme",
          model: "mistral.mistral-large-2407-v1:0",
          requests: 1,
          cost_usd: 0,
          unpriced_requests: 1,
        }),
      ]),
    );
    expect(rows).toHaveLength(3);
  });

  it("prints CSV with a header and a table with totals and the unpriced warning", async () => {
    const db = await storeWith([
      invocationRecord({ requestId: "1" }),
      invocationRecord({ requestId: "2", modelId: "mistral.mistral-large-2407-v1:0" }),
    ]);
    const csv = await runCaptured([
      "report",
      "--db",
      db,
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
      "--by",
      "application",
      "--format",
      "csv",
    ]);
    expect(csv.stdout.split("\r\n")[0]).toBe(
      "application,requests,errors,input_tokens,output_tokens,cache_read_input_tokens,cache_write_input_tokens,cost_usd,unpriced_requests",
    );
    expect(csv.stdout.split("\r\n")[1]).toBe("support-assistant,2,0,200,100,0,0,0.000385,1");
    const table = await runCaptured([
      "report",
      "--db",
      db,
      "--from",
      "2026-10-01",
      "--to",
      "2026-11-01",
      "--by",
      "application",
      "--format",
      "table",
    ]);
    expect(table.stdout).toMatch(/TOTAL\s+2\s+0\s+200\s+100\s+0\s+0\s+\$0\.00\s+1/);
    expect(table.stdout).toContain("UNPRICED: 1 requests on mistral.mistral-large-2407-v1:0 have no price");
  });

  it("rejects bad arguments with a readable message and exit code 2", async () => {
    const db = await storeWith([invocationRecord({ requestId: "1" })]);
    const cases: [string[], RegExp][] = [
      [
        ["--from", "2026-13-01", "--to", "2026-11-01"],
        /--from: expected a UTC day YYYY-MM-DD \(not a calendar date\)/,
      ],
      [["--from", "2026-11-01", "--to", "2026-10-01"], /--to: must be after --from/],
      [["--from", "2026-10-01", "--to", "2026-11-01", "--by", "planet"], /--by: unknown dimension "planet"/],
      ...["constructor", "__proto__", "toString", "hasOwnProperty", "tenant,valueOf"].map(
        (d): [string[], RegExp] => [
          ["--from", "2026-10-01", "--to", "2026-11-01", "--by", d],
          /--by: unknown dimension "(constructor|__proto__|toString|hasOwnProperty|valueOf)"/,
        ],
      ),
      [["--from", "0001-01-01", "--to", "2026-11-01"], /--from: expected a time from 2000-01-01/],
      [["--from", "2026-10-01", "--to", "9999-12-31"], /--to: expected a time from 2000-01-01/],
      [["--from", "2026-10-01", "--to", "2026-11-01", "--format", "xml"], /--format: /],
      // Any combination is answered now (issue #14); a key given twice is still refused.
      [
        ["--from", "2026-10-01", "--to", "2026-11-01", "--by", "user,identity,user"],
        /--by: user given twice/,
      ],
    ];
    for (const [args, message] of cases) {
      const out = await runCaptured(["report", "--db", db, ...args]);
      expect(out.code, args.join(" ")).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(out.stdout).toBe("");
    }
  });
});

describe("chargeback ingest", () => {
  it("exits 3 and lists places when input was quarantined, 2 for a missing folder", async () => {
    const root = tempDir();
    const path = writeObject(root, logKey("2026-10-05T10", "a"), [
      invocationRecord({ requestId: "1" }),
      "garbage",
    ]);
    const db = join(tempDir(), "store.db");
    const out = await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db]);
    expect(out.code).toBe(3);
    expect(out.stdout).toContain(`${path}:2: invalid JSON`);
    expect(out.stdout).toMatch(/records:\s+1 counted \(1 requests, 0 errors\)/);
    const missing = await runCaptured([
      "ingest",
      "--source",
      "dir",
      "--path",
      join(root, "nope"),
      "--db",
      db,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no such folder");
  });
});
