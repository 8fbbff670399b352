/**
 * The raw-object ingest: objects → lines → records → hourly rollups, exactly once (DESIGN rule 5).
 *
 * - An object is recorded in `ingested_objects` in the same transaction as its last records, so a
 *   finished object is never read twice.
 * - Every record's requestId goes into `seen_requests` in the transaction that counts it, so a
 *   record delivered twice (or re-read after a crash mid-object) counts once.
 * - A crash loses only the uncommitted batch, which the next run reads again.
 * Memory is bounded by `batchRecords` and one line (`maxLineBytes`), whatever the object sizes.
 */
import { Readable } from "node:stream";
import { createGunzip, gunzipSync, constants as zlibConstants } from "node:zlib";
import type { Statement } from "better-sqlite3";
import { DEFAULT_METADATA_MAPPING, type MetadataMapping } from "../dimensions";
import type { ApplicationProfileMap } from "../models/resolve-model";
import type { PriceBook } from "../pricing/price-book";
import { normalizeRecord } from "../records/normalize";
import type { UsageRecord } from "../records/usage-record";
import { RollupAccumulator } from "../rollup/accumulate";
import { addRollupRows, type WriteContext } from "../rollup/write";
import type { Db } from "../store/db";
import { readLines } from "./lines";
import type { ObjectRef, ObjectSource } from "./object-source";

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

