/**
 * S3 faults on the wire (a proxy on 127.0.0.1 in front of s3rver): 503 SlowDown, reset
 * connections, GetObject bodies cut short. Whatever the faults, once they clear every record counts
 * exactly once (the simulator's ground truth), and each run's summary says what was retried and
 * what was left for the next run (docs/adr/0003-exactly-once.md).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  createDb,
  type Db,
  loadCatalog,
  PriceBook,
  queryUsage,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  totalOf,
} from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulate } from "../simulate/simulate";
import { parseGroundTruth } from "../simulate/truth";
import { type FaultProxy, startFaultProxy } from "../testing/fault-proxy";
import { tempDir } from "../testing/fixtures";
import { type S3Stand, startS3rver } from "../testing/s3rver";
import { ingestObjects } from "./ingest";
import type { RetryPolicy } from "./retry";
import { createS3Source } from "./s3-source";

const FAST: RetryPolicy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, sleep: async () => {} };
const PREFIX = "bedrock/";

let s3: S3Stand;
let proxy: FaultProxy;
let client: S3Client;
let keys: string[];
let truth: {
  requests: number;
  errors: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
};

beforeAll(async () => {
  s3 = await startS3rver(["logs"]);
  proxy = await startFaultProxy(s3.endpoint);
  const out = tempDir("s3-faults-");
  await simulate({
    out,
    from: "2026-10-01",
    to: "2026-10-02",
    records: 500,
    seed: 7,
    bodies: false,
    writeTruth: true,
  });
  const rows = parseGroundTruth(JSON.parse(readFileSync(join(out, "ground-truth.json"), "utf8"))).rows;
  truth = { requests: 0, errors: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  for (const r of rows) {
    truth.requests += r.requests;
    truth.errors += r.errors;
    truth.input += r.input_tokens;
    truth.output += r.output_tokens;
    truth.cacheRead += r.cache_read_input_tokens;
    truth.cacheWrite += r.cache_write_input_tokens;
  }
  // The SDK's own retries off: the ingest's policy is the one under test.
  client = new S3Client({
    region: "us-east-1",
    endpoint: proxy.endpoint,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
  });
  keys = readdirSync(out, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".json.gz"))
    .sort();
  for (const key of keys)
    await client.send(
      new PutObjectCommand({ Bucket: "logs", Key: `${PREFIX}${key}`, Body: readFileSync(join(out, key)) }),
    );
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await s3?.stop();
});

function freshDb(): Db {
  const db = createDb(":memory:");
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-11-01T00:00:00Z"));
  return db;
}

function totalsOf(db: Db) {
  const t = totalOf(queryUsage(db, PriceBook.load(db), { from: "2026-09-01", to: "2026-11-01", by: [] }));
  return {
    requests: t.requests,
    errors: t.errors,
    input: t.inputTokens,
    output: t.outputTokens,
    cacheRead: t.cacheReadTokens,
    cacheWrite: t.cacheWriteTokens,
  };
}

function ingest(db: Db, pageSize = 1000) {
  return ingestObjects({
    db,
    objects: createS3Source({ client, bucket: "logs", prefix: PREFIX, pageSize, retry: FAST }),
    prices: PriceBook.load(db),
    retry: FAST,
  });
}

const url = (key: string) => `s3://logs/${PREFIX}${key}`;
const getsOf = (key: string) => proxy.log.filter((r) => r.method === "GET" && r.path.includes(key)).length;

describe("ingest from S3 through injected faults", () => {
  it("retries 503 SlowDown, reset connections and bodies cut short, and counts every record once", async () => {
    const [slow, reset, cut] = [keys[3] ?? "", keys[10] ?? "", keys[20] ?? ""];
    proxy.log.length = 0;
    proxy.setRules([
      { match: "list-type=2", fault: "slow-down", times: 1 },
      { match: slow, method: "GET", fault: "slow-down", times: 2 },
      { match: reset, method: "GET", fault: "reset", times: 2 },
      { match: cut, method: "GET", fault: "truncate", times: 2 },
    ]);
    const db = freshDb();
    const summary = await ingest(db);
    expect(summary).toMatchObject({
      status: "ok",
      objectsListed: keys.length,
      objectsIngested: keys.length,
      objectsUnread: 0,
      unread: [],
      unlisted: [],
      quarantined: 0,
    });
    expect(summary.retried).toEqual(
      expect.arrayContaining([
        {
          location: `s3://logs/${PREFIX} (ListObjectsV2 page 1)`,
          reason: expect.stringMatching(/SlowDown|HTTP 503/),
          attempts: 2,
        },
        { location: url(slow), reason: expect.stringMatching(/HTTP 503/), attempts: 3 },
        { location: url(reset), reason: expect.stringMatching(/ECONNRESET|socket hang up/), attempts: 3 },
        {
          location: url(cut),
          reason: expect.stringMatching(/^aborted \[ECONNRESET\]$|body ended after/),
          attempts: 3,
        },
      ]),
    );
    expect(summary.retried).toHaveLength(4);
    expect([getsOf(slow), getsOf(reset), getsOf(cut)]).toEqual([3, 3, 3]);
    expect(totalsOf(db)).toEqual(truth);
    expect(summary.records).toBe(truth.requests + truth.errors);
  }, 60_000);

  it("leaves an object whose fault outlasts the retries out of the ledger, names it, and reads it next run", async () => {
    const stuck = keys[5] ?? "";
    proxy.log.length = 0;
    proxy.setRules([{ match: stuck, method: "GET", fault: "truncate", times: 100 }]);
    const db = freshDb();
    const first = await ingest(db);
    expect(first).toMatchObject({ status: "incomplete", objectsUnread: 1, objectsIngested: keys.length - 1 });
    expect(first.unread).toEqual([
      {
        key: expect.stringMatching(/^AWSLogs\//),
        location: url(stuck),
        reason: expect.stringMatching(/^aborted \[ECONNRESET\]$|body ended after/),
        attempts: 4,
      },
    ]);
    expect(getsOf(stuck)).toBe(4);
    expect(db.$client.prepare("SELECT COUNT(*) FROM ingested_objects").pluck().get()).toBe(keys.length - 1);
    expect(db.$client.prepare("SELECT COUNT(*) FROM quarantine").pluck().get()).toBe(0);
    expect(totalsOf(db).requests).toBeLessThan(truth.requests);

    proxy.setRules([]);
    const second = await ingest(db);
    expect(second).toMatchObject({ status: "ok", objectsIngested: 1, objectsSkipped: keys.length - 1 });
    expect(totalsOf(db)).toEqual(truth);
  }, 60_000);

  it("says the listing is incomplete when a page keeps failing, ingests what it listed, and finishes next run", async () => {
    proxy.log.length = 0;
    // Page 1 answers; every later page fails until the fault clears.
    proxy.setRules([{ match: "continuation-token=", fault: "slow-down", times: 100 }]);
    const db = freshDb();
    const first = await ingest(db, 10);
    expect(first).toMatchObject({
      status: "incomplete",
      objectsListed: 10,
      objectsIngested: 10,
      objectsUnread: 0,
    });
    expect(first.unlisted).toEqual([
      {
        location: `s3://logs/${PREFIX} (ListObjectsV2 page 2)`,
        reason: expect.stringMatching(/^listing stopped: .*HTTP 503/),
        attempts: 4,
      },
    ]);
    expect(db.$client.prepare("SELECT status, message FROM ingest_runs").get()).toEqual({
      status: "incomplete",
      message: expect.stringMatching(/^listing incomplete: /),
    });

    proxy.setRules([]);
    const second = await ingest(db, 10);
    expect(second).toMatchObject({ status: "ok", objectsIngested: keys.length - 10, objectsSkipped: 10 });
    expect(totalsOf(db)).toEqual(truth);
  }, 60_000);
});
