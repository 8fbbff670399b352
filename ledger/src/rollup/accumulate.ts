/**
 * Folds UsageRecords into usage fact rows (hour × dimension tuple × user, identity and metadata)
 * in memory, and the hourly rows as their sums; the writer adds both to the store in one
 * transaction. Memory is bounded by the distinct keys of one batch.
 *
 * Hot path (docs/adr/0012-parallel-ingest.md): a record becomes a *fact key* (one string) and a
 * row of FACT_WIDTH numbers. The key joins the hour, the dimension tuple and the attributes with
 * two control characters, unambiguous because normalize rejects them in every value (Bedrock
 * forbids them too). Keys and numbers can be built on another thread (`FactPart`) and merged here
 * without a record ever crossing threads; a part's record that turns out to be a duplicate is
 * taken out again exactly (integer sums).
 */
import { DEFAULT_METADATA_MAPPING, type MetadataMapping } from "../dimensions";
import type { UsageRecord } from "../records/usage-record";
import {
  attrsKeyOf,
  type Counters,
  dimsKeyOf,
  type FactRow,
  type HourlyRow,
  MOMENT_COUNT,
  type RollupDims,
  zeroCounters,
} from "./types";

const SEP = "\u0001";
const NULL = "\u0000";

/**
 * The numbers of one record or fact row: requests, errors, the four token buckets, the ten token
 * moments (`types.ts` Moments), latency sum and latency count.
 */
export const FACT_WIDTH = 6 + MOMENT_COUNT + 2;
const LATENCY = 6 + MOMENT_COUNT;

/** The parts of a fact key that are dimensions (after the hour, before user and identity). */
const DIM_FIELDS = 8;

/** What a fact key is built from: the mapping's metadata keys and the ones it does not map. */
export type FactKeying = { mapping: MetadataMapping; mappedKeys: ReadonlySet<string> };

export function factKeying(mapping: MetadataMapping = DEFAULT_METADATA_MAPPING): FactKeying {
  return { mapping, mappedKeys: new Set(Object.values(mapping)) };
}

/**
 * `hour SEP account SEP region SEP tenant SEP application SEP cost center SEP environment SEP
 * team SEP model SEP user SEP identity (SEP key SEP value)*`, null as NUL; metadata keys in the
 * order logged (two orders of the same keys are two keys, which only costs a row).
 */
export function factKeyOf(record: UsageRecord, keying: FactKeying): string {
  const m = keying.mapping;
  const md = record.metadata;
  let key =
    record.hour +
    SEP +
    (record.accountId ?? NULL) +
    SEP +
    (record.region ?? NULL) +
    SEP +
    (md[m.tenant] ?? NULL) +
    SEP +
    (md[m.application] ?? NULL) +
    SEP +
    (md[m.cost_center] ?? NULL) +
    SEP +
    (md[m.environment] ?? NULL) +
    SEP +
    (md[m.team] ?? NULL) +
    SEP +
    record.modelId +
    SEP +
    (md[m.user] ?? NULL) +
    SEP +
    (record.identityArn ?? NULL);
  for (const k in md) {
    if (keying.mappedKeys.has(k)) continue;
    key += SEP + k + SEP + (md[k] as string);
  }
  return key;
}

/** Writes a record's FACT_WIDTH numbers into `out` at `offset`. */
export function factNumsInto(record: UsageRecord, out: Float64Array, offset: number): void {
  const i = record.inputTokens;
  const o = record.outputTokens;
  const r = record.cacheReadTokens;
  const w = record.cacheWriteTokens;
  const failed = record.errorCode !== null;
  out[offset] = failed ? 0 : 1;
  out[offset + 1] = failed ? 1 : 0;
  out[offset + 2] = i;
  out[offset + 3] = o;
  out[offset + 4] = r;
  out[offset + 5] = w;
  out[offset + 6] = i * i;
  out[offset + 7] = o * o;
  out[offset + 8] = r * r;
  out[offset + 9] = w * w;
  out[offset + 10] = i * o;
  out[offset + 11] = i * r;
  out[offset + 12] = i * w;
  out[offset + 13] = o * r;
  out[offset + 14] = o * w;
  out[offset + 15] = r * w;
  const latency = record.latencyMs ?? null;
  out[offset + LATENCY] = latency ?? 0;
  out[offset + LATENCY + 1] = latency === null ? 0 : 1;
}