export type IngestSummary = {
  runId: number;
  status: "ok" | "partial";
  objectsListed: number;
  objectsIngested: number;
  /** Already in the ledger from an earlier run. */
  objectsSkipped: number;
  /** Nothing in them could be read (not gzip, empty …). */
  objectsRejected: number;
  /** Unique records counted by this run (requests + errors). */
  records: number;
  requests: number;
  errors: number;
  duplicates: number;
  /** Records whose schemaType is not ModelInvocationLog. */
  notInvocationLogs: number;
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
/** Read-ahead objects that inflate to more than this are inflated as a stream instead of whole. */
const INFLATE_WHOLE_BYTES = 1024 * 1024;
/** Inflater output chunk when streaming (zlib's 16 KB default costs ~40 % more CPU on large objects). */
const STREAM_CHUNK_BYTES = 64 * 1024;
/** Compressed bytes read ahead at most, whatever the object count. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** How many small objects are read ahead while the current one is parsed. */
const READ_AHEAD = 16;
/** requestIds checked per statement. */
const DEDUPE_CHUNK = 256;
const QUARANTINE_IN_SUMMARY = 50;
const EXCERPT_CHARS = 200;

type PendingObject = { ref: ObjectRef; records: number; status: "ok" | "partial" | "rejected" };

export async function ingestObjects(options: IngestOptions): Promise<IngestSummary> {
  const { db, objects, prices } = options;
  const client = db.$client;
  const now = options.now ?? (() => new Date());
  const batchRecords = options.batchRecords ?? DEFAULTS.batchRecords;
  const maxLineBytes = options.maxLineBytes ?? DEFAULTS.maxLineBytes;
  const windowHours = options.dedupeWindowHours ?? DEFAULTS.dedupeWindowHours;

  // A run that was killed left its row 'running'; say so rather than leave it looking alive.
  client
    .prepare("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running' AND source = 'raw'")
    .run();
  const runId = Number(
    client
      .prepare(
        "INSERT INTO ingest_runs (source, location, started_at, status) VALUES ('raw', ?, ?, 'running')",
      )
      .run(objects.location, now().toISOString()).lastInsertRowid,
  );

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
  const quarantineRow = client.prepare(
    "INSERT INTO quarantine (run_id, source, key, line, reason, excerpt, created_at) VALUES (?, 'objects', ?, ?, ?, ?, ?)",
  );

  const summary: IngestSummary = {
    runId,
    status: "ok",
    objectsListed: 0,
    objectsIngested: 0,
    objectsSkipped: 0,
    objectsRejected: 0,
    records: 0,
    requests: 0,
    errors: 0,
    duplicates: 0,
    notInvocationLogs: 0,
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
    for (const q of pendingQuarantine) quarantineRow.run(runId, q.key, q.line, q.reason, q.excerpt, at);
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
    if (summary.quarantine.length < QUARANTINE_IN_SUMMARY) summary.quarantine.push(entry);
    pendingQuarantine.push({ ...entry, excerpt: excerpt === null ? null : excerpt.slice(0, EXCERPT_CHARS) });
  };

  const processObject = async (ref: ObjectRef, preload: Promise<Buffer | Error> | undefined) => {
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
      // The gzip trailer's size (ISIZE) picks the way without inflating twice; a trailer that
      // under-states is caught by the cap in readLoadedObject. (One that over-states, from damage in
      // those 4 bytes, only sends a small object down the streaming path.)
      const streamIt = loaded instanceof Buffer && inflatedSizeHint(loaded) > INFLATE_WHOLE_BYTES;
      let result =
        loaded === undefined || streamIt ? undefined : readLoadedObject(loaded, maxLineBytes, onRecord);
      if (result === undefined || result === TOO_LARGE) {
        // Not read ahead, or it inflates past INFLATE_WHOLE_BYTES: stream it through the inflater
        // (from memory when it was read ahead), one line at a time rather than one whole text.
        const open = loaded instanceof Buffer ? async () => Readable.from([loaded]) : ref.open;
        result = await readObject({ ...ref, open }, maxLineBytes, onRecord);
      }
      summary.bytesRead += result.bytes;
      progress.bytesRead = summary.bytesRead;
      summary.notInvocationLogs += result.skipped;
      for (const bad of result.rejected) quarantine(ref, bad.line, bad.reason, bad.excerpt);
      if (result.fatal) {
        quarantine(ref, result.fatal.line, result.fatal.reason, null);
        pending.status = pending.records === 0 && result.rejected.length === 0 ? "rejected" : "partial";
      } else if (result.rejected.length > 0) {
        pending.status = "partial";
      }
    }
    if (pending.status === "rejected") summary.objectsRejected += 1;
    else summary.objectsIngested += 1;
    pendingObjects.push(pending);
    progress.objectsDone += 1;
  };

  try {
    // Small objects are fetched READ_AHEAD at a time so I/O overlaps parsing; order is kept.
    const window: { ref: ObjectRef; preload: Promise<Buffer | Error> | undefined }[] = [];
    let windowBytes = 0;
    for await (const ref of objects.list()) {
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
  } catch (error) {
    if (open) client.prepare("ROLLBACK").run();
    throw error;
  }

  // Remember requestIds only for the dedupe window before the newest record (documented bound).
  const newest = client.prepare("SELECT MAX(hour) FROM seen_requests").pluck().get();
  if (typeof newest === "string") {
    const cutoff = new Date(Date.parse(newest) - windowHours * 3_600_000).toISOString().slice(0, 13);
    client.prepare("DELETE FROM seen_requests WHERE hour < ?").run(`${cutoff}:00:00Z`);
  }

  summary.unpricedModels = unpricedModelsOfRun(db, summary);
  summary.status = summary.quarantined > 0 ? "partial" : "ok";
  client
    .prepare(
      `UPDATE ingest_runs SET finished_at = ?, status = ?, objects = ?, objects_skipped = ?, records = ?,
       duplicates = ?, quarantined = ?, bytes_scanned = ?, data_until = ? WHERE id = ?`,
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
      runId,
    );
  return summary;
}

type ObjectReadResult = {
  bytes: number;
  skipped: number;
  rejected: { line: number; reason: string; excerpt: string }[];
  fatal?: { line: number | null; reason: string };
};

async function loadObject(ref: ObjectRef): Promise<Buffer | Error> {
  try {
    if (ref.readAll) return await ref.readAll();
    const chunks: Buffer[] = [];
    for await (const chunk of await ref.open())
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** readLoadedObject's answer for an object that inflates past INFLATE_WHOLE_BYTES: nothing was read. */
const TOO_LARGE = "too large";

/** The in-memory twin of `readObject` for small objects: same lines, same reasons. */
function readLoadedObject(
  loaded: Buffer | Error,
  maxLineBytes: number,
  onRecord: (record: UsageRecord) => void,
): ObjectReadResult | typeof TOO_LARGE {
  const result: ObjectReadResult = { bytes: 0, skipped: 0, rejected: [] };
  if (loaded instanceof Error) {
    result.fatal = { line: null, reason: `cannot open: ${messageOf(loaded)}` };
    return result;
  }
  result.bytes = loaded.length;
  let text: Buffer;
  let truncated = false;
  try {
    text = gunzipSync(loaded, { maxOutputLength: INFLATE_WHOLE_BYTES });
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    if (code === "ERR_BUFFER_TOO_LARGE") return TOO_LARGE;
    if (code !== "Z_BUF_ERROR" && !/unexpected end/i.test(messageOf(error))) {
      result.fatal = { line: null, reason: `not gzip data: ${messageOf(error)}` };
      return result;
    }
    // Truncated: keep the whole lines that did arrive.
    truncated = true;
    try {
      text = gunzipSync(loaded, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: INFLATE_WHOLE_BYTES,
      });
    } catch (partial) {
      if (
        typeof partial === "object" &&
        partial !== null &&
        "code" in partial &&
        partial.code === "ERR_BUFFER_TOO_LARGE"
      )
        return TOO_LARGE;
      throw partial;
    }
  }
  let number = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf(10, start);
    if (nl === -1 && (truncated || start >= text.length)) break;
    const end = nl === -1 ? text.length : nl;
    number += 1;
    if (end - start > maxLineBytes) {
      result.rejected.push({
        line: number,
        reason: `line of ${end - start} bytes exceeds the ${maxLineBytes}-byte limit`,
        excerpt: "",
      });
    } else {
      handleLine(text.toString("utf8", start, end), number, result, onRecord);
    }
    if (nl === -1) break;
    start = nl + 1;
  }
  if (truncated)
    result.fatal = { line: number + 1, reason: `truncated gzip: the object ends after line ${number}` };
  return result;
}

function handleLine(
  text: string,
  number: number,
  result: ObjectReadResult,
  onRecord: (r: UsageRecord) => void,
): void {
  if (text.trim().length === 0) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    result.rejected.push({ line: number, reason: `invalid JSON: ${messageOf(error)}`, excerpt: text });
    return;
  }
  const normalized = normalizeRecord(parsed);
  if (normalized.kind === "record") onRecord(normalized.record);
  else if (normalized.kind === "skip") result.skipped += 1;
  else result.rejected.push({ line: number, reason: normalized.reason, excerpt: text });
}

