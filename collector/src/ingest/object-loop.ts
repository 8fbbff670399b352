/**
 * The object loop: lists the source, passes over what the ledger holds, keeps a read-ahead window
 * of small objects so I/O overlaps parsing (order is kept), and judges each object read: its
 * ledger status, its quarantine rows with place and reason, its lines in the summary. An object
 * whose read kept failing is left out of the ledger for the next run (docs/rules.md rule 11).
 */
import type { BatchWriter, FinishedObject } from "./batch-writer";
import { isListingProblem, type ObjectRef, type ObjectSource } from "./object-source";
import {
  describeReadFailure,
  type QueuedObject,
  queueObject,
  type ReadSettings,
  readQueued,
} from "./read-ahead";
import type { ObjectReadResult } from "./read-object";
import { RetriesExhausted } from "./retry";
import { type IngestSummary, listIn } from "./summary";

/** What the loop works with: the batch it writes into and the summary it fills. */
export type ObjectLoop = ReadSettings & { writer: BatchWriter; summary: IngestSummary };

/** Compressed bytes read ahead at most, whatever the object count. */
const READ_AHEAD_BYTES = 8 * 1024 * 1024;
/** How many small objects are read ahead while the current one is parsed. */
const READ_AHEAD = 16;

/** Ingests every object the source lists that the ledger does not hold, in listing order. */
export async function ingestListed(objects: ObjectSource, loop: ObjectLoop): Promise<void> {
  const { summary } = loop;
  const window: QueuedObject[] = [];
  let windowBytes = 0;
  // Parse threads pay off only for a run of many objects: they start once the window first fills.
  let queued = 0;
  for await (const item of objects.list()) {
    if (isListingProblem(item)) {
      const problem = { location: item.place, reason: item.reason, attempts: item.attempts };
      listIn(item.listed ? summary.retried : summary.unlisted, problem);
      continue;
    }
    summary.objectsListed += 1;
    if (loop.writer.isLedgered(item.key)) {
      summary.objectsSkipped += 1;
      continue;
    }
    queued += 1;
    const entry = queueObject(item, queued > READ_AHEAD ? loop : { ...loop, pool: undefined });
    window.push(entry);
    windowBytes += entry.preload ? item.size : 0;
    while (window.length >= READ_AHEAD || windowBytes > READ_AHEAD_BYTES) {
      const next = window.shift();
      if (!next) break;
      windowBytes -= next.preload ? next.ref.size : 0;
      await ingestObject(next, loop);
    }
  }
  for (const next of window) await ingestObject(next, loop);
}

/** Reads one object into the batch and decides its ledger status, or leaves it unread. */
async function ingestObject(queued: QueuedObject, loop: ObjectLoop): Promise<void> {
  const { ref } = queued;
  const { summary, writer } = loop;
  const finished: FinishedObject = { ref, records: 0, status: "rejected" };
  if (ref.size === 0) {
    quarantine(loop, ref, null, "empty object (0 bytes)", null);
  } else {
    const result = await readQueued(queued, loop, {
      keying: writer.keying,
      onPart: (part) => {
        writer.addPart(part);
        finished.records += part.ids.length;
      },
    });
    if (result instanceof RetriesExhausted) {
      writer.leaveObject();
      return leaveUnread(summary, ref, result);
    }
    if (queued.retried) listIn(summary.retried, queued.retried);
    finished.status = judgeRead(loop, ref, result, finished.records);
  }
  if (finished.status === "rejected") summary.objectsRejected += 1;
  else summary.objectsIngested += 1;
  writer.finishObject(finished);
}

/**
 * Counts a read object's bytes and skipped lines, quarantines its bad lines (and a fatal end or
 * no lines at all) and returns its ledger status: rejected when nothing in it was usable.
 */
function judgeRead(
  loop: ObjectLoop,
  ref: ObjectRef,
  result: ObjectReadResult,
  records: number,
): FinishedObject["status"] {
  const { summary } = loop;
  summary.bytesRead += result.bytes;
  for (const [reason, n] of result.skipped) {
    summary.notInvocationLogs += n;
    listIn(summary.skipped, { location: ref.location, reason, count: n });
  }
  for (const bad of result.rejected) quarantine(loop, ref, bad.line, bad.reason, bad.excerpt);
  if (result.fatal) {
    quarantine(loop, ref, result.fatal.line, result.fatal.reason, null);
    return records === 0 && result.rejected.length === 0 ? "rejected" : "partial";
  }
  if (result.lines === 0) {
    quarantine(loop, ref, null, "empty object (valid gzip, no lines)", null);
    return "rejected";
  }
  return result.rejected.length > 0 ? "partial" : "ok";
}

/** Bad content that was read: counted, listed in the summary and queued for the batch. */
function quarantine(
  loop: ObjectLoop,
  ref: ObjectRef,
  line: number | null,
  reason: string,
  excerpt: string | null,
): void {
  loop.summary.quarantined += 1;
  const entry = { key: ref.key, location: ref.location, line, reason };
  listIn(loop.summary.quarantine, entry);
  loop.writer.quarantine(entry, excerpt);
}

/** A read that failed is not a read: counted and listed, never ledgered. */
function leaveUnread(summary: IngestSummary, ref: ObjectRef, failure: RetriesExhausted): void {
  summary.objectsUnread += 1;
  listIn(summary.unread, {
    key: ref.key,
    location: ref.location,
    reason: describeReadFailure(failure.cause),
    attempts: failure.attempts,
  });
}
