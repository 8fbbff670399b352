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
 * Memory is bounded by `batchRecords`, the read-ahead window and one line (`maxLineBytes`), whatever
 * the object sizes; parse threads (`threads`, docs/adr/0012-parallel-ingest.md) hold one object each.
 *
 * This file holds the public entry and the run's order of work; the pieces are: `run-record.ts`
 * (the `ingest_runs` row), `object-loop.ts` (listing, read-ahead, judging each object),
 * `read-ahead.ts` (reading one object, with retries), `batch-writer.ts` (the atomic batch),
 * `seen-requests.ts` (requestId dedupe) and `summary.ts` (what the run reports).
 */

import type { ApplicationProfileMap, Db, PriceBook } from "@bedrock-chargeback/ledger";
import { DEFAULT_METADATA_MAPPING, lockIngest, type MetadataMapping } from "@bedrock-chargeback/ledger";
import { BatchWriter } from "./batch-writer";
import { ingestListed } from "./object-loop";
import type { ObjectSource } from "./object-source";
import { defaultThreads, ParsePool } from "./parse-pool";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { failRun, finishRun, startRun } from "./run-record";
import { emptySummary, type IngestProgress, type IngestSummary, progressOf, settleSummary } from "./summary";

export type { IngestProgress, IngestSummary, QuarantineEntry, ReadProblem } from "./summary";

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
  /**
   * Threads the run uses, the writer included: 1 parses on the writer's thread; N > 1 adds N − 1
   * parse threads (docs/adr/0012-parallel-ingest.md). Default: one per core, at most 3.
   */
  threads?: number;
  /** For object reads that fail in a way that may pass; default `DEFAULT_RETRY` (4 tries, ≤ ~2 s). */
  retry?: RetryPolicy;
  onProgress?: (progress: IngestProgress) => void;
  now?: () => Date;
};

const DEFAULTS = { batchRecords: 20_000, dedupeWindowHours: 168, maxLineBytes: 8 * 1024 * 1024 };

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
    const runId = startRun(client, options.objects.location, now);
    try {
      return await runIngest(options, runId, now);
    } catch (error) {
      throw failRun(client, runId, error, now);
    }
  } finally {
    lock.release();
  }
}

/** The run in order: every object into batches, the last commit, the dedupe window, the record. */
async function runIngest(options: IngestOptions, runId: number, now: () => Date): Promise<IngestSummary> {
  const { db, prices } = options;
  const summary = emptySummary(runId);
  const writer = new BatchWriter(db.$client, {
    ctx: {
      db,
      source: "raw",
      prices,
      applicationProfiles: options.applicationProfiles,
      profilePrefixes: options.profilePrefixes,
    },
    mapping: options.mapping ?? DEFAULT_METADATA_MAPPING,
    runId,
    batchRecords: options.batchRecords ?? DEFAULTS.batchRecords,
    dedupeWindowHours: options.dedupeWindowHours ?? DEFAULTS.dedupeWindowHours,
    now,
    onCommit: (w) => options.onProgress?.(progressOf(summary, w.counts.records, w.committedBatches)),
  });
  const threads = options.threads ?? defaultThreads();
  const mapping = options.mapping ?? DEFAULT_METADATA_MAPPING;
  const pool = threads > 1 ? new ParsePool(threads - 1, mapping) : undefined;
  try {
    await ingestListed(options.objects, {
      writer,
      summary,
      maxLineBytes: options.maxLineBytes ?? DEFAULTS.maxLineBytes,
      retry: options.retry ?? DEFAULT_RETRY,
      pool,
    });
  } finally {
    await pool?.close();
  }
  writer.commit();
  writer.pruneSeenRequests();
  Object.assign(summary, writer.counts);
  finishRun(db.$client, summary, settleSummary(db, summary), now);
  return summary;
}
