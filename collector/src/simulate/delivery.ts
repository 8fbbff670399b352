/**
 * Batches records into log objects per delivery-hour folder, the way Bedrock delivers them:
 * an object is written as soon as it is full, so memory holds at most a few open objects per
 * folder; when no later record can land in a folder, the rest is split into the final objects.
 * A re-delivered record never shares an object with its first delivery.
 */
import { hourPrefix, objectFileName } from "./layout";
import type { Rng } from "./prng";
import { HOUR_MS } from "./traffic";

/** Records per log object, at most. */
export const MAX_RECORDS_PER_OBJECT = 500;

/** One line waiting for its log object. */
export type DeliveryEntry = {
  line: string;
  requestId: string;
  deliveryMs: number;
  /** A second delivery of a record already queued. */
  duplicate: boolean;
};

/** Receives each finished object: its key and lines (newline-terminated JSON). */
export type ObjectSink = (key: string, entries: readonly DeliveryEntry[]) => Promise<void>;

type Bucket = {
  prefix: string;
  hourMs: number;
  capacity: number;
  entries: DeliveryEntry[];
  ids: Set<string>;
  /** Duplicates whose first delivery is still in `entries`. */
  held: DeliveryEntry[];
  emitted: number;
};

const byDelivery = (a: DeliveryEntry, b: DeliveryEntry) => a.deliveryMs - b.deliveryMs;

/** Open log objects per delivery-hour folder; see the module comment. */
export class DeliveryBuffer {
  private readonly buckets = new Map<string, Bucket>();
  private written = 0;

  constructor(
    private readonly rng: Rng,
    private readonly sink: ObjectSink,
  ) {}

  /** Objects handed to the sink so far. */
  get objects(): number {
    return this.written;
  }

  /** Queues `entry` for the folder `prefix` (its delivery hour starts at `hourMs`). */
  async add(prefix: string, hourMs: number, entry: DeliveryEntry): Promise<void> {
    let bucket = this.buckets.get(prefix);
    if (!bucket) {
      bucket = {
        prefix,
        hourMs,
        capacity: this.rng.between(200, MAX_RECORDS_PER_OBJECT - 20),
        entries: [],
        ids: new Set(),
        held: [],
        emitted: 0,
      };
      this.buckets.set(prefix, bucket);
    }
    if (entry.duplicate && bucket.ids.has(entry.requestId)) {
      bucket.held.push(entry);
      return;
    }
    bucket.entries.push(entry);
    bucket.ids.add(entry.requestId);
    if (bucket.entries.length >= bucket.capacity) {
      const full = bucket.entries.sort(byDelivery);
      // The held duplicates' first deliveries leave with this object, so they may go in the next.
      bucket.entries = bucket.held;
      bucket.ids = new Set(bucket.held.map((e) => e.requestId));
      bucket.held = [];
      bucket.emitted++;
      await this.emit(bucket.prefix, full);
    }
  }

  /** Finishes every folder whose hour starts at or before `hourMs`, oldest first. */
  async closeThrough(hourMs: number): Promise<void> {
    const due = [...this.buckets.values()]
      .filter((b) => b.hourMs <= hourMs)
      .sort((a, b) => a.hourMs - b.hourMs || (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));
    for (const bucket of due) {
      this.buckets.delete(bucket.prefix);
      await this.finish(bucket);
    }
  }

  /** Finishes every folder. */
  async closeAll(): Promise<void> {
    await this.closeThrough(Number.POSITIVE_INFINITY);
  }

  private async finish(bucket: Bucket): Promise<void> {
    const entries = bucket.entries.sort(byDelivery);
    const n = entries.length;
    let parts = Math.ceil(n / bucket.capacity);
    // Bedrock writes several objects an hour; a quiet folder still gets two or three.
    if (bucket.emitted === 0 && n >= 2) parts = Math.max(parts, Math.min(n, 2 + this.rng.int(2)));
    const slices: DeliveryEntry[][] = [];
    for (let p = 0; p < parts; p++)
      slices.push(entries.slice(Math.floor((p * n) / parts), Math.floor(((p + 1) * n) / parts)));
    for (const dup of bucket.held) {
      const target = slices.find(
        (slice) => slice.length < MAX_RECORDS_PER_OBJECT && !slice.some((e) => e.requestId === dup.requestId),
      );
      if (target) target.push(dup);
      else slices.push([dup]);
    }
    for (const slice of slices) if (slice.length > 0) await this.emit(bucket.prefix, slice);
  }

  private async emit(prefix: string, entries: readonly DeliveryEntry[]): Promise<void> {
    let last = 0;
    for (const e of entries) last = Math.max(last, e.deliveryMs);
    this.written++;
    await this.sink(`${prefix}/${objectFileName(last, this.rng.hex(16))}`, entries);
  }
}

const MINUTE = 60_000;

/**
 * Puts a record's line in the object of its delivery hour and, with probability `duplicateShare`,
 * once more 2–100 minutes later: a redelivery, as Bedrock's at-least-once delivery can make
 * (docs/aws-facts.md). Returns whether it was delivered twice.
 */
export async function deliverLine(
  buffer: DeliveryBuffer,
  account: { id: string; region: string },
  entry: { line: string; requestId: string; deliveryMs: number },
  rng: Rng,
  duplicateShare: number,
): Promise<boolean> {
  const deliveryHour = entry.deliveryMs - (entry.deliveryMs % HOUR_MS);
  await buffer.add(hourPrefix(account.id, account.region, deliveryHour), deliveryHour, {
    ...entry,
    duplicate: false,
  });
  if (!rng.chance(duplicateShare)) return false;
  const againMs = entry.deliveryMs + rng.between(2 * MINUTE, 100 * MINUTE);
  const againHour = againMs - (againMs % HOUR_MS);
  await buffer.add(hourPrefix(account.id, account.region, againHour), againHour, {
    ...entry,
    deliveryMs: againMs,
    duplicate: true,
  });
  return true;
}
