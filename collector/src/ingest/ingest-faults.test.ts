/**
 * Faults around the ingest (docs/adr/0003-exactly-once.md): a read that failed is not a read, an
 * unreadable folder does not stop the run, a run that fails says so, one ingest per store, a full
 * disk is named, and every line or object passed over is reported with its place.
 */
import { join } from "node:path";
import { Readable } from "node:stream";
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
import { createDirSource, nodeDirFs } from "./dir-source";
import { ingestObjects } from "./ingest";
import type { ObjectRef, ObjectSource } from "./object-source";

const FAST = { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };

function freshDb(path = ":memory:"): Db {
  const db = createDb(path);
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-11-01T00:00:00Z"));
  return db;
}

function totals(db: Db) {
  return totalOf(queryUsage(db, PriceBook.load(db), { from: "2026-01-01", to: "2027-01-01", by: [] }));
}

function count(db: Db, sql: string, ...params: unknown[]): unknown {
  return db.$client
    .prepare(sql)
    .pluck()
    .get(...params);
}

function errorWithCode(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Ten objects of `perObject` records each, in two hour folders. */
function corpus(perObject = 3): string {
  const root = tempDir("faults-");
  for (let o = 0; o < 10; o++) {
    writeObject(
      root,
      logKey(`2026-10-05T1${o % 2}`, `o${o}`),
      Array.from({ length: perObject }, (_, i) =>
        invocationRecord({ requestId: `f-${o}-${i}`, input: { inputTokenCount: o * 100 + i } }),
      ),
    );
  }
  return root;
}

/** The source with `fail(ref, attempt)` deciding, per read of an object, whether it fails. */
function failingReads(source: ObjectSource, fail: (ref: ObjectRef, attempt: number) => Error | undefined) {
  const attempts = new Map<string, number>();
  const next = (ref: ObjectRef) => {
    const n = (attempts.get(ref.key) ?? 0) + 1;
    attempts.set(ref.key, n);
    return fail(ref, n);
  };
  const wrapped: ObjectSource = {
    ...source,
    list: async function* () {
      for await (const item of source.list()) {
        if (!("open" in item)) {
          yield item;
          continue;
        }
        const ref = item;
        yield {
          ...ref,
          readAll: async () => {
            const error = next(ref);
            if (error) throw error;
            return ref.readAll ? ref.readAll() : Buffer.alloc(0);
          },
          open: async () => {
            const error = next(ref);
            if (error) throw error;
            return ref.open();
          },
        };
      }
    },
  };
  return { source: wrapped, attempts };
}

async function reference(root: string) {
  const db = freshDb();
  await ingestObjects({ db, objects: await createDirSource(root), prices: PriceBook.load(db) });
  return totals(db);
}

describe("a read that failed is not a read", () => {
  it("leaves an object it could not open out of the ledger, reports it, and reads it next run", async () => {
    const root = corpus();
    const denied = logKey("2026-10-05T10", "o4");
    const { source } = failingReads(await createDirSource(root), (ref) =>
      ref.key === denied
        ? errorWithCode("EACCES", `EACCES: permission denied, open '${ref.location}'`)
        : undefined,
    );
    const db = freshDb();
    const first = await ingestObjects({ db, objects: source, prices: PriceBook.load(db), retry: FAST });
    expect(first).toMatchObject({
      status: "incomplete",
      objectsListed: 10,
      objectsIngested: 9,
      objectsRejected: 0,
      objectsUnread: 1,
      quarantined: 0,
      records: 27,
    });
    // Permission denied will not pass by waiting: one try, no retries.
    expect(first.unread).toEqual([
      {
        key: denied,
        location: join(root, denied),
        reason: expect.stringMatching(/^EACCES: permission denied/),
        attempts: 1,
      },
    ]);
    expect(count(db, "SELECT COUNT(*) FROM ingested_objects WHERE key = ?", denied)).toBe(0);
    expect(count(db, "SELECT COUNT(*) FROM quarantine")).toBe(0);
    expect(count(db, "SELECT status FROM ingest_runs WHERE id = ?", first.runId)).toBe("incomplete");
    expect(count(db, "SELECT message FROM ingest_runs WHERE id = ?", first.runId)).toMatch(
      /1 object\(s\) could not be read and were left for the next run/,
    );

    // The permission is fixed: the next run reads it, and only it.
    const second = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
    });
    expect(second).toMatchObject({
      status: "ok",
      objectsIngested: 1,
      objectsSkipped: 9,
      records: 3,
      duplicates: 0,
    });
    expect(totals(db)).toEqual(await reference(root));
  });

  it("retries a read that may pass (reset, throttled) and counts the object once", async () => {
    const root = corpus();
    const flaky = logKey("2026-10-05T11", "o3");
    const { source, attempts } = failingReads(await createDirSource(root), (ref, n) =>
      ref.key === flaky && n <= 2 ? errorWithCode("ECONNRESET", "read ECONNRESET") : undefined,
    );
    const db = freshDb();
    const summary = await ingestObjects({ db, objects: source, prices: PriceBook.load(db), retry: FAST });
    expect(attempts.get(flaky)).toBe(3);
    expect(summary).toMatchObject({ status: "ok", objectsIngested: 10, objectsUnread: 0, records: 30 });
    expect(summary.retried).toEqual([
      { location: join(root, flaky), reason: "read ECONNRESET", attempts: 3 },
    ]);
    expect(totals(db)).toEqual(await reference(root));
  });

  it("gives up on a read that keeps failing after the policy's tries, and leaves it for the next run", async () => {
    const root = corpus();
    const down = logKey("2026-10-05T10", "o0");
    const { source, attempts } = failingReads(await createDirSource(root), (ref) =>
      ref.key === down ? errorWithCode("ETIMEDOUT", "connect ETIMEDOUT") : undefined,
    );
    const waits: number[] = [];
    const db = freshDb();
    const summary = await ingestObjects({
      db,
      objects: source,
      prices: PriceBook.load(db),
      retry: {
        attempts: 4,
        baseDelayMs: 10,
        maxDelayMs: 15,
        random: () => 1,
        sleep: async (ms) => void waits.push(ms),
      },
    });
    expect(attempts.get(down)).toBe(4);
    expect(waits).toEqual([10, 15, 15]);
    expect(summary.unread).toEqual([
      { key: down, location: join(root, down), reason: "connect ETIMEDOUT", attempts: 4 },
    ]);
    expect(count(db, "SELECT COUNT(*) FROM ingested_objects")).toBe(9);
    await ingestObjects({ db, objects: await createDirSource(root), prices: PriceBook.load(db) });
    expect(totals(db)).toEqual(await reference(root));
  });

  it("counts every line once when a streamed object fails mid-way, whether a retry succeeds or not", async () => {
    const lines = Array.from({ length: 3000 }, (_, i) =>
      JSON.stringify(invocationRecord({ requestId: `m-${i}`, input: { inputTokenCount: i } })),
    );
    lines[100] = "{not json";
    const gz = gzipSync(`${lines.join("\n")}\n`);
    const root = tempDir("midstream-");
    const key = logKey("2026-10-05T10", "big");
    writeRaw(root, key, gz);
    const expected = await reference(root);
    expect(expected.requests).toBe(2999);

    // A stream that delivers the first `cut` bytes, then fails as a reset connection does.
    const cutStream = (cut: number) =>
      Readable.from(
        (async function* () {
          yield gz.subarray(0, cut);
          // The connection drops a moment later, after what arrived was inflated and counted.
          await new Promise((r) => setTimeout(r, 30));
          throw errorWithCode("ECONNRESET", "aborted");
        })(),
      );
    const streamingSource = (failures: number, cutAt: (attempt: number) => number): ObjectSource => ({
      kind: "dir",
      location: root,
      list: async function* () {
        let opened = 0;
        // Over the read-ahead size, so it is streamed through open().
        yield {
          key,
          location: join(root, key),
          size: 5 * 1024 * 1024,
          open: async () => {
            opened += 1;
            return opened <= failures ? cutStream(cutAt(opened)) : Readable.from([gz]);
          },
        };
      },
    });

    // Fails twice part-way (batches of 100 commit mid-object), then reads through.
    const retried = freshDb();
    const ok = await ingestObjects({
      db: retried,
      objects: streamingSource(2, (n) => Math.floor((gz.length * n) / 4)),
      prices: PriceBook.load(retried),
      batchRecords: 100,
      retry: FAST,
    });
    expect(ok).toMatchObject({
      status: "partial",
      objectsIngested: 1,
      records: 2999,
      duplicates: 0,
      quarantined: 1,
    });
    expect(ok.retried).toEqual([{ location: join(root, key), reason: "aborted [ECONNRESET]", attempts: 3 }]);
    expect(totals(retried)).toEqual(expected);
    expect(count(retried, "SELECT COUNT(*) FROM quarantine")).toBe(1);

    // Fails on every try: what was read stays counted, the object stays out of the ledger, and the
    // next run (fault gone) completes it without counting anything twice.
    const db = freshDb();
    const cut = await ingestObjects({
      db,
      objects: streamingSource(99, () => Math.floor(gz.length / 2)),
      prices: PriceBook.load(db),
      batchRecords: 100,
      retry: FAST,
    });
    expect(cut).toMatchObject({ status: "incomplete", objectsIngested: 0, objectsUnread: 1 });
    expect(cut.records).toBeGreaterThan(100);
    expect(cut.records).toBeLessThan(2999);
    expect(count(db, "SELECT COUNT(*) FROM ingested_objects")).toBe(0);
    const after = await ingestObjects({
      db,
      objects: streamingSource(0, () => 0),
      prices: PriceBook.load(db),
      batchRecords: 100,
    });
    expect(after.records + cut.records).toBe(2999);
    expect(totals(db)).toEqual(expected);
    // The bad line is quarantined once, though both runs read it.
    expect(count(db, "SELECT COUNT(*) FROM quarantine")).toBe(1);
  });

  it.each([
    // The end-of-run pruning (168 h before the newest record) would forget the ids it counted.
    { order: "before a newer object", bigAt: "2026-10-01T03", newAt: "2026-10-20T10" },
    // Delivered late, after a newer object of its stream: each batch's pruning would forget them
    // as it commits, while the object is still being read.
    { order: "after a newer object", bigAt: "2026-10-20T11", newAt: "2026-10-20T10" },
  ])(
    "keeps the requestIds of an object left unread part-way, listed $order, when pruning would drop them",
    async ({ bigAt, newAt }) => {
      // The unread object's records are from 2026-10-01; the other object's from 10-20.
      const lines = Array.from({ length: 3000 }, (_, i) =>
        JSON.stringify(
          invocationRecord({
            requestId: `old-${i}`,
            timestamp: "2026-10-01T03:00:00.000Z",
            input: { inputTokenCount: i },
          }),
        ),
      );
      const gz = gzipSync(`${lines.join("\n")}\n`);
      const root = tempDir("unread-old-");
      const key = logKey(bigAt, "big");
      writeRaw(root, key, gz);
      writeObject(root, logKey(newAt, "new"), [
        invocationRecord({ requestId: "new-1", timestamp: "2026-10-20T10:00:00.000Z" }),
      ]);
      const expected = await reference(root);
      expect(expected.requests).toBe(3001);
      const dir = await createDirSource(root);
      const source = (cut: boolean): ObjectSource => ({
        ...dir,
        list: async function* () {
          for await (const item of dir.list()) {
            if ("key" in item && item.key === key && cut)
              yield {
                ...item,
                size: 5 * 1024 * 1024, // streamed through open()
                open: async () =>
                  Readable.from(
                    (async function* () {
                      yield gz.subarray(0, Math.floor(gz.length / 2));
                      await new Promise((r) => setTimeout(r, 30));
                      throw errorWithCode("ECONNRESET", "aborted");
                    })(),
                  ),
              };
            else yield item;
          }
        },
      });
      const db = freshDb();
      const first = await ingestObjects({
        db,
        objects: source(true),
        prices: PriceBook.load(db),
        batchRecords: 100,
        retry: FAST,
      });
      expect(first).toMatchObject({ status: "incomplete", objectsIngested: 1, objectsUnread: 1 });
      expect(first.records).toBeGreaterThan(100);
      const second = await ingestObjects({
        db,
        objects: source(false),
        prices: PriceBook.load(db),
        batchRecords: 100,
      });
      expect(second.records + first.records).toBe(3001);
      expect(totals(db)).toEqual(expected);
    },
  );

  it("still quarantines a local object that was read whole and is damaged (content, not a read failure)", async () => {
    const root = tempDir();
    const gz = gzipSync(`${JSON.stringify(invocationRecord({ requestId: "t1" }))}\n`);
    const path = writeRaw(root, logKey("2026-10-05T10", "cut"), gz.subarray(0, gz.length - 6));
    const db = freshDb();
    const summary = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
    });
    expect(summary).toMatchObject({
      objectsUnread: 0,
      objectsRejected: 0,
      objectsIngested: 1,
      status: "partial",
    });
    expect(summary.quarantine.map((q) => [q.location, q.reason])).toEqual([
      [path, expect.stringMatching(/^truncated gzip/)],
    ]);
  });
});

