import { gzipSync } from "node:zlib";
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
import { describe, expect, it } from "vitest";
import { invocationRecord, logKey, tempDir, writeObject, writeRaw } from "../testing/fixtures";
import { createDirSource } from "./dir-source";
import { ingestObjects } from "./ingest";

function freshDb(): Db {
  const db = createDb(":memory:");
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-11-01T00:00:00Z"));
  return db;
}

async function ingestDir(db: Db, root: string, batchRecords?: number, threads?: number) {
  return ingestObjects({
    db,
    objects: await createDirSource(root),
    prices: PriceBook.load(db),
    batchRecords,
    threads,
  });
}

function totals(db: Db) {
  return totalOf(queryUsage(db, PriceBook.load(db), { from: "2026-01-01", to: "2027-01-01", by: [] }));
}

/**
 * Ten days of one object an hour per account, three records each, every hour also re-delivering
 * one earlier record 1 to `maxLate` hours late (varying, so no batch size lines up with it).
 * Returns how many re-deliveries were written.
 */
function writeLateHours(root: string, accounts: string[], maxLate: number): number {
  let planted = 0;
  const hourAt = (h: number) =>
    new Date(Date.parse("2026-10-01T00:00:00Z") + h * 3_600_000).toISOString().slice(0, 13);
  for (const account of accounts)
    for (let h = 0; h < 240; h++) {
      const record = (id: string, at: number) =>
        invocationRecord({
          requestId: `${account}-${id}`,
          timestamp: `${hourAt(at)}:10:00.000Z`,
          accountId: account,
        });
      const lines = [0, 1, 2].map((i) => record(`h${h}-${i}`, h));
      const back = 1 + ((h * 7919) % maxLate);
      if (h >= back) {
        lines.push(record(`h${h - back}-${h % 3}`, h - back));
        planted += 1;
      }
      writeObject(root, logKey(hourAt(h), `o${h}`, account), lines);
    }
  return planted;
}

