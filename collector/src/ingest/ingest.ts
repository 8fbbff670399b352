/**
 * The raw-object ingest: objects → lines → records → hourly rollups, exactly once (docs/rules.md rule 5,
 * docs/adr/0003-exactly-once.md).
 *
 * - An object is recorded in `ingested_objects` in the same transaction as its last records, so a
 *   finished object is never read twice.
 * - Every record's requestId goes into `seen_requests` in the transaction that counts it, so a
 *   record delivered twice (or re-read after a crash mid-object) counts once.
 * - A crash loses only the uncommitted batch, which the next run reads again.
 * - A read that failed is not a read: an object that could not be opened or fetched is retried
 *   (when the failure may pass) and otherwise left out of the ledger for the next run, and reported.
 *   Only content that was read and judged bad is quarantined.
 * Memory is bounded by `batchRecords` and one line (`maxLineBytes`), whatever the object sizes.
 */
import type { Statement } from "better-sqlite3";
import { DEFAULT_METADATA_MAPPING, type MetadataMapping } from "../dimensions";
import type { ApplicationProfileMap } from "../models/resolve-model";
import type { PriceBook } from "../pricing/price-book";
import type { UsageRecord } from "../records/usage-record";
import { RollupAccumulator } from "../rollup/accumulate";
import { addRollupRows, type WriteContext } from "../rollup/write";
import type { Db } from "../store/db";
import { isListingProblem, type ObjectRef, type ObjectSource } from "./object-source";
import {
  INFLATE_WHOLE_BYTES,
  inflatedSizeHint,
  type ObjectReadResult,
  ReadFailure,
  readLoadedObject,
  readObject,
  readWhole,
  streamOf,
  TOO_LARGE,
} from "./read-object";
import {
  DEFAULT_RETRY,
  describeFailure,
  isTransientError,
  RetriesExhausted,
  type RetryPolicy,
  withRetry,
} from "./retry";
import { lockIngest } from "./run-lock";
import { describeStoreFailure } from "./store-failure";

export type IngestOptions = {
  db: Db;
  objects: ObjectSource;
  prices: PriceBook;
  mapping?: MetadataMapping;
  applicationProfiles?: ApplicationProfileMap;
  profilePrefixes?: readonly string[];
  /** Records per transaction. */
  batchRecords?: number;
  /** How long a requestId is remembered, in hours of record time before the newest record. */
  dedupeWindowHours?: number;
  maxLineBytes?: number;
  /** For object reads that fail in a way that may pass; default `DEFAULT_RETRY` (4 tries, ≤ ~2 s). */
  retry?: RetryPolicy;
  onProgress?: (progress: IngestProgress) => void;
  now?: () => Date;
};

export type IngestProgress = {
  objectsDone: number;
  objectsSkipped: number;
  records: number;
  bytesRead: number;
  committedBatches: number;
};

export type QuarantineEntry = { key: string; location: string; line: number | null; reason: string };

/** A read or listing that failed: where, why (the last failure), after how many tries. */
export type ReadProblem = { location: string; reason: string; attempts: number };

export type IngestSummary = {
  runId: number;
  /** ok; partial: some input quarantined; incomplete: some objects or places could not be read. */
  status: "ok" | "partial" | "incomplete";
  objectsListed: number;
  objectsIngested: number;
  /** Already in the ledger from an earlier run. */
  objectsSkipped: number;
  /** Read, and nothing in them is usable (not gzip, empty …): quarantined and ledgered. */
  objectsRejected: number;
  /** Could not be opened or fetched, even after retries: not ledgered, read again next run. */
  objectsUnread: number;
  /** The first unread objects. */
  unread: (ReadProblem & { key: string })[];
  /** Places that could not be listed: objects under them were not seen (listing incomplete). */
  unlisted: ReadProblem[];
  /** Reads and listings that failed and succeeded on a later try (attempts = tries used). */
  retried: ReadProblem[];
  /** Unique records counted by this run (requests + errors). */
  records: number;
  requests: number;
  errors: number;
  duplicates: number;
  /** Records with another schemaType than ModelInvocationLog (skipped, not quarantined). */
  notInvocationLogs: number;
  /** Where they were, per object and reason (the first ones). */
  skipped: { location: string; reason: string; count: number }[];
  quarantined: number;
  /** The first quarantine entries (all are in the store's `quarantine` table). */
  quarantine: QuarantineEntry[];
  unpricedModels: { model: string; requests: number }[];
  bytesRead: number;
  dataFrom: string | null;
  dataUntil: string | null;
};