/**
 * A run of records already folded by key, ready to merge (`RollupAccumulator.addPart`): its
 * distinct fact keys with their summed numbers, and for every record which fact it went to and
 * its own numbers, so a record found to be a duplicate can be taken out again.
 */
export type FactPart = {
  /** Distinct fact keys. */
  keys: string[];
  /** FACT_WIDTH numbers per fact key. */
  sums: Float64Array;
  /** Per record: the index of its fact key. */
  factOf: Int32Array;
  /** FACT_WIDTH numbers per record. */
  nums: Float64Array;
};

/** Builds a FactPart record by record (on whichever thread parses). */
export class FactPartBuilder {
  private readonly index = new Map<string, number>();
  private keys: string[] = [];
  private sums: number[] = [];
  private factOf: number[] = [];
  private nums: number[] = [];
  private readonly one = new Float64Array(FACT_WIDTH);

  constructor(private readonly keying: FactKeying) {}

  get records(): number {
    return this.factOf.length;
  }

  add(record: UsageRecord): void {
    const key = factKeyOf(record, this.keying);
    let at = this.index.get(key);
    if (at === undefined) {
      at = this.keys.length;
      this.index.set(key, at);
      this.keys.push(key);
      for (let k = 0; k < FACT_WIDTH; k++) this.sums.push(0);
    }
    factNumsInto(record, this.one, 0);
    const base = at * FACT_WIDTH;
    for (let k = 0; k < FACT_WIDTH; k++) {
      const v = this.one[k] as number;
      this.sums[base + k] = (this.sums[base + k] as number) + v;
      this.nums.push(v);
    }
    this.factOf.push(at);
  }

  /** The part so far; the builder starts empty again. */
  take(): FactPart {
    const part: FactPart = {
      keys: this.keys,
      sums: Float64Array.from(this.sums),
      factOf: Int32Array.from(this.factOf),
      nums: Float64Array.from(this.nums),
    };
    this.index.clear();
    this.keys = [];
    this.sums = [];
    this.factOf = [];
    this.nums = [];
    return part;
  }
}

export class RollupAccumulator {
  /** Fact key → its row in `sums`: one growing arena, not a typed array per key. */
  private readonly facts = new Map<string, number>();
  private sums = new Float64Array(FACT_WIDTH * 1024);
  private readonly keying: FactKeying;
  private readonly one = new Float64Array(FACT_WIDTH);

  constructor(mapping: MetadataMapping = DEFAULT_METADATA_MAPPING) {
    this.keying = factKeying(mapping);
  }

  add(record: UsageRecord): void {
    factNumsInto(record, this.one, 0);
    this.addNums(factKeyOf(record, this.keying), this.one, 0);
  }

  /**
   * Merges a part; `drop` lists the part's records (by index, ascending) that are not to count
   * (duplicates): their numbers are taken out of their fact's sums first.
   */
  addPart(part: FactPart, drop: readonly number[] = []): void {
    const keys = part.keys;
    let sums = part.sums;
    if (drop.length > 0) {
      sums = Float64Array.from(part.sums);
      for (const r of drop) {
        const base = (part.factOf[r] as number) * FACT_WIDTH;
        for (let k = 0; k < FACT_WIDTH; k++)
          sums[base + k] = (sums[base + k] as number) - (part.nums[r * FACT_WIDTH + k] as number);
      }
    }
    for (let f = 0; f < keys.length; f++) {
      const base = f * FACT_WIDTH;
      // A fact whose every record was a duplicate has no requests and no errors left.
      if ((sums[base] as number) + (sums[base + 1] as number) === 0) continue;
      this.addNums(keys[f] as string, sums, base);
    }
  }

  private addNums(key: string, nums: Float64Array, offset: number): void {
    let row = this.facts.get(key);
    if (row === undefined) {
      row = this.facts.size;
      this.facts.set(key, row);
      if ((row + 1) * FACT_WIDTH > this.sums.length) {
        const grown = new Float64Array(this.sums.length * 2);
        grown.set(this.sums);
        this.sums = grown;
      }
    }
    const base = row * FACT_WIDTH;
    const sums = this.sums;
    for (let k = 0; k < FACT_WIDTH; k++)
      sums[base + k] = (sums[base + k] as number) + (nums[offset + k] as number);
  }