describe("ingestObjects", () => {
  it("counts the four token buckets, errors and duplicates exactly, and prices them exactly", async () => {
    const root = tempDir();
    const cached = {
      inputContentType: "application/json",
      inputTokenCount: 1000,
      cacheReadInputTokenCount: 4000,
      cacheWriteInputTokenCount: 2000,
    };
    writeObject(root, logKey("2026-10-05T10", "a"), [
      invocationRecord({ requestId: "r1", input: cached, output: { outputTokenCount: 300 } }),
      invocationRecord({ requestId: "r2", errorCode: "ThrottlingException" }),
    ]);
    // r1 delivered again in a later object: counts once.
    writeObject(root, logKey("2026-10-05T11", "b"), [
      invocationRecord({ requestId: "r1", input: cached, output: { outputTokenCount: 300 } }),
      invocationRecord({
        requestId: "r3",
        modelId: "amazon.titan-embed-text-v2:0",
        operation: "InvokeModel",
        input: { inputTokenCount: 10 },
        output: {},
      }),
    ]);
    const db = freshDb();
    const summary = await ingestDir(db, root);
    expect(summary).toMatchObject({
      objectsIngested: 2,
      records: 3,
      requests: 2,
      errors: 1,
      duplicates: 1,
      quarantined: 0,
      status: "ok",
    });
    const t = totals(db);
    expect(t).toMatchObject({
      requests: 2,
      errors: 1,
      inputTokens: 1010,
      outputTokens: 300,
      cacheReadTokens: 4000,
      cacheWriteTokens: 2000,
      unpricedRequests: 0,
    });
    // haiku 4.5 geographic: 1.10 in, 5.50 out, 0.11 cache read, 1.375 cache write per 1M; titan v2 0.02 in.
    const expected =
      1000n * 1_100_000n + 300n * 5_500_000n + 4000n * 110_000n + 2000n * 1_375_000n + 10n * 20_000n;
    expect(t.costPico).toBe(expected);
  });

  it("uses the record's timestamp, not the delivery folder, for the hour", async () => {
    const root = tempDir();
    writeObject(root, logKey("2026-10-05T11", "late"), [
      invocationRecord({ requestId: "late-1", timestamp: "2026-10-05T10:59:59.999Z" }),
    ]);
    const db = freshDb();
    await ingestDir(db, root);
    const rows = queryUsage(db, PriceBook.load(db), {
      from: "2026-10-05",
      to: "2026-10-06",
      by: [],
      granularity: "hour",
    });
    expect(rows.map((r) => [r.period, r.requests])).toEqual([["2026-10-05T10:00:00Z", 1]]);
  });

  it("quarantines each kind of bad input with its place and reason, and ingests everything else", async () => {
    const root = tempDir();
    const good = (id: string) => invocationRecord({ requestId: id });
    const garbage = writeObject(root, logKey("2026-10-05T10", "garbage"), [
      good("g1"),
      "{not json",
      good("g2"),
    ]);
    const notGzip = writeRaw(root, logKey("2026-10-05T10", "plain"), `${JSON.stringify(good("p1"))}\n`);
    const empty = writeRaw(root, logKey("2026-10-05T10", "empty"), Buffer.alloc(0));
    const full = gzipSync(
      `${JSON.stringify(good("t1"))}\n${JSON.stringify(good("t2"))}\n${JSON.stringify(good("t3"))}\n`,
    );
    const truncated = writeRaw(
      root,
      logKey("2026-10-05T10", "truncated"),
      full.subarray(0, full.length - 12),
    );
    const wrongTypes = writeObject(root, logKey("2026-10-05T10", "types"), [
      good("w1"),
      invocationRecord({ requestId: "w2", input: { inputTokenCount: "12" } }),
      invocationRecord({ requestId: "w3", metadata: { tenant_id: 7 } }),
    ]);
    const huge = writeObject(root, logKey("2026-10-05T10", "huge"), [
      invocationRecord({ requestId: "h1", metadata: { tenant_id: "x".repeat(1024 * 1024) } }),
      good("h2"),
    ]);
    const db = freshDb();
    const summary = await ingestDir(db, root);
    const places = summary.quarantine.map((q) => [q.location, q.line, q.reason]);
    expect(places).toEqual(
      expect.arrayContaining([
        [empty, null, "empty object (0 bytes)"],
        [garbage, 2, expect.stringMatching(/^invalid JSON: /)],
        [huge, 1, "requestMetadata.tenant_id: value of 1048576 characters; Bedrock allows at most 256"],
        [notGzip, null, expect.stringMatching(/^not gzip data: /)],
        [
          truncated,
          expect.any(Number),
          expect.stringMatching(/^truncated gzip: the object ends after line \d$/),
        ],
        [wrongTypes, 2, 'input.inputTokenCount: expected a non-negative integer, got string "12"'],
        [wrongTypes, 3, "requestMetadata.tenant_id: expected a string, got number 7"],
      ]),
    );
    expect(summary.quarantined).toBe(7);
    expect(summary.status).toBe("partial");
    expect(summary.objectsRejected).toBe(2);
    // g1 g2 w1 h2 + whatever whole lines the truncated gzip still yielded before it ended.
    const truncatedRecords = summary.records - 4;
    expect(truncatedRecords).toBeGreaterThanOrEqual(0);
    expect(truncatedRecords).toBeLessThanOrEqual(2);
    expect(totals(db).requests).toBe(summary.records);
    const stored = db.$client.prepare("SELECT COUNT(*) FROM quarantine").pluck().get();
    expect(stored).toBe(7);
  });

  it("reads objects that inflate past 1 MB line by line, with the same places and reasons", async () => {
    // Over 1 MB inflated, a read-ahead object is inflated as a stream instead of whole.
    const lines = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify(invocationRecord({ requestId: `L${i}` })),
    );
    lines[2500] = "{not json";
    const text = `${lines.join("\n")}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
    const root = tempDir();
    const whole = writeRaw(root, logKey("2026-10-05T10", "large"), gzipSync(text));
    const gz = gzipSync(lines.map((l, i) => l.replace('"L', `"T${i}-`)).join("\n"));
    const cut = writeRaw(root, logKey("2026-10-05T11", "large-truncated"), gz.subarray(0, gz.length - 40));
    const db = freshDb();
    const summary = await ingestDir(db, root, 1000);
    expect(summary.quarantine.map((q) => [q.location, q.line, q.reason])).toEqual([
      [whole, 2501, expect.stringMatching(/^invalid JSON: /)],
      [cut, 2501, expect.stringMatching(/^invalid JSON: /)],
      [cut, expect.any(Number), expect.stringMatching(/^truncated gzip: the object ends after line \d+$/)],
    ]);
    const endedAfter = Number(/after line (\d+)$/.exec(summary.quarantine[2]?.reason ?? "")?.[1]);
    expect(endedAfter).toBeGreaterThan(3900);
    // Every good line of the whole object, and every whole line before the cut.
    expect(summary.records).toBe(3999 + (endedAfter - 1));
    expect(totals(db).requests).toBe(summary.records);
  });

  it("reports damaged objects with their place and reason, by the way their trailer sends them", async () => {
    const lines = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify(invocationRecord({ requestId: `D${i}` })),
    );
    const gz = gzipSync(`${lines.join("\n")}\n`);
    const badCrc = Buffer.from(gz);
    badCrc[badCrc.length - 8] = (badCrc[badCrc.length - 8] ?? 0) ^ 1; // CRC32 of the data
    const badLength = Buffer.from(gz);
    badLength[badLength.length - 1] = 0x7f; // ISIZE now claims ~2 GB: streamed, stops at the check
    const root = tempDir();
    const crcKey = writeRaw(root, logKey("2026-10-05T10", "bad-crc"), badCrc);
    const lengthKey = writeRaw(root, logKey("2026-10-05T11", "bad-length"), badLength);
    const db = freshDb();
    const summary = await ingestDir(db, root);
    expect(summary.quarantine.map((q) => [q.location, q.line, q.reason])).toEqual([
      [crcKey, null, "not gzip data: incorrect data check"],
      [
        lengthKey,
        expect.any(Number),
        expect.stringMatching(/^read failed after line \d+: incorrect length check$/),
      ],
    ]);
    expect(summary.objectsRejected).toBe(1);
    // The streamed one counts the lines it read before the damage showed, and says where it stopped.
    const readLines = Number(/after line (\d+)/.exec(summary.quarantine[1]?.reason ?? "")?.[1]);
    expect(summary.quarantine[1]?.line).toBe(readLines + 1);
    expect(summary.records).toBe(readLines);
    expect(totals(db).requests).toBe(readLines);
  });

  it("stops the run when the store fails mid-object, instead of calling the object unreadable", async () => {
    const lines = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify(invocationRecord({ requestId: `S${i}` })),
    );
    const root = tempDir();
    writeRaw(root, logKey("2026-10-05T10", "large"), gzipSync(lines.join("\n")));
    const db = freshDb();
    // A failure that happens once (like a full disk that is then freed): swallowed, it would let
    // the run go on and commit around the lost batch.
    db.$client.exec(`CREATE TABLE fail_once (armed INTEGER); INSERT INTO fail_once VALUES (1);
      CREATE TRIGGER full BEFORE INSERT ON usage_hourly_rows WHEN (SELECT armed FROM fail_once) = 1
      BEGIN UPDATE fail_once SET armed = 0; SELECT RAISE(FAIL, 'database or disk is full (test)'); END`);
    await expect(ingestDir(db, root, 500)).rejects.toThrow(/disk is full/);
    expect(db.$client.prepare("SELECT COUNT(*) FROM ingested_objects").pluck().get()).toBe(0);
    expect(db.$client.prepare("SELECT COUNT(*) FROM quarantine").pluck().get()).toBe(0);
    expect(db.$client.inTransaction).toBe(false);
  });

  it("is a no-op when run again over the same objects", async () => {
    const root = tempDir();
    writeObject(root, logKey("2026-10-05T10", "a"), [
      invocationRecord({ requestId: "a1" }),
      invocationRecord({ requestId: "a2" }),
    ]);
    const db = freshDb();
    const first = await ingestDir(db, root);
    const before = totals(db);
    const second = await ingestDir(db, root);
    expect(first.objectsIngested).toBe(1);
    expect(second).toMatchObject({ objectsIngested: 0, objectsSkipped: 1, records: 0, duplicates: 0 });
    expect(totals(db)).toEqual(before);
  });

  it("skips sidecars under data/, the permission-check marker and non-invocation records", async () => {
    const root = tempDir();
    writeObject(root, logKey("2026-10-05T10", "a"), [
      invocationRecord({ requestId: "a1" }),
      { schemaType: "SomethingElse", requestId: "x" },
    ]);
    writeObject(
      root,
      "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/05/10/data/u_input.json.gz",
      [{ messages: [] }],
    );
    writeRaw(root, "amazon-bedrock-logs-permission-check", "");
    const db = freshDb();
    const summary = await ingestDir(db, root);
    expect(summary).toMatchObject({ objectsListed: 1, records: 1, notInvocationLogs: 1, quarantined: 0 });
  });

  it("flags usage of a model without a price instead of pricing it at zero", async () => {
    const root = tempDir();
    writeObject(root, logKey("2026-10-05T10", "a"), [
      invocationRecord({ requestId: "m1", modelId: "mistral.mistral-large-2407-v1:0" }),
      invocationRecord({ requestId: "m2" }),
    ]);
    const db = freshDb();
    const summary = await ingestDir(db, root);
    expect(summary.unpricedModels).toEqual([{ model: "mistral.mistral-large-2407-v1:0", requests: 1 }]);
    const t = totals(db);
    expect(t.unpricedRequests).toBe(1);
    expect(t.unpricedModels).toEqual(["mistral.mistral-large-2407-v1:0"]);
    expect(t.costPico).toBe(100n * 1_100_000n + 50n * 5_500_000n);
  });

  it("gives exact totals after a run dies part-way and is run again", async () => {
    const root = tempDir();
    const ids: string[] = [];
    for (let o = 0; o < 40; o++) {
      const lines = Array.from({ length: 7 }, (_, i) => {
        const id = `c-${o}-${i}`;
        ids.push(id);
        return invocationRecord({ requestId: id, input: { inputTokenCount: o * 10 + i } });
      });
      writeObject(root, logKey("2026-10-05T10", `o${o}`), lines);
    }
    const reference = freshDb();
    await ingestDir(reference, root);
    const db = freshDb();
    const source = await createDirSource(root);
    let opened = 0;
    const dying = {
      ...source,
      list: async function* () {
        for await (const ref of source.list()) {
          opened += 1;
          // Past the read-ahead window (16), so some objects were processed and committed.
          if (opened === 30) throw new Error("simulated crash");
          yield ref;
        }
      },
    };
    await expect(
      ingestObjects({ db, objects: dying, prices: PriceBook.load(db), batchRecords: 5 }),
    ).rejects.toThrow("simulated crash");
    const partial = totals(db).requests;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(280);
    const rerun = await ingestDir(db, root, 5);
    expect(totals(db)).toEqual(totals(reference));
    expect(totals(db).requests).toBe(280);
    expect(rerun.records + partial).toBe(280);
  });

  it("dedupes across batches when the listing goes back in time (a second account's month after the first's)", async () => {
    const root = tempDir();
    // Keys sort by account before time: account 1's ten days are listed, then account 2's from
    // the first day again. Re-deliveries 1–6 hours late, so batches of 20 records often fall
    // between a record and its re-delivery.
    const planted = writeLateHours(root, ["111111111111", "222222222222"], 6);
    const db = freshDb();
    const summary = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
      batchRecords: 20,
      threads: 1,
      dedupeWindowHours: 24,
    });
    expect(summary).toMatchObject({ records: 1440, duplicates: planted });
    expect(totals(db).requests).toBe(1440);
    // At the end, the window before the newest record: 25 hours of each account's ids.
    expect(db.$client.prepare("SELECT COUNT(*) FROM seen_requests").pluck().get()).toBe(2 * 75);
  });

  it("measures the window from the run's clock at the latest, so a line stamped in the future cannot make every id look old", async () => {
    const root = tempDir();
    writeLateHours(root, ["111122223333"], 6);
    // One line from 2099 (a broken clock upstream): counted, but not "the newest record".
    writeObject(root, logKey("2026-10-10T23", "stray"), [
      invocationRecord({ requestId: "from-2099", timestamp: "2099-01-01T00:00:00.000Z" }),
    ]);
    const db = freshDb();
    const ingest = (dir: string) =>
      createDirSource(dir).then((objects) =>
        ingestObjects({
          db,
          objects,
          prices: PriceBook.load(db),
          batchRecords: 20,
          dedupeWindowHours: 24,
          now: () => new Date("2026-10-11T00:30:00Z"),
        }),
      );
    expect(await ingest(root)).toMatchObject({ records: 721 });
    // A re-delivery of the last day's record, in the next run: still within the window.
    const late = tempDir();
    writeObject(late, logKey("2026-10-11T00", "late"), [
      invocationRecord({ requestId: "111122223333-h230-0", timestamp: "2026-10-10T14:10:00.000Z" }),
    ]);
    expect(await ingest(late)).toMatchObject({ records: 0, duplicates: 1 });
  });

  it("forgets requestIds outside the window as batches commit, so a long run holds about a window of them", async () => {
    const root = tempDir();
    // Re-deliveries 1–20 hours late: inside the 24-hour window, so always caught.
    const planted = writeLateHours(root, ["111122223333"], 20);
    const db = freshDb();
    const spans: number[] = [];
    const summary = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
      batchRecords: 20,
      threads: 1,
      dedupeWindowHours: 24,
      onProgress: () => {
        const { oldest, newest } = db.$client
          .prepare("SELECT MIN(hour) AS oldest, MAX(hour) AS newest FROM seen_requests")
          .get() as { oldest: number; newest: number };
        spans.push(newest - oldest);
      },
    });
    expect(summary).toMatchObject({ records: 720, duplicates: planted });
    expect(totals(db).requests).toBe(720);
    // After every commit the table spans at most the window: ten days were read, never held.
    expect(spans.length).toBeGreaterThan(30);
    expect(Math.max(...spans)).toBe(24);
  });
});

