/** The administration commands (keys, periods, prices, query, simulate), on a store each test builds. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createApiKey, createApp } from "@bedrock-chargeback/api";
import { invocationRecord, logKey, tempDir, writeObject } from "@bedrock-chargeback/collector/testing";
import { createDb } from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { runCaptured } from "../testing";

/** A store with one September record for tenant acme on haiku 4.5 (us.) and one on an unpriced model. */
async function store(): Promise<string> {
  const root = tempDir();
  writeObject(root, logKey("2026-09-10T10", "a"), [
    invocationRecord({
      requestId: "s1",
      timestamp: "2026-09-10T10:00:00Z",
      input: { inputTokenCount: 1_000_000 },
      output: { outputTokenCount: 100_000 },
    }),
    invocationRecord({
      requestId: "s2",
      timestamp: "2026-09-10T11:00:00Z",
      modelId: "mistral.mistral-large-2407-v1:0",
    }),
  ]);
  const db = join(tempDir(), "store.db");
  expect((await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db])).code).toBe(0);
  return db;
}

describe("chargeback keys", () => {
  it("creates a key shown once, lists it without the secret, revokes it", async () => {
    const db = await store();
    const created = await runCaptured([
      "keys",
      "create",
      "--role",
      "tenant",
      "--tenant",
      "acme",
      "--name",
      "acme portal",
      "--db",
      db,
    ]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^cb_[A-Za-z0-9_-]{20,}$/);
    const list = await runCaptured(["keys", "list", "--format", "json", "--db", db]);
    expect(list.stdout).not.toContain(key);
    const [entry] = JSON.parse(list.stdout);
    expect(entry).toMatchObject({ role: "tenant", tenant: "acme", name: "acme portal" });
    expect(key.startsWith(entry.prefix)).toBe(true);
    expect((await runCaptured(["keys", "revoke", entry.id, "--db", db])).code).toBe(0);
    const after = JSON.parse((await runCaptured(["keys", "list", "--format", "json", "--db", db])).stdout);
    expect(entry.revokedAt).toBeNull();
    expect(after[0].revokedAt).toMatch(/^2026-11-15T12:00:00/);
    const bad = await runCaptured(["keys", "create", "--role", "tenant", "--db", db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/tenant/);
  });
});

describe("chargeback periods", () => {
  it("closes an ended month once and exports invoices whose lines sum to the closed total", async () => {
    const db = await store();
    const closed = await runCaptured(["periods", "close", "2026-09", "--db", db]);
    expect(closed.code).toBe(0);
    // 1M input × $1.10/M + 100k output × $5.50/M (haiku 4.5, geographic) = $1.65; the unpriced call adds nothing.
    expect(closed.stdout).toContain("closed 2026-09: 1 invoices, total $1.650000");
    const again = await runCaptured(["periods", "close", "2026-09", "--db", db]);
    expect(again.code).not.toBe(0);
    const csv = await runCaptured(["periods", "export", "2026-09", "--format", "csv", "--db", db]);
    const [header, ...rows] = csv.stdout.trim().split("\r\n");
    const amount = header?.split(",").indexOf("amount_usd") ?? -1;
    const micros = rows.map((r) => Math.round(Number(r.split(",")[amount]) * 1e6)).reduce((a, b) => a + b, 0);
    expect(micros).toBe(1_650_000);
    const focus = await runCaptured(["periods", "export", "2026-09", "--format", "focus", "--db", db]);
    expect(focus.stdout.split("\r\n")[0]).toContain("BilledCost");
  });

  it("exports JSON exactly as the API's export route sends it", async () => {
    const db = await store();
    const cli = JSON.parse(
      (await runCaptured(["periods", "export", "2026-09", "--format", "json", "--db", db])).stdout,
    );
    expect(cli).toMatchObject({
      month: "2026-09",
      tenant: null,
      total_usd: "1.650000",
      total_micro_usd: 1_650_000,
    });
    expect(cli.invoices[0]).toMatchObject({
      tenant: "acme",
      total_usd: "1.650000",
      total_micro_usd: 1_650_000,
    });
    const opened = createDb(db);
    try {
      const key = createApiKey(opened, { role: "finance", tenant: null }).key;
      const app = createApp({ db: opened, now: () => new Date("2026-11-15T12:00:00Z") });
      const res = await app.request("/v1/exports/2026-09?format=json", {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      expect(cli).toEqual(await res.json());
    } finally {
      opened.$client.close();
    }
  });

  it("refuses months outside 2000-01..9998-12 with exit 2 and a readable message", async () => {
    const db = await store();
    for (const args of [
      ["periods", "close", "0001-01"],
      ["periods", "close", "9999-12"],
      ["periods", "export", "9999-12"],
      ["periods", "list", "--from-month", "0001-01", "--to-month", "9999-12"],
      ["prices", "reprice", "--from", "0001-01", "--to", "9999-12"],
    ]) {
      const out = await runCaptured([...args, "--db", db]);
      expect(out.code, args.join(" ")).toBe(2);
      expect(out.stderr, args.join(" ")).toMatch(/expected a month from 2000-01 to 9998-12/);
    }
  });
});

describe("chargeback prices", () => {
  it("lists unpriced usage, adds a price, and reprices open months only when asked", async () => {
    const db = await store();
    const unpriced = JSON.parse(
      (await runCaptured(["prices", "unpriced", "--from", "2026-09-01", "--to", "2026-10-01", "--db", db]))
        .stdout,
    );
    expect(unpriced).toEqual([
      expect.objectContaining({ model: "mistral.mistral-large-2407-v1:0", unpriced_requests: 1 }),
    ]);
    const added = await runCaptured([
      "prices",
      "add",
      "--model",
      "mistral.mistral-large-2407-v1:0",
      "--effective-from",
      "2026-01-01",
      "--input",
      "2",
      "--output",
      "6",
      "--cache-read",
      "0",
      "--cache-write",
      "0",
      "--scope",
      "in_region",
      "--reprice",
      "--db",
      db,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const report = JSON.parse(
      (
        await runCaptured([
          "report",
          "--db",
          db,
          "--from",
          "2026-09-01",
          "--to",
          "2026-10-01",
          "--by",
          "model",
          "--format",
          "json",
        ])
      ).stdout,
    );
    // The fixture's defaults: 100 input × $2/M + 50 output × $6/M = $0.0005.
    expect(report.find((r: { model: string }) => r.model.startsWith("mistral."))).toMatchObject({
      unpriced_requests: 0,
      cost_usd: 0.0005,
    });
  });
});

describe("chargeback query and simulate", () => {
  it("lists the console collection and prints a query's text with user values escaped", async () => {
    const list = await runCaptured(["query", "--list"]);
    expect(list.stdout).toContain("tokens-by-application");
    const printed = await runCaptured(["query", "rollup", "--engine", "logs-insights", "--print"]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain('schemaType = "ModelInvocationLog"');
    expect(printed.stdout).toContain("bin(1h)");
  });

  it("simulates into a new folder and refuses bad arguments", async () => {
    const out = join(tempDir(), "logs");
    const ok = await runCaptured([
      "simulate",
      "--out",
      out,
      "--records",
      "300",
      "--from",
      "2026-10-01",
      "--to",
      "2026-10-03",
      "--seed",
      "3",
    ]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Simulated 300 Bedrock invocation records/);
    expect(readdirSync(out).sort()).toEqual([
      "AWSLogs",
      "amazon-bedrock-logs-permission-check",
      "application-profiles.json",
      "cur",
      "ground-truth.json",
    ]);
    for (const [args, message] of [
      [["--out", join(tempDir(), "x"), "--records", "0"], /--records/],
      [["--out", join(tempDir(), "y"), "--from", "2026-10-03", "--to", "2026-10-01"], /--to/],
      [["--out", out], /empty|exists/],
    ] as const) {
      const bad = await runCaptured(["simulate", ...args]);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});
