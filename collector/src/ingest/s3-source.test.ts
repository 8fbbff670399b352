import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  createDb,
  loadCatalog,
  PriceBook,
  queryUsage,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
  totalOf,
} from "@bedrock-chargeback/ledger";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invocationRecord, logKey, tempDir, writeObject, writeRaw } from "../testing/fixtures";
import { type S3Stand, startS3rver } from "../testing/s3rver";
import { createDirSource } from "./dir-source";
import { ingestObjects } from "./ingest";
import { createS3Source } from "./s3-source";

describe("S3 source against s3rver (real S3 wire protocol on loopback)", () => {
  let s3: S3Stand;
  beforeAll(async () => {
    s3 = await startS3rver(["logs"]);
  }, 30_000);
  afterAll(async () => {
    await s3?.stop();
  });

  it("pages ListObjectsV2, streams GetObject and ingests the same totals as the folder", async () => {
    const root = tempDir();
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      keys.push(logKey(`2026-10-0${i + 1}T08`, `20261001T080000000Z_${i}`));
      writeObject(root, keys[i] ?? "", [
        invocationRecord({
          requestId: `s3-${i}-a`,
          timestamp: `2026-10-0${i + 1}T08:01:00Z`,
          input: { inputTokenCount: 10 * (i + 1), cacheReadInputTokenCount: i },
        }),
        invocationRecord({ requestId: `s3-${i}-b`, timestamp: `2026-10-0${i + 1}T08:02:00Z` }),
      ]);
    }
    const sidecar =
      "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/01/08/data/x_input.json.gz";
    writeObject(root, sidecar, [{ messages: [] }]);
    writeRaw(root, "amazon-bedrock-logs-permission-check", "");
    const client = new S3Client({
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    for (const key of [...keys, sidecar, "amazon-bedrock-logs-permission-check"]) {
      await client.send(
        new PutObjectCommand({ Bucket: "logs", Key: `bedrock/${key}`, Body: readFileSync(join(root, key)) }),
      );
    }

    const viaS3 = createDb(":memory:");
    syncCatalog(viaS3, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
    const summary = await ingestObjects({
      db: viaS3,
      objects: createS3Source({ client, bucket: "logs", prefix: "bedrock/", pageSize: 2 }),
      prices: PriceBook.load(viaS3),
    });
    expect(summary).toMatchObject({ objectsListed: 5, objectsIngested: 5, records: 10, quarantined: 0 });

    const viaDir = createDb(":memory:");
    syncCatalog(viaDir, loadCatalog(SHIPPED_CATALOG_PATH), "catalog");
    await ingestObjects({ db: viaDir, objects: await createDirSource(root), prices: PriceBook.load(viaDir) });
    const q = { from: "2026-10-01", to: "2026-11-01", by: ["tenant" as const], granularity: "day" as const };
    expect(queryUsage(viaS3, PriceBook.load(viaS3), q)).toEqual(
      queryUsage(viaDir, PriceBook.load(viaDir), q),
    );
    expect(totalOf(queryUsage(viaS3, PriceBook.load(viaS3), q))).toMatchObject({
      requests: 10,
      inputTokens: 150 + 500,
      cacheReadTokens: 10,
    });

    // The ledger key is the same whether the object came from S3 or a folder: no double count.
    const again = await ingestObjects({
      db: viaS3,
      objects: await createDirSource(root),
      prices: PriceBook.load(viaS3),
    });
    expect(again).toMatchObject({ objectsSkipped: 5, records: 0 });
  });
});

describe("S3 source: a body cut short is a failed read", () => {
  it("fails the stream with INCOMPLETE_BODY when the body ends before its Content-Length", async () => {
    const client = new S3Client({ region: "us-east-1" });
    const s3 = mockClient(client);
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: logKey("2026-10-05T10", "short"), Size: 100 }],
      IsTruncated: false,
    });
    // Any client whose body ends quietly (no socket error) after 40 of 100 bytes.
    s3.on(GetObjectCommand).callsFake(async () => ({
      Body: Readable.from([Buffer.alloc(40, 1)]),
      ContentLength: 100,
    }));
    const source = createS3Source({ client, bucket: "logs", prefix: "" });
    const refs = [];
    for await (const item of source.list()) if ("open" in item) refs.push(item);
    expect(refs).toHaveLength(1);
    const body = await refs[0]?.open();
    const read = (async () => {
      for await (const _ of body ?? []) {
        // drain
      }
    })();
    await expect(read).rejects.toMatchObject({
      code: "INCOMPLETE_BODY",
      message: `s3://logs/${logKey("2026-10-05T10", "short")}: body ended after 40 of 100 bytes`,
    });
    s3.restore();
  });
});
