/**
 * How a listed object's bytes are read, with the retries around it (docs/rules.md rule 11): a
 * small object is read whole ahead of its turn, while others parse, and inflated in one call; a
 * large one (or one that inflates large) is streamed line by line. Tries that failed and then
 * passed are noted on the object for the summary; tries that kept failing come back as
 * `RetriesExhausted`, for the loop to leave the object unread.
 */
import type { FactKeying, UsageRecord } from "@bedrock-chargeback/ledger";
import type { ObjectRef } from "./object-source";
import type { Parsed, ParsePool } from "./parse-pool";
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
import { type RecordPart, RecordPartBuilder } from "./record-part";
import { describeFailure, isTransientError, RetriesExhausted, type RetryPolicy, withRetry } from "./retry";
import type { ReadProblem } from "./summary";

export type ReadSettings = {
  maxLineBytes: number;
  retry: RetryPolicy;
  /** Parse threads for read-ahead objects; without, every object is parsed on this thread. */
  pool?: ParsePool;
};

/** Where an object's records go: folded into parts (keyed for the writer) and handed over. */
export type PartSink = { keying: FactKeying; onPart: (part: RecordPart) => void };

/** A read-ahead object: its bytes, or the tries that failed. */
type Loaded = Buffer | RetriesExhausted;

/** A listed object waiting its turn: its bytes on the way when small, and its retries so far. */
export type QueuedObject = {
  ref: ObjectRef;
  preload: Promise<Loaded> | undefined;
  /** The read-ahead bytes parsed on a parse thread (when there is a pool and they inflate small). */
  parsed?: Promise<Parsed | undefined>;
  /** Set when a read needed more than one try: the tries used and the last failure. */
  retried?: ReadProblem;
};

/** Objects up to this size are read whole and gunzipped in one call; larger ones stream. */
const SMALL_OBJECT_BYTES = 4 * 1024 * 1024;

/** Queues an object, starting to read it now when it is small. */
export function queueObject(ref: ObjectRef, settings: ReadSettings): QueuedObject {
  const queued: QueuedObject = { ref, preload: undefined };
  if (ref.size > 0 && ref.size <= SMALL_OBJECT_BYTES) queued.preload = loadObject(queued, settings.retry);
  const { pool } = settings;
  if (queued.preload && pool) {
    queued.parsed = queued.preload.then((loaded) =>
      loaded instanceof RetriesExhausted || inflatedSizeHint(loaded) > INFLATE_WHOLE_BYTES
        ? undefined
        : pool.parse(loaded, settings.maxLineBytes),
    );
    // Awaited in its turn; until then a failed parse must not count as unhandled.
    queued.parsed.catch(() => {});
  }
  return queued;
}

/**
 * Reads a queued object's records into `sink`: as parsed on a parse thread, or from its read-ahead
 * bytes when it has them and they inflate to at most INFLATE_WHOLE_BYTES, otherwise as a stream.
 */
export async function readQueued(
  queued: QueuedObject,
  settings: ReadSettings,
  sink: PartSink,
): Promise<ObjectReadResult | RetriesExhausted> {
  const parsed = await queued.parsed;
  if (parsed !== undefined && parsed !== TOO_LARGE) {
    for (const part of parsed.parts) sink.onPart(part);
    return parsed.result;
  }
  const builder = new RecordPartBuilder(sink.keying, sink.onPart);
  const result = await readHere(queued, settings, (record) => builder.add(record));
  builder.flush();
  return result;
}

/** Reads a queued object on this thread. */
async function readHere(
  queued: QueuedObject,
  settings: ReadSettings,
  onRecord: (record: UsageRecord) => void,
): Promise<ObjectReadResult | RetriesExhausted> {
  const loaded = await queued.preload;
  if (loaded instanceof RetriesExhausted) return loaded;
  // The gzip trailer's size (ISIZE) picks the way without inflating twice; a trailer that
  // under-states is caught by the cap in readLoadedObject. (One that over-states, from damage in
  // those 4 bytes, only sends a small object down the streaming path.)
  const streamIt = loaded !== undefined && inflatedSizeHint(loaded) > INFLATE_WHOLE_BYTES;
  const result =
    loaded === undefined || streamIt ? undefined : readLoadedObject(loaded, settings.maxLineBytes, onRecord);
  if (result !== undefined && result !== TOO_LARGE) return result;
  // Not read ahead, or it inflates past INFLATE_WHOLE_BYTES: stream it through the inflater (from
  // memory when it was read ahead), one line at a time rather than one whole text.
  const ref = loaded === undefined ? queued.ref : { ...queued.ref, open: streamOf(loaded) };
  return streamObject(queued, ref, settings, onRecord);
}

/** Why a read failed, in one line, as the source said it (without the ReadFailure wrapper). */
export function describeReadFailure(error: unknown): string {
  return describeFailure(error instanceof ReadFailure ? error.cause : error);
}

/** Reads a small object whole, retrying failures that may pass (runs ahead, while others parse). */
async function loadObject(queued: QueuedObject, retry: RetryPolicy): Promise<Loaded> {
  try {
    return await withRetry(() => readWhole(queued.ref), retry, { onRetry: noteRetryOn(queued) });
  } catch (error) {
    return error instanceof RetriesExhausted ? error : new RetriesExhausted(1, error);
  }
}

/**
 * Streams an object, retrying failures that may pass. A retry reads from the start again (gzip
 * cannot resume) and passes over the lines an earlier try already handled, so none counts twice.
 */
async function streamObject(
  queued: QueuedObject,
  ref: ObjectRef,
  settings: ReadSettings,
  onRecord: (record: UsageRecord) => void,
): Promise<ObjectReadResult | RetriesExhausted> {
  const all: ObjectReadResult = { bytes: 0, lines: 0, lastLine: 0, skipped: new Map(), rejected: [] };
  try {
    await withRetry(
      async () => {
        const result = await readObject(ref, settings.maxLineBytes, onRecord, all.lastLine);
        all.bytes += result.bytes;
        all.lines += result.lines;
        all.lastLine = Math.max(all.lastLine, result.lastLine);
        for (const [reason, n] of result.skipped) all.skipped.set(reason, (all.skipped.get(reason) ?? 0) + n);
        all.rejected.push(...result.rejected);
        all.fatal = result.fatal;
        if (result.readFailure) throw result.readFailure;
      },
      settings.retry,
      {
        retryable: (e) => e instanceof ReadFailure && isTransientError(e.cause),
        onRetry: noteRetryOn(queued),
      },
    );
  } catch (error) {
    // Only the source's failures are retried or left for later; a store failure stops the run.
    if (error instanceof RetriesExhausted && error.cause instanceof ReadFailure) return error;
    throw error instanceof RetriesExhausted ? error.cause : error;
  }
  return all;
}

/** Notes on the object that a try failed: the tries so far and the failure, for the summary. */
function noteRetryOn(queued: QueuedObject): (error: unknown, attempt: number) => void {
  return (error, attempt) => {
    queued.retried = {
      location: queued.ref.location,
      reason: describeReadFailure(error),
      attempts: attempt + 1,
    };
  };
}