describe("ingestObjects (property)", () => {
  it("conserves totals under any split into objects and batches, with duplicates re-delivered anywhere", async () => {
    const fc = (await import("fast-check")).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            input: fc.integer({ min: 0, max: 100_000 }),
            output: fc.integer({ min: 0, max: 10_000 }),
            cacheRead: fc.integer({ min: 0, max: 50_000 }),
            tenant: fc.constantFrom("a", "b", null),
            failed: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        // 1: parsed on the writer's thread; 2: on a parse thread once more than 16 objects are read.
        fc.constantFrom(1, 2),
        async (specs, objectSizes, batchRecords, duplicates, threads) => {
          const records = specs.map((s, i) =>
            invocationRecord({
              requestId: `p-${i}`,
              metadata: s.tenant ? { tenant_id: s.tenant } : null,
              ...(s.failed ? { errorCode: "ThrottlingException" } : {}),
              input: { inputTokenCount: s.input, cacheReadInputTokenCount: s.cacheRead },
              output: { outputTokenCount: s.output },
            }),
          );
          const lines = [
            ...records,
            ...duplicates.map((d) => records[d % records.length] ?? records[0] ?? {}),
          ];
          const root = tempDir("prop-");
          let at = 0;
          for (let o = 0; at < lines.length; o++) {
            const size = objectSizes[o % objectSizes.length] ?? 1;
            writeObject(
              root,
              logKey("2026-10-05T10", `o${String(o).padStart(3, "0")}`),
              lines.slice(at, at + size),
            );
            at += size;
          }
          const db = freshDb();
          await ingestDir(db, root, batchRecords, threads);
          const t = totals(db);
          const ok = specs.filter((s) => !s.failed);
          expect(t.requests).toBe(ok.length);
          expect(t.errors).toBe(specs.length - ok.length);
          expect(t.inputTokens).toBe(ok.reduce((a, s) => a + s.input, 0));
          expect(t.outputTokens).toBe(ok.reduce((a, s) => a + s.output, 0));
          expect(t.cacheReadTokens).toBe(ok.reduce((a, s) => a + s.cacheRead, 0));
          // The derived day and month tables took the same deltas as the hours.
          const sums = (table: string) =>
            db.$client
              .prepare(`SELECT SUM(requests) AS r, SUM(errors) AS e, SUM(input_tokens) AS i FROM ${table}`)
              .get();
          expect(sums("usage_daily")).toEqual(sums("usage_hourly"));
          expect(sums("usage_monthly")).toEqual(sums("usage_hourly"));
          db.$client.close();
        },
      ),
      { numRuns: 40 },
    );
  });
});
