/**
 * The open batch (docs/adr/0003-exactly-once.md, mechanisms 1–3): one SQLite transaction holding
 * the batch's deduped records as rollup deltas, its quarantine rows and the objects it finished in
 * the ledger, committed together. A crash rolls the open batch back and loses nothing else.
 * One object with explicit state, so the rule "all of these commit together" has one home.
 */

import type { MetadataMapping } from "@bedrock-chargeback/ledger";
import {
  addRollupRows,
  FACT_WIDTH,
  type FactKeying,
  factKeying,
  RollupAccumulator,
  streamOfFactKey,
  type WriteContext,
} from "@bedrock-chargeback/ledger";
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";
import type { ObjectRef } from "./object-source";
import type { RecordPart } from "./record-part";
import { SeenRequests } from "./seen-requests";
import { emptyCounts, type QuarantineEntry, type RecordCounts } from "./summary";

/** An object read to its end, for the ledger: how many records it gave and its verdict. */
export type FinishedObject = { ref: ObjectRef; records: number; status: "ok" | "partial" | "rejected" };

export type BatchWriterOptions = {
  ctx: WriteContext;
  mapping: MetadataMapping;
  runId: number;
  /** Records per transaction. */
  batchRecords: number;
  /** How long a requestId is remembered, in hours of record time before the newest record. */
  dedupeWindowHours: number;
  now: () => Date;
  /** Called after each commit, with what the writer has counted so far. */
  onCommit: (writer: BatchWriter) => void;
};

const EXCERPT_CHARS = 200;

/**
 * Writes a run's records, quarantine rows and finished objects in atomic batches.
 * @example const writer = new BatchWriter(client, options); writer.add(record); …; writer.commit();
 */
export class BatchWriter {
  /** Unique records counted so far, and duplicates dropped. */
  readonly counts: RecordCounts = emptyCounts();
  committedBatches = 0;
  /** How parts for this writer are keyed (its metadata mapping). */
  readonly keying: FactKeying;

  private readonly acc: RollupAccumulator;
  private readonly seen: SeenRequests;
  private readonly ledgered: Statement;
  private readonly ledger: Statement;
  private readonly quarantineRow: Statement;
  private readonly begin: Statement;
  private readonly end: Statement;
  // One transaction stays open while a batch is read: each part is deduped and folded as it
  // arrives, so no part outlives its turn. A crash rolls the open batch back.
  private open = false;
  private inBatch = 0;
  private objects: FinishedObject[] = [];
  private quarantined: (QuarantineEntry & { excerpt: string | null })[] = [];
  // The oldest record (epoch hour) of the object being read, and of any object left unread after
  // some of its records counted: pruning (as a batch commits, and at the end of the run) keeps
  // such an object's requestIds, which the run that reads it again must find.
  private openObjectFloor = Number.POSITIVE_INFINITY;
  private unreadFloor = Number.POSITIVE_INFINITY;
  // The newest record (epoch hour) of each log stream (account, Region) read in this run: how far
  // each source in the listing has got, for pruning requestIds as a batch commits.
  private readonly streamNewest = new Map<string, number>();