describe("listing and run failures", () => {
  it("reports a folder it cannot list, with path and reason, and ingests the rest", async () => {
    const root = corpus();
    const hour11 = join(root, "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2026/10/05/11");
    const fs = {
      ...nodeDirFs,
      readdir: async (dir: string) => {
        if (dir === hour11) throw errorWithCode("EACCES", `EACCES: permission denied, scandir '${dir}'`);
        return nodeDirFs.readdir(dir);
      },
    };
    const db = freshDb();
    const summary = await ingestObjects({
      db,
      objects: await createDirSource(root, fs),
      prices: PriceBook.load(db),
    });
    expect(summary).toMatchObject({
      status: "incomplete",
      objectsListed: 5,
      objectsIngested: 5,
      records: 15,
    });
    expect(summary.unlisted).toEqual([
      {
        location: hour11,
        reason: `cannot list folder: EACCES: permission denied, scandir '${hour11}'`,
        attempts: 1,
      },
    ]);
    expect(count(db, "SELECT status FROM ingest_runs WHERE id = ?", summary.runId)).toBe("incomplete");
    expect(count(db, "SELECT message FROM ingest_runs WHERE id = ?", summary.runId)).toContain(
      `listing incomplete: ${hour11}`,
    );
    // Readable again: the next run finds the other five.
    const next = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
    });
    expect(next).toMatchObject({ status: "ok", objectsIngested: 5, objectsSkipped: 5 });
    expect(totals(db)).toEqual(await reference(root));
  });

  it("marks a run that fails as failed, with its reason, instead of leaving it running", async () => {
    const root = corpus();
    const source = await createDirSource(root);
    const dying: ObjectSource = {
      ...source,
      list: async function* () {
        yield* source.list();
        throw new Error("the source went away");
      },
    };
    const db = freshDb();
    await expect(ingestObjects({ db, objects: dying, prices: PriceBook.load(db) })).rejects.toThrow(
      "the source went away",
    );
    expect(
      db.$client
        .prepare("SELECT status, message, finished_at IS NOT NULL AS finished FROM ingest_runs")
        .all(),
    ).toEqual([{ status: "failed", message: "the source went away", finished: 1 }]);
  });

  it("names a full disk and says nothing of the failing batch was committed", async () => {
    const root = corpus(200);
    const db = freshDb();
    const pages = Number(count(db, "PRAGMA page_count"));
    // SQLite's own SQLITE_FULL: the store may not grow past a few more pages.
    db.$client.pragma(`max_page_count = ${pages + 3}`);
    const failing = ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
      batchRecords: 20,
    });
    await expect(failing).rejects.toThrow(
      /^the disk holding the store .* is full \(SQLITE_FULL\): nothing from the failing batch was committed/,
    );
    await expect(failing).rejects.not.toThrow(/cannot rollback/);
    expect(db.$client.inTransaction).toBe(false);
    // Committed batches stay (whole batches: the records counted are a multiple of 20).
    const kept = totals(db).requests;
    expect(kept).toBeLessThan(2000);
    expect(kept % 20).toBe(0);
    expect(count(db, "SELECT status FROM ingest_runs")).toBe("failed");
    // Space again: the next run completes the totals exactly.
    db.$client.pragma("max_page_count = 1073741823");
    await ingestObjects({ db, objects: await createDirSource(root), prices: PriceBook.load(db) });
    expect(totals(db)).toEqual(await reference(root));
  });

  it("refuses a second ingest on the same store while one runs, naming the run", async () => {
    const root = corpus();
    const path = join(tempDir("lock-"), "store.db");
    const first = freshDb(path);
    const second = freshDb(path);
    const source = await createDirSource(root);
    let resume: () => void = () => {};
    const paused = new Promise<void>((r) => {
      resume = r;
    });
    let started: () => void = () => {};
    const isRunning = new Promise<void>((r) => {
      started = r;
    });
    const slow: ObjectSource = {
      ...source,
      list: async function* () {
        started();
        await paused;
        yield* source.list();
      },
    };
    const running = ingestObjects({
      db: first,
      objects: slow,
      prices: PriceBook.load(first),
      now: () => new Date("2026-11-01T09:00:00Z"),
    });
    await isRunning;
    await expect(
      ingestObjects({ db: second, objects: await createDirSource(root), prices: PriceBook.load(second) }),
    ).rejects.toThrow(
      `another ingest is running on ${path} (run 1, started 2026-11-01T09:00:00.000Z); wait for it to finish (or stop it) and run again`,
    );
    resume();
    expect(await running).toMatchObject({ status: "ok", objectsIngested: 10 });
    // Its run was not marked interrupted by the refused one; and the lock is free again.
    expect(count(first, "SELECT status FROM ingest_runs WHERE id = 1")).toBe("ok");
    const again = await ingestObjects({
      db: second,
      objects: await createDirSource(root),
      prices: PriceBook.load(second),
    });
    expect(again).toMatchObject({ objectsSkipped: 10, records: 0 });
    first.$client.close();
    second.$client.close();
  });
});