  /** The hourly rows: the fact rows summed over their attributes. */
  *hourlyRows(): Generator<HourlyRow> {
    const hours = new Map<string, { hour: string; group: string; counters: Counters }>();
    for (const [key, f] of this.facts) {
      const base = f * FACT_WIDTH;
      const { hour, group } = splitKey(key);
      const at = `${hour}${SEP}${group}`;
      const row = hours.get(at);
      if (row) addNumsToCounters(row.counters, this.sums, base);
      else {
        const counters = zeroCounters();
        addNumsToCounters(counters, this.sums, base);
        hours.set(at, { hour, group, counters });
      }
    }
    const groups = new Map<string, { dims: RollupDims; dimsKey: string }>();
    for (const { hour, group, counters } of hours.values()) {
      const g = groupOf(groups, group);
      yield { hour, dims: g.dims, dimsKey: g.dimsKey, counters };
    }
  }

  *factRows(): Generator<FactRow> {
    const groups = new Map<string, { dims: RollupDims; dimsKey: string }>();
    const attrsOf = new Map<string, Pick<FactRow, "attrs" | "attrsKey">>();
    for (const [key, f] of this.facts) {
      const base = f * FACT_WIDTH;
      const nums = this.sums;
      const { hour, group, rest } = splitKey(key);
      const g = groupOf(groups, group);
      let a = attrsOf.get(rest);
      if (!a) {
        const fields = rest.split(SEP);
        const meta: Record<string, string> = {};
        for (let k = 2; k + 1 < fields.length; k += 2) meta[fields[k] as string] = fields[k + 1] as string;
        const attrs = { user: orNull(fields[0]), identity: orNull(fields[1]), meta };
        a = { attrs, attrsKey: attrsKeyOf(attrs) };
        attrsOf.set(rest, a);
      }
      const counters = zeroCounters();
      addNumsToCounters(counters, nums, base);
      yield {
        hour,
        grain: 1,
        dims: g.dims,
        dimsKey: g.dimsKey,
        attrs: a.attrs,
        attrsKey: a.attrsKey,
        counters,
        moments: Array.from(nums.subarray(base + 6, base + 6 + MOMENT_COUNT)),
        latencyMs: nums[base + LATENCY] as number,
        latencyCount: nums[base + LATENCY + 1] as number,
      };
    }
  }

  clear(): void {
    this.facts.clear();
    this.sums.fill(0);
  }
}

/**
 * The log stream a fact key's records came from: its account and Region (`account SEP region`).
 * A requestId is logged by the account and Region that served it, so its re-deliveries share
 * this stream.
 */
export function streamOfFactKey(key: string): string {
  const afterHour = key.indexOf(SEP);
  return key.slice(afterHour + 1, key.indexOf(SEP, key.indexOf(SEP, afterHour + 1) + 1));
}

/** A fact key's hour, its dimension part and the rest (user, identity, metadata). */
function splitKey(key: string): { hour: string; group: string; rest: string } {
  const afterHour = key.indexOf(SEP);
  let end = afterHour;
  for (let k = 0; k < DIM_FIELDS; k++) end = key.indexOf(SEP, end + 1);
  return { hour: key.slice(0, afterHour), group: key.slice(afterHour + 1, end), rest: key.slice(end + 1) };
}

function groupOf(
  groups: Map<string, { dims: RollupDims; dimsKey: string }>,
  group: string,
): { dims: RollupDims; dimsKey: string } {
  let g = groups.get(group);
  if (!g) {
    const f = group.split(SEP);
    const dims: RollupDims = {
      accountId: orNull(f[0]),
      region: orNull(f[1]),
      tenantId: orNull(f[2]),
      applicationName: orNull(f[3]),
      costCenter: orNull(f[4]),
      environment: orNull(f[5]),
      team: orNull(f[6]),
      modelId: f[7] as string,
    };
    g = { dims, dimsKey: dimsKeyOf(dims) };
    groups.set(group, g);
  }
  return g;
}

function orNull(field: string | undefined): string | null {
  return field === undefined || field === NULL ? null : field;
}

function addNumsToCounters(into: Counters, nums: Float64Array, base: number): void {
  into.requests += nums[base] as number;
  into.errors += nums[base + 1] as number;
  into.inputTokens += nums[base + 2] as number;
  into.outputTokens += nums[base + 3] as number;
  into.cacheReadTokens += nums[base + 4] as number;
  into.cacheWriteTokens += nums[base + 5] as number;
}
