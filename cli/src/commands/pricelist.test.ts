/**
 * `prices sync --from-file` and application inference profiles mapped after ingest, through the
 * CLI as a user runs them (issue #13 items 1 and 3).
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { invocationRecord, logKey, tempDir, writeObject } from "@bedrock-chargeback/collector/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCaptured } from "../testing";

const ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/k7q2m9xw4b1p";
const HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0";
const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../ledger/src/pricing/fixtures/${name}`, import.meta.url));

/** A store with 1M input + 100k output tokens on the ARN in September and again in October. */
async function storeWithProfileUsage(extra: string[] = []): Promise<{ db: string; ingest: string }> {
  const root = tempDir();
  for (const [hour, id] of [
    ["2026-09-20T10", "s"],
    ["2026-10-05T10", "o"],
  ] as const)
    writeObject(root, logKey(hour, id), [
      invocationRecord({
        requestId: id,
        modelId: ARN,
        timestamp: `${hour}:15:00.000Z`,
        input: { inputTokenCount: 1_000_000 },
        output: { outputTokenCount: 100_000 },
      }),
    ]);
  const db = join(tempDir(), "store.db");
  const ingest = await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db, ...extra]);
  expect(ingest.code).toBe(0);
  return { db, ingest: ingest.stdout };
}

async function costByMonth(db: string, from: string, to: string) {
  const out = await runCaptured([
    "report",
    "--db",
    db,
    "--from",
    from,
    "--to",
    to,
    "--by",
    "model",
    "--format",
    "json",
  ]);
  expect(out.code).toBe(0);
  return (JSON.parse(out.stdout) as { model: string; cost_usd: number; unpriced_requests: number }[]).map(
    (r) => [r.model, r.cost_usd, r.unpriced_requests],
  );
}