const DEFAULTS = { batchRecords: 20_000, dedupeWindowHours: 168, maxLineBytes: 8 * 1024 * 1024 };
/** Objects up to this size are read whole and gunzipped in one call; larger ones stream. */
const SMALL_OBJECT_BYTES = 4 * 1024 * 1024;
/** Compressed bytes read ahead at most, whatever the object count. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** How many small objects are read ahead while the current one is parsed. */
const READ_AHEAD = 16;
/** requestIds checked per statement. */
const DEDUPE_CHUNK = 256;
/** Entries kept in each list of the summary (counts are always whole). */
const LISTED_IN_SUMMARY = 50;
const EXCERPT_CHARS = 200;

type PendingObject = { ref: ObjectRef; records: number; status: "ok" | "partial" | "rejected" };
/** A read-ahead object: its bytes, or the tries that failed. */
type Loaded = Buffer | RetriesExhausted;

/**
 * Ingests every object the source lists that the ledger does not hold. One run per store at a
 * time (`lockIngest`); a run that throws is marked `failed` with its reason.
 * @example await ingestObjects({ db, objects: await createDirSource("logs/"), prices: PriceBook.load(db) })
 */
export async function ingestObjects(options: IngestOptions): Promise<IngestSummary> {
  const client = options.db.$client;
  const now = options.now ?? (() => new Date());
  const lock = lockIngest(client);
  try {
    // Holding the lock, any run still marked 'running' was killed: say so rather than leave it
    // looking alive.
    client
      .prepare("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running' AND source = 'raw'")
      .run();
    const runId = Number(
      client
        .prepare(
          "INSERT INTO ingest_runs (source, location, started_at, status) VALUES ('raw', ?, ?, 'running')",
        )
        .run(options.objects.location, now().toISOString()).lastInsertRowid,
    );
    try {
      return await runIngest(options, runId, now);
    } catch (error) {
      try {
        if (client.inTransaction) client.prepare("ROLLBACK").run();
      } catch {
        // Already undone by SQLite (as on a full disk); the original error is what to report.
      }
      const failure = describeStoreFailure(error, client.name);
      try {
        client
          .prepare("UPDATE ingest_runs SET finished_at = ?, status = 'failed', message = ? WHERE id = ?")
          .run(now().toISOString(), failure.message, runId);
      } catch {
        // The store cannot take even this (a full disk): the next run marks it 'interrupted'.
      }
      throw failure;
    }
  } finally {
    lock.release();
  }
}