async function readObject(
  ref: ObjectRef,
  maxLineBytes: number,
  onRecord: (record: UsageRecord) => void,
): Promise<ObjectReadResult> {
  const result: ObjectReadResult = { bytes: 0, skipped: 0, rejected: [] };
  let lastLine = 0;
  let storeFailure: { error: unknown } | undefined;
  let raw: Readable;
  try {
    raw = await ref.open();
  } catch (error) {
    result.fatal = { line: null, reason: `cannot open: ${messageOf(error)}` };
    return result;
  }
  raw.on("data", (chunk: Buffer) => {
    result.bytes += chunk.length;
  });
  const gunzip = createGunzip({ chunkSize: STREAM_CHUNK_BYTES });
  raw.on("error", (error) => gunzip.destroy(error));
  raw.pipe(gunzip);
  try {
    for await (const line of readLines(gunzip, maxLineBytes)) {
      lastLine = line.number;
      if ("tooLong" in line) {
        result.rejected.push({
          line: line.number,
          reason: `line of ${line.tooLong} bytes exceeds the ${maxLineBytes}-byte limit`,
          excerpt: "",
        });
        continue;
      }
      if (line.text.trim().length === 0) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.text);
      } catch (error) {
        result.rejected.push({
          line: line.number,
          reason: `invalid JSON: ${messageOf(error)}`,
          excerpt: line.text,
        });
        continue;
      }
      const normalized = normalizeRecord(parsed);
      if (normalized.kind === "record") {
        try {
          onRecord(normalized.record);
        } catch (error) {
          storeFailure = { error };
          throw error;
        }
      } else if (normalized.kind === "skip") result.skipped += 1;
      else result.rejected.push({ line: line.number, reason: normalized.reason, excerpt: line.text });
    }
  } catch (error) {
    // The store failed (a write or commit), not the object: stop the run, which rolls back.
    if (storeFailure) throw storeFailure.error;
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    if (code === "Z_DATA_ERROR" && lastLine === 0) {
      result.fatal = { line: null, reason: `not gzip data: ${messageOf(error)}` };
    } else if (code === "Z_BUF_ERROR" || /unexpected end/i.test(messageOf(error))) {
      result.fatal = { line: lastLine + 1, reason: `truncated gzip: the object ends after line ${lastLine}` };
    } else {
      result.fatal = {
        line: lastLine + 1,
        reason: `read failed after line ${lastLine}: ${messageOf(error)}`,
      };
    }
  } finally {
    raw.destroy();
  }
  return result;
}

/** The inflated size a gzip object declares in its last 4 bytes (RFC 1952 ISIZE, mod 2^32): a hint. */
function inflatedSizeHint(gz: Buffer): number {
  return gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Models this run touched that have usage but no price (DESIGN rule 3: never silent). */
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