describe("application inference profiles mapped after ingest", () => {
  it("ingest unmapped → unpriced; profiles map → open month priced, closed month untouched", async () => {
    const { db, ingest } = await storeWithProfileUsage();
    expect(ingest).toContain(`UNRESOLVED ${ARN}: no Bedrock client and not in the mapping file`);
    expect(ingest).toContain(`${ARN}: 2 requests`);
    expect((await runCaptured(["periods", "close", "2026-09", "--db", db])).code).toBe(0);

    const mapped = await runCaptured(["profiles", "map", ARN, `us.${HAIKU}`, "--db", db, "--format", "json"]);
    expect(mapped.code).toBe(0);
    expect(JSON.parse(mapped.stdout)).toMatchObject({
      reresolvedMonths: ["2026-10"],
      skippedClosedMonths: ["2026-09"],
      hourlyRowsChanged: 1,
    });
    // October: 1M × $1.10 + 0.1M × $5.50 (Haiku 4.5, geographic, shipped catalog) = $1.65.
    expect(await costByMonth(db, "2026-10-01", "2026-11-01")).toEqual([[HAIKU, 1.65, 0]]);
    // September was closed before the mapping: still the ARN, still unpriced.
    expect(await costByMonth(db, "2026-09-01", "2026-10-01")).toEqual([[ARN, 0, 1]]);
    // The mapping is stored: a later ingest resolves the ARN when it writes.
    expect(JSON.parse((await runCaptured(["profiles", "list", "--db", db])).stdout)).toEqual({
      [ARN]: `us.${HAIKU}`,
    });
  });

  it("refuses a target that is not a model id", async () => {
    const { db } = await storeWithProfileUsage();
    const out = await runCaptured(["profiles", "map", ARN, ARN, "--db", db]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("is not a model id or system inference profile id");
  });
});

describe("ingest resolves new profile ARNs through GetInferenceProfile (mocked Bedrock on loopback)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("calls it once per ARN, caches the answer in the store and prices the open months", async () => {
    const paths: string[] = [];
    server = createServer((req, res) => {
      paths.push(String(req.url));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          inferenceProfileArn: ARN,
          inferenceProfileName: "code-review",
          inferenceProfileId: "k7q2m9xw4b1p",
          status: "ACTIVE",
          type: "APPLICATION",
          models: [{ modelArn: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}` }],
        }),
      );
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDLOOPBACK");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "loopback-secret");
    const { db, ingest } = await storeWithProfileUsage([
      "--profile-lookup",
      "api",
      "--endpoint",
      endpoint,
      "--region",
      "us-east-1",
    ]);
    expect(paths).toEqual([`/inference-profiles/${encodeURIComponent(ARN)}`]);
    expect(ingest).toContain(`${ARN} → ${HAIKU}`);
    expect(ingest).not.toContain("UNPRICED");
    // In-region Haiku 4.5: 1M × $1.10 + 0.1M × $5.50 in each month (both open).
    expect(await costByMonth(db, "2026-09-01", "2026-11-01")).toEqual([[HAIKU, 3.3, 0]]);
    // Cached in the store (the table `collect` and `profiles map` share).
    expect(JSON.parse((await runCaptured(["profiles", "list", "--db", db])).stdout)).toEqual({
      [ARN]: HAIKU,
    });
  });
});

describe("chargeback prices sync --from-file", () => {
  it("JSON offer (dry run): lists the unknown SKUs, leaves out a model with no output SKU, exit 3", async () => {
    const { db } = await storeWithProfileUsage();
    const dry = await runCaptured([
      "prices",
      "sync",
      "--from-file",
      fixture("offer-sample.json"),
      "--dry-run",
      "--db",
      db,
    ]);
    expect(dry.code).toBe(3);
    expect(dry.stdout).toContain("(dry run: nothing written)");
    expect(dry.stdout).toContain(
      'UNKNOWN SKU SYNTHUNKNOWN0001 USE1-MysteryModel-input-tokens (Mystery Model): name "Mystery Model" is not in ledger/prices/model-names.json',
    );
    expect(dry.stdout).toContain(
      'UNKNOWN SKU SYNTHLONGCTX0001 USE1-Claude2.0-input-tokens-long-context (Claude 2.0): unknown usagetype modifier "long"',
    );
    // Claude 2.0 has an input SKU only: left out, never half-priced.
    expect(dry.stdout).toContain("LEFT OUT anthropic.claude-v2 us-east-1 regional: no output SKU");
  });

  it("CSV offer: the shipped catalog already has the Tokyo Nova Pro Price List rows, so nothing is added", async () => {
    const { db } = await storeWithProfileUsage();
    const first = await runCaptured([
      "prices",
      "sync",
      "--from-file",
      fixture("offer-sample.csv"),
      "--db",
      db,
      "--format",
      "json",
    ]);
    expect(first.code).toBe(3); // the SYNTHETIC unknown SKU of the fixture
    const report = JSON.parse(first.stdout);
    expect(
      report.changes.map(
        (c: { kind: string; scope: string; region: string; proposed: { input: string } }) => [
          c.kind,
          c.scope,
          c.region,
          c.proposed.input,
        ],
      ),
    ).toEqual([
      ["unchanged", "in_region", "ap-northeast-1", "0.96"],
      ["unchanged", "geographic", "ap-northeast-1", "0.96"],
    ]);
    expect(report.inserted).toBe(0);
    expect(report.not_applicable).toEqual([
      expect.objectContaining({
        usagetype: "APN1-NovaPro-input-tokens-batch",
        tier: "batch",
        usd_per_million: "0.48",
      }),
    ]);
  });
});

describe("chargeback prices sync against a loopback Price List API", () => {
  let server: Server | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it("reads every page through the SDK, adds the changed rows dated the day read, reprices from that month", async () => {
    // Real published Tokyo items, with the Nova Pro input price SYNTHETICALLY changed to 1.00 per
    // 1K tokens, so that the sync has something to change.
    const items = (
      JSON.parse(
        readFileSync(
          fileURLToPath(new URL("../../../ledger/prices/sources/price-list-items.json", import.meta.url)),
          "utf8",
        ),
      ) as { sets: { items: { product: { sku: string; attributes: Record<string, string> } }[] }[] }
    ).sets
      .flatMap((set) => set.items)
      .filter((i) => i.product.attributes.regionCode === "ap-northeast-1")
      .map((i) =>
        i.product.sku === "MW5E2RRQFRGR96C3"
          ? JSON.parse(JSON.stringify(i).replace('"0.0009600000"', '"0.0010000000"'))
          : i,
      );
    const bodies: Record<string, unknown>[] = [];
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        bodies.push(body);
        const all = body.ServiceCode === "AmazonBedrock" ? items : [];
        const offset = Number(body.NextToken ?? 0);
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(
          JSON.stringify({
            FormatVersion: "aws_v1",
            PriceList: all.slice(offset, offset + 4).map((i) => JSON.stringify(i)),
            ...(offset + 4 < all.length ? { NextToken: String(offset + 4) } : {}),
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDLOOPBACK");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "loopback-secret");

    // Nova Pro usage in Tokyo in a closed September and an open October.
    const root = tempDir();
    for (const [hour, id] of [
      ["2026-09-20T10", "s"],
      ["2026-10-05T10", "o"],
    ] as const)
      writeObject(root, logKey(hour, id), [
        invocationRecord({
          requestId: id,
          modelId: "amazon.nova-pro-v1:0",
          region: "ap-northeast-1",
          timestamp: `${hour}:15:00.000Z`,
          input: { inputTokenCount: 1_000_000 },
          output: { outputTokenCount: 0 },
        }),
      ]);
    const db = join(tempDir(), "store.db");
    expect((await runCaptured(["ingest", "--source", "dir", "--path", root, "--db", db])).code).toBe(0);
    expect((await runCaptured(["periods", "close", "2026-09", "--db", db])).code).toBe(0);

    const out = await runCaptured(
      [
        "prices",
        "sync",
        "--region",
        "ap-northeast-1",
        "--endpoint",
        endpoint,
        "--db",
        db,
        "--format",
        "json",
      ],
      new Date("2026-10-20T12:00:00Z"),
    );
    expect(out.code).toBe(0);
    expect(out.stderr).toBe("prices sync: 9 Price List items in 5 page(s)\n");
    expect(bodies.map((b) => [b.ServiceCode, b.NextToken ?? null])).toEqual([
      ["AmazonBedrock", null],
      ["AmazonBedrock", "4"],
      ["AmazonBedrock", "8"],
      ["AmazonBedrockFoundationModels", null],
      ["AmazonBedrockService", null],
    ]);
    const report = JSON.parse(out.stdout);
    expect(report.inserted).toBe(2);
    // Repriced from the month the new rows apply from; closed September is not even in range.
    expect(report.reprice).toMatchObject({ repricedMonths: ["2026-10"], skippedClosedMonths: [] });
    // The synced row applies from the day it was read (the items carry no effectiveDate).
    expect(report.changes.filter((c: { kind: string }) => c.kind === "changed")).toEqual([
      expect.objectContaining({ scope: "in_region", region: "ap-northeast-1", effectiveFrom: "2026-10-20" }),
      expect.objectContaining({ scope: "geographic", region: "ap-northeast-1", effectiveFrom: "2026-10-20" }),
    ]);
    // 1M input tokens at the shipped Tokyo price ($0.96) in both months: the new $1.00 row applies
    // from 2026-10-20, after the usage day, so the repriced October keeps $0.96; September is closed.
    expect(await costByMonth(db, "2026-09-01", "2026-11-01")).toEqual([["amazon.nova-pro-v1:0", 1.92, 0]]);
    const list = JSON.parse(
      (await runCaptured(["prices", "list", "--origin", "pricelist", "--format", "json", "--db", db])).stdout,
    );
    expect(
      list.map((p: { region: string; inputMicros: number; effectiveFrom: string }) => [
        p.region,
        p.inputMicros,
        p.effectiveFrom,
      ]),
    ).toEqual([
      ["ap-northeast-1", 1_000_000, "2026-10-20"],
      ["ap-northeast-1", 1_000_000, "2026-10-20"],
    ]);
  });
});