describe("everything passed over is reported with its place", () => {
  it("quarantines an empty gzip and lines without a schemaType (even 100k deep); counts other log types per object", async () => {
    const root = tempDir();
    const empty = writeRaw(root, logKey("2026-10-05T10", "empty-gzip"), gzipSync(""));
    const depth = 100_000;
    const deep = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const odd = writeObject(root, logKey("2026-10-05T10", "odd"), [
      invocationRecord({ requestId: "k1" }),
      "{}",
      '{"foo":"bar"}',
      deep,
      `[${"[".repeat(depth)}${"]".repeat(depth)}]`,
      { schemaType: "SomeOtherLog", requestId: "x1" },
      { schemaType: "SomeOtherLog", requestId: "x2" },
      invocationRecord({ requestId: "k2" }),
    ]);
    const db = freshDb();
    const summary = await ingestObjects({
      db,
      objects: await createDirSource(root),
      prices: PriceBook.load(db),
    });
    expect(summary.quarantine.map((q) => [q.location, q.line, q.reason])).toEqual([
      [empty, null, "empty object (valid gzip, no lines)"],
      [odd, 2, "not a log record: schemaType undefined is not ModelInvocationLog"],
      [odd, 3, "not a log record: schemaType undefined is not ModelInvocationLog"],
      [odd, 4, "not a log record: schemaType undefined is not ModelInvocationLog"],
      [odd, 5, "record: expected a JSON object, got array"],
    ]);
    expect(summary).toMatchObject({ records: 2, objectsRejected: 1, objectsIngested: 1, status: "partial" });
    expect(summary.notInvocationLogs).toBe(2);
    expect(summary.skipped).toEqual([
      { location: odd, reason: 'schemaType string "SomeOtherLog" is not ModelInvocationLog', count: 2 },
    ]);
    expect(count(db, "SELECT COUNT(*) FROM quarantine")).toBe(5);
    // The excerpt of the deep line is bounded like any other.
    expect(count(db, "SELECT MAX(LENGTH(excerpt)) FROM quarantine")).toBe(200);
  });
});
