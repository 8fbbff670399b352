/**
 * A run of parsed records in the form the writer takes (docs/adr/0012-parallel-ingest.md): the
 * records folded by fact key (`FactPart`), plus what the requestId dedupe and the run's counts
 * need of each record. Built on whichever thread parses; small and flat, so a part crosses
 * threads as a few arrays rather than as records.
 */
import {
  type FactKeying,
  type FactPart,
  FactPartBuilder,
  type UsageRecord,
} from "@bedrock-chargeback/ledger";

export type RecordPart = {
  fact: FactPart;
  /** Per record: its requestId. */
  ids: string[];
  /** Per record: its hour as whole hours since 1970-01-01T00:00Z (the `seen_requests` hour). */
  hours: Int32Array;
  /** Per record: its timestamp as logged. */
  timestamps: string[];
};

/** Records per part: a part is flushed when it holds this many (memory per part stays small). */
export const PART_RECORDS = 2048;

/** Folds records into parts of at most `PART_RECORDS`, handing each full part to `onPart`. */
export class RecordPartBuilder {
  private readonly facts: FactPartBuilder;
  private ids: string[] = [];
  private hours: number[] = [];
  private timestamps: string[] = [];

  constructor(
    keying: FactKeying,
    private readonly onPart: (part: RecordPart) => void,
  ) {
    this.facts = new FactPartBuilder(keying);
  }

  add(record: UsageRecord): void {
    this.facts.add(record);
    this.ids.push(record.requestId);
    this.hours.push(Date.parse(record.hour) / 3_600_000);
    this.timestamps.push(record.timestamp);
    if (this.ids.length >= PART_RECORDS) this.flush();
  }

  /** Hands over what is held, if anything. */
  flush(): void {
    if (this.ids.length === 0) return;
    const part: RecordPart = {
      fact: this.facts.take(),
      ids: this.ids,
      hours: Int32Array.from(this.hours),
      timestamps: this.timestamps,
    };
    this.ids = [];
    this.hours = [];
    this.timestamps = [];
    this.onPart(part);
  }
}

/** The typed arrays' buffers of a part, to transfer rather than copy between threads. */
export function transferablesOf(part: RecordPart): ArrayBuffer[] {
  return [part.hours.buffer, part.fact.sums.buffer, part.fact.factOf.buffer, part.fact.nums.buffer].filter(
    (b): b is ArrayBuffer => b instanceof ArrayBuffer,
  );
}