async function runIngest(options: IngestOptions, runId: number, now: () => Date): Promise<IngestSummary> {
  const { db, objects, prices } = options;
  const client = db.$client;
  const batchRecords = options.batchRecords ?? DEFAULTS.batchRecords;
  const maxLineBytes = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
  const windowHours = options.dedupeWindowHours ?? DEFAULTS.dedupeWindowHours;
  const retry = options.retry ?? DEFAULT_RETRY;

  const ctx: WriteContext = {
    db,
    source: "raw",
    prices,
    applicationProfiles: options.applicationProfiles,
    profilePrefixes: options.profilePrefixes,
  };
  const acc = new RollupAccumulator(options.mapping ?? DEFAULT_METADATA_MAPPING);
  const isLedgered = client
    .prepare("SELECT 1 FROM ingested_objects WHERE source = 'objects' AND key = ?")
    .pluck();
  const ledger = client.prepare(
    `INSERT INTO ingested_objects (source, key, size, etag, status, records, run_id, ingested_at)
     VALUES ('objects', ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Once per place: an object left unread (or cut off by a crash) after some of its lines were
  // quarantined is read again by a later run, which finds the same lines.
  const quarantineRow = client.prepare(
    `INSERT INTO quarantine (run_id, source, key, line, reason, excerpt, created_at)
     SELECT ?, 'objects', ?, ?, ?, ?, ? WHERE NOT EXISTS
       (SELECT 1 FROM quarantine WHERE source = 'objects' AND key = ? AND line IS ? AND reason = ?)`,
  );

  const summary: IngestSummary = {
    runId,
    status: "ok",
    objectsListed: 0,
    objectsIngested: 0,
    objectsSkipped: 0,
    objectsRejected: 0,
    objectsUnread: 0,
    unread: [],
    unlisted: [],
    retried: [],
    records: 0,
    requests: 0,
    errors: 0,
    duplicates: 0,
    notInvocationLogs: 0,
    skipped: [],
    quarantined: 0,
    quarantine: [],
    unpricedModels: [],
    bytesRead: 0,
    dataFrom: null,
    dataUntil: null,
  };
  const progress: IngestProgress = {
    objectsDone: 0,
    objectsSkipped: 0,
    records: 0,
    bytesRead: 0,
    committedBatches: 0,
  };
  const listIn = <T>(list: T[], entry: T) => {
    if (list.length < LISTED_IN_SUMMARY) list.push(entry);
  };
  let pendingObjects: PendingObject[] = [];
  let pendingQuarantine: (QuarantineEntry & { excerpt: string | null })[] = [];
  // One transaction stays open while a batch is read: each record is deduped and folded as it is
  // parsed, so no record outlives its line. A crash rolls the open batch back.
  const begin = client.prepare("BEGIN");
  const commit = client.prepare("COMMIT");
  let open = false;
  let inBatch = 0;

  // requestIds are checked DEDUPE_CHUNK at a time, in the open transaction like everything else in
  // the batch. Fast path: one multi-row INSERT OR IGNORE; if it inserted every row, every record is
  // new. Otherwise (a duplicate somewhere, the rare case) the chunk is undone to its savepoint and
  // re-run with RETURNING, which says which ones are new.
  const seenStatements = new Map<string, Statement>();
  const markSeen = (n: number, returning: boolean): Statement => {
    const key = `${n}:${returning}`;
    let statement = seenStatements.get(key);
    if (!statement) {
      statement = client.prepare(
        `INSERT OR IGNORE INTO seen_requests (hour, request_id) VALUES ${Array(n).fill("(?, ?)").join(", ")}
         ${returning ? "RETURNING hour, request_id" : ""}`,
      );
      seenStatements.set(key, statement);
    }
    return statement;
  };
  const savepoint = client.prepare("SAVEPOINT dedupe");
  const release = client.prepare("RELEASE dedupe");
  const undo = client.prepare("ROLLBACK TO dedupe");
  let chunk: UsageRecord[] = [];

  /** The chunk's records that were not seen before (a requestId twice in one chunk: the first). */
  const freshOf = (params: string[]): UsageRecord[] => {
    savepoint.run();
    if (markSeen(chunk.length, false).run(...params).changes === chunk.length) {
      release.run();
      return chunk;
    }
    undo.run();
    const fresh = new Set<string>();
    for (const row of markSeen(chunk.length, true).all(...params)) {
      if (typeof row === "object" && row !== null && "hour" in row && "request_id" in row) {
        fresh.add(`${row.hour}|${row.request_id}`);
      }
    }
    release.run();
    return chunk.filter((r) => fresh.delete(`${r.hour}|${r.requestId}`));
  };

  const dedupeChunk = () => {
    if (chunk.length === 0) return;
    if (!open) {
      begin.run();
      open = true;
    }
    const params: string[] = [];
    for (const r of chunk) params.push(r.hour, r.requestId);
    const fresh = freshOf(params);
    summary.duplicates += chunk.length - fresh.length;
    for (const record of fresh) {
      acc.add(record);
      summary.records += 1;
      if (record.errorCode === null) summary.requests += 1;
      else summary.errors += 1;
      if (summary.dataFrom === null || record.timestamp < summary.dataFrom)
        summary.dataFrom = record.timestamp;
      if (summary.dataUntil === null || record.timestamp > summary.dataUntil)
        summary.dataUntil = record.timestamp;
    }
    chunk = [];
  };

  const count = (record: UsageRecord) => {
    inBatch += 1;
    chunk.push(record);
    if (chunk.length >= DEDUPE_CHUNK) dedupeChunk();
  };

  const flush = () => {
    dedupeChunk();
    if (!open) {
      begin.run();
      open = true;
    }
    addRollupRows(ctx, acc.hourlyRows(), acc.facetRows());
    const at = now().toISOString();
    for (const q of pendingQuarantine)
      quarantineRow.run(runId, q.key, q.line, q.reason, q.excerpt, at, q.key, q.line, q.reason);
    for (const p of pendingObjects)
      ledger.run(p.ref.key, p.ref.size, p.ref.etag ?? null, p.status, p.records, runId, at);
    commit.run();
    open = false;
    acc.clear();
    inBatch = 0;
    pendingObjects = [];
    pendingQuarantine = [];
    progress.committedBatches += 1;
    progress.records = summary.records;
    options.onProgress?.({ ...progress });
  };

  const quarantine = (ref: ObjectRef, line: number | null, reason: string, excerpt: string | null) => {
    summary.quarantined += 1;
    const entry = { key: ref.key, location: ref.location, line, reason };
    listIn(summary.quarantine, entry);
    pendingQuarantine.push({ ...entry, excerpt: excerpt === null ? null : excerpt.slice(0, EXCERPT_CHARS) });
  };

  /** Tries per place that needed more than one, with the last failure: for the summary. */
  const retries = new Map<string, { tries: number; reason: string }>();
  const onRetryOf = (ref: ObjectRef) => (error: unknown, attempt: number) => {
    retries.set(ref.location, { tries: attempt + 1, reason: describeFailure(sourceErrorOf(error)) });
  };

  /** Reads a small object whole, retrying failures that may pass (runs ahead, while others parse). */
  const loadObject = async (ref: ObjectRef): Promise<Loaded> => {
    try {
      return await withRetry(() => readWhole(ref), retry, { onRetry: onRetryOf(ref) });
    } catch (error) {
      return error instanceof RetriesExhausted ? error : new RetriesExhausted(1, error);
    }
  };

  /**
   * Streams an object, retrying failures that may pass. A retry reads from the start again (gzip
   * cannot resume) and passes over the lines an earlier try already handled, so none counts twice.
   */
  const streamObject = async (
    ref: ObjectRef,
    onRecord: (record: UsageRecord) => void,
  ): Promise<ObjectReadResult | RetriesExhausted> => {
    const all: ObjectReadResult = { bytes: 0, lines: 0, lastLine: 0, skipped: new Map(), rejected: [] };
    try {
      await withRetry(
        async () => {
          const result = await readObject(ref, maxLineBytes, onRecord, all.lastLine);
          all.bytes += result.bytes;
          all.lines += result.lines;
          all.lastLine = Math.max(all.lastLine, result.lastLine);
          for (const [reason, n] of result.skipped)
            all.skipped.set(reason, (all.skipped.get(reason) ?? 0) + n);
          all.rejected.push(...result.rejected);
          all.fatal = result.fatal;
          if (result.readFailure) throw result.readFailure;
        },
        retry,
        { retryable: (e) => e instanceof ReadFailure && isTransientError(e.cause), onRetry: onRetryOf(ref) },
      );
    } catch (error) {
      // Only the source's failures are retried or left for later; a store failure stops the run.
      if (error instanceof RetriesExhausted && error.cause instanceof ReadFailure) return error;
      throw error instanceof RetriesExhausted ? error.cause : error;
    }
    return all;
  };

  const leaveUnread = (ref: ObjectRef, failure: RetriesExhausted) => {
    summary.objectsUnread += 1;
    listIn(summary.unread, {
      key: ref.key,
      location: ref.location,
      reason: describeFailure(sourceErrorOf(failure.cause)),
      attempts: failure.attempts,
    });
  };

  const processObject = async (ref: ObjectRef, preload: Promise<Loaded> | undefined) => {
    const pending: PendingObject = { ref, records: 0, status: "ok" };
    if (ref.size === 0) {
      quarantine(ref, null, "empty object (0 bytes)", null);
      pending.status = "rejected";
    } else {
      const onRecord = (record: UsageRecord) => {
        count(record);
        pending.records += 1;
        if (inBatch >= batchRecords) flush();
      };
      const loaded = await preload;
      if (loaded instanceof RetriesExhausted) return leaveUnread(ref, loaded);
      // The gzip trailer's size (ISIZE) picks the way without inflating twice; a trailer that
      // under-states is caught by the cap in readLoadedObject. (One that over-states, from damage in
      // those 4 bytes, only sends a small object down the streaming path.)
      const streamIt = loaded !== undefined && inflatedSizeHint(loaded) > INFLATE_WHOLE_BYTES;
      let result =
        loaded === undefined || streamIt ? undefined : readLoadedObject(loaded, maxLineBytes, onRecord);
      if (result === undefined || result === TOO_LARGE) {
        // Not read ahead, or it inflates past INFLATE_WHOLE_BYTES: stream it through the inflater
        // (from memory when it was read ahead), one line at a time rather than one whole text.
        const streamed = await streamObject(
          loaded === undefined ? ref : { ...ref, open: streamOf(loaded) },
          onRecord,
        );
        if (streamed instanceof RetriesExhausted) return leaveUnread(ref, streamed);
        result = streamed;
      }
      if (retries.has(ref.location)) {
        const tried = retries.get(ref.location);
        if (tried)
          listIn(summary.retried, { location: ref.location, reason: tried.reason, attempts: tried.tries });
      }
      summary.bytesRead += result.bytes;
      progress.bytesRead = summary.bytesRead;
      for (const [reason, n] of result.skipped) {
        summary.notInvocationLogs += n;
        listIn(summary.skipped, { location: ref.location, reason, count: n });
      }
      for (const bad of result.rejected) quarantine(ref, bad.line, bad.reason, bad.excerpt);
      if (result.fatal) {
        quarantine(ref, result.fatal.line, result.fatal.reason, null);
        pending.status = pending.records === 0 && result.rejected.length === 0 ? "rejected" : "partial";
      } else if (result.lines === 0) {
        quarantine(ref, null, "empty object (valid gzip, no lines)", null);
        pending.status = "rejected";
      } else if (result.rejected.length > 0) {
        pending.status = "partial";
      }
    }
    if (pending.status === "rejected") summary.objectsRejected += 1;
    else summary.objectsIngested += 1;
    pendingObjects.push(pending);
    progress.objectsDone += 1;
  };

  // Small objects are fetched READ_AHEAD at a time so I/O overlaps parsing; order is kept.
  const window: { ref: ObjectRef; preload: Promise<Loaded> | undefined }[] = [];
  let windowBytes = 0;
  for await (const item of objects.list()) {
    if (isListingProblem(item)) {
      const problem = { location: item.place, reason: item.reason, attempts: item.attempts };
      listIn(item.listed ? summary.retried : summary.unlisted, problem);
      continue;
    }
    const ref = item;
    summary.objectsListed += 1;
    if (isLedgered.get(ref.key) !== undefined) {
      summary.objectsSkipped += 1;
      progress.objectsSkipped += 1;
      continue;
    }
    const small = ref.size > 0 && ref.size <= SMALL_OBJECT_BYTES;
    window.push({ ref, preload: small ? loadObject(ref) : undefined });
    windowBytes += small ? ref.size : 0;
    while (window.length >= READ_AHEAD || windowBytes > READ_AHEAD_BYTES) {
      const next = window.shift();
      if (!next) break;
      windowBytes -= next.preload ? next.ref.size : 0;
      await processObject(next.ref, next.preload);
    }
  }
  for (const next of window) await processObject(next.ref, next.preload);
  flush();

  // Remember requestIds only for the dedupe window before the newest record (documented bound).
  const newest = client.prepare("SELECT MAX(hour) FROM seen_requests").pluck().get();
  if (typeof newest === "string") {
    const cutoff = new Date(Date.parse(newest) - windowHours * 3_600_000).toISOString().slice(0, 13);
    client.prepare("DELETE FROM seen_requests WHERE hour < ?").run(`${cutoff}:00:00Z`);
  }

  summary.unpricedModels = unpricedModelsOfRun(db, summary);
  const incomplete = summary.objectsUnread > 0 || summary.unlisted.length > 0;
  summary.status = incomplete ? "incomplete" : summary.quarantined > 0 ? "partial" : "ok";
  client
    .prepare(
      `UPDATE ingest_runs SET finished_at = ?, status = ?, objects = ?, objects_skipped = ?, records = ?,
       duplicates = ?, quarantined = ?, bytes_scanned = ?, data_until = ?, message = ? WHERE id = ?`,
    )
    .run(
      now().toISOString(),
      summary.status,
      summary.objectsIngested + summary.objectsRejected,
      summary.objectsSkipped,
      summary.records,
      summary.duplicates,
      summary.quarantined,
      summary.bytesRead,
      summary.dataUntil,
      incomplete ? incompleteMessage(summary) : null,
      runId,
    );
  return summary;
}

/** What the source said, without the ReadFailure wrapper. */
function sourceErrorOf(error: unknown): unknown {
  return error instanceof ReadFailure ? error.cause : error;
}

/** The run record's sentence for what was left for the next run. */
function incompleteMessage(s: IngestSummary): string {
  const parts: string[] = [];
  if (s.objectsUnread > 0)
    parts.push(`${s.objectsUnread} object(s) could not be read and were left for the next run`);
  if (s.unlisted.length > 0)
    parts.push(`listing incomplete: ${s.unlisted.map((u) => `${u.location}: ${u.reason}`).join("; ")}`);
  return parts.join("; ");
}

/** Models this run touched that have usage but no price (docs/rules.md rule 3: never silent). */
function unpricedModelsOfRun(db: Db, summary: IngestSummary): { model: string; requests: number }[] {
  if (summary.dataFrom === null || summary.dataUntil === null) return [];
  const rows = db.$client
    .prepare(
      `SELECT base_model AS model, SUM(requests) AS requests FROM usage_hourly
       WHERE source = 'raw' AND price_id IS NULL AND requests > 0 AND hour >= ? AND hour <= ?
       GROUP BY base_model ORDER BY requests DESC`,
    )
    .all(`${summary.dataFrom.slice(0, 13)}:00:00Z`, `${summary.dataUntil.slice(0, 13)}:00:00Z`);
  return rows.flatMap((row) =>
    typeof row === "object" && row !== null && "model" in row && "requests" in row
      ? [{ model: String(row.model), requests: Number(row.requests) }]
      : [],
  );
}