  constructor(
    client: Database.Database,
    private readonly options: BatchWriterOptions,
  ) {
    this.acc = new RollupAccumulator(options.mapping);
    this.keying = factKeying(options.mapping);
    this.seen = new SeenRequests(client);
    this.ledgered = client
      .prepare("SELECT 1 FROM ingested_objects WHERE source = 'objects' AND key = ?")
      .pluck();
    this.ledger = client.prepare(
      `INSERT INTO ingested_objects (source, key, size, etag, status, records, run_id, ingested_at)
       VALUES ('objects', ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Once per place: an object left unread (or cut off by a crash) after some of its lines were
    // quarantined is read again by a later run, which finds the same lines.
    this.quarantineRow = client.prepare(
      `INSERT INTO quarantine (run_id, source, key, line, reason, excerpt, created_at)
       SELECT ?, 'objects', ?, ?, ?, ?, ? WHERE NOT EXISTS
         (SELECT 1 FROM quarantine WHERE source = 'objects' AND key = ? AND line IS ? AND reason = ?)`,
    );
    this.begin = client.prepare("BEGIN");
    this.end = client.prepare("COMMIT");
  }

  /** Whether an earlier run finished this object (the object ledger). */
  isLedgered(key: string): boolean {
    return this.ledgered.get(key) !== undefined;
  }

  /**
   * Counts a part's records once each (requestId dedupe: a record seen before is taken out of the
   * part's sums); commits the batch when it is full.
   */
  addPart(part: RecordPart): void {
    this.openBatch();
    const seenBefore = this.seen.markSeen(part.hours, part.ids);
    this.acc.addPart(part.fact, seenBefore);
    const counts = this.counts;
    const nums = part.fact.nums;
    counts.duplicates += seenBefore.length;
    let next = 0;
    for (let r = 0; r < part.ids.length; r++) {
      if (seenBefore[next] === r) {
        next += 1;
        continue;
      }
      counts.records += 1;
      counts.requests += nums[r * FACT_WIDTH] as number;
      counts.errors += nums[r * FACT_WIDTH + 1] as number;
      const t = part.timestamps[r] as string;
      if (counts.dataFrom === null || t < counts.dataFrom) counts.dataFrom = t;
      if (counts.dataUntil === null || t > counts.dataUntil) counts.dataUntil = t;
    }
    for (const h of part.hours) if (h < this.openObjectFloor) this.openObjectFloor = h;
    this.noteStreams(part);
    this.inBatch += part.ids.length;
    if (this.inBatch >= this.options.batchRecords) this.commit();
  }

  /** Queues a quarantine row (its excerpt cut short) for the batch. */
  quarantine(entry: QuarantineEntry, excerpt: string | null): void {
    this.quarantined.push({ ...entry, excerpt: excerpt === null ? null : excerpt.slice(0, EXCERPT_CHARS) });
  }

  /** Ledgers an object in the batch that commits its last records. */
  finishObject(object: FinishedObject): void {
    this.objects.push(object);
    this.openObjectFloor = Number.POSITIVE_INFINITY;
  }

  /** The object being read is left unread (not ledgered): its requestIds are kept for the next run. */
  leaveObject(): void {
    this.unreadFloor = Math.min(this.unreadFloor, this.openObjectFloor);
    this.openObjectFloor = Number.POSITIVE_INFINITY;
  }

  /** Commits the open batch: rollup deltas, quarantine rows, ledger rows, in one transaction. */
  commit(): void {
    this.openBatch();
    addRollupRows(this.options.ctx, this.acc.hourlyRows(), this.acc.factRows());
    const { runId } = this.options;
    const at = this.options.now().toISOString();
    for (const q of this.quarantined)
      this.quarantineRow.run(runId, q.key, q.line, q.reason, q.excerpt, at, q.key, q.line, q.reason);
    for (const p of this.objects)
      this.ledger.run(p.ref.key, p.ref.size, p.ref.etag ?? null, p.status, p.records, runId, at);
    this.seen.forgetBefore(this.pruneBound());
    this.end.run();
    this.open = false;
    this.acc.clear();
    this.inBatch = 0;
    this.objects = [];
    this.quarantined = [];
    this.committedBatches += 1;
    this.options.onCommit(this);
  }

  /**
   * At the end of a run: forgets requestIds older than the dedupe window before the newest one
   * stored (or the run's clock, if that is earlier: `nextHour`), except those of an object left
   * unread after some of its records counted.
   */
  pruneSeenRequests(): void {
    this.seen.pruneOlderThan(
      this.options.dedupeWindowHours,
      Math.min(this.unreadFloor, this.nextHour() - this.options.dedupeWindowHours),
    );
  }

  /**
   * The hour before which a batch may forget requestIds as it commits: the dedupe window before
   * the newest record of the stream that is furthest behind, and nothing from an object being
   * read or left unread. Not the window before the newest record overall: keys sort by account and
   * Region before time, so a second account's month starts from its first day again, and pruning
   * by the first account's newest record lost the originals of the second's re-deliveries
   * (ingest.test.ts). A re-delivery shares its original's stream, so its original is kept while
   * within the window of its own stream; and as no stream's newest record is ahead of the newest
   * overall, this bound never forgets an id that the end-of-run pruning would keep.
   * A long run (a year's backfill) thus holds about a window of ids, not all of them. Record
   * time is capped at the run's clock (`nextHour`).
   */
  private pruneBound(): number {
    let behind = this.streamNewest.size > 0 ? this.nextHour() : Number.POSITIVE_INFINITY;
    for (const newest of this.streamNewest.values()) behind = Math.min(behind, newest);
    return Math.min(behind - this.options.dedupeWindowHours, this.openObjectFloor, this.unreadFloor);
  }

  /**
   * The hour after the present one, by the run's clock: no record is newer than this, so the
   * window is never measured from a timestamp in the future (a line stamped 2099 would otherwise
   * make every real requestId look a lifetime old and be forgotten).
   */
  private nextHour(): number {
    return Math.floor(this.options.now().getTime() / 3_600_000) + 1;
  }

  /** Notes how far each stream in the part has got (its facts' newest record). */
  private noteStreams(part: RecordPart): void {
    const { keys, factOf } = part.fact;
    const newest = new Float64Array(keys.length).fill(Number.NEGATIVE_INFINITY);
    for (let r = 0; r < factOf.length; r++) {
      const f = factOf[r] as number;
      const h = part.hours[r] as number;
      if (h > (newest[f] as number)) newest[f] = h;
    }
    for (let f = 0; f < keys.length; f++) {
      const stream = streamOfFactKey(keys[f] as string);
      const h = newest[f] as number;
      if (h > (this.streamNewest.get(stream) ?? Number.NEGATIVE_INFINITY)) this.streamNewest.set(stream, h);
    }
  }

  private openBatch(): void {
    if (!this.open) {
      this.begin.run();
      this.open = true;
    }
  }
}
