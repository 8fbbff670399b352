/**
 * Folds UsageRecords into hourly rows and usage fact rows (hour × tuple × user, identity and
 * metadata) in memory; the writer adds them to the
 * store in one transaction. Memory is bounded by the distinct keys of one batch.
 *
 * Hot path: records are grouped by their dimension tuple under a cheap joined key (unambiguous
 * because normalize rejects the two control characters used as separators; Bedrock forbids
 * them too), and the store's JSON `dims_key` is computed once per tuple.
 */
import { DEFAULT_METADATA_MAPPING, type MetadataMapping } from "../dimensions";
import type { UsageRecord } from "../records/usage-record";
import {
  addCounters,
  type Counters,
  dimsKeyOf,
  type FactRow,
  type HourlyRow,
  MOMENT_COUNT,
  momentsOf,
  type RollupDims,
} from "./types";

const SEP = "\u0001";
const NULL = "\u0000";

type Group = {
  dims: RollupDims;
  dimsKey: string;
  /** hour → counters */
  hours: Map<string, Counters>;
  /** `hour SEP user SEP identity (SEP key SEP value)*` → fact row */
  facts: Map<string, FactRow>;
};

export class RollupAccumulator {
  private readonly groups = new Map<string, Group>();
  private readonly mappedKeys: Set<string>;

  constructor(private readonly mapping: MetadataMapping = DEFAULT_METADATA_MAPPING) {
    this.mappedKeys = new Set(Object.values(mapping));
  }

  add(record: UsageRecord): void {
    const m = this.mapping;
    const md = record.metadata;
    const tenantId = md[m.tenant] ?? null;
    const applicationName = md[m.application] ?? null;
    const costCenter = md[m.cost_center] ?? null;
    const environment = md[m.environment] ?? null;
    const team = md[m.team] ?? null;
    const key =
      (record.accountId ?? NULL) +
      SEP +
      (record.region ?? NULL) +
      SEP +
      (tenantId ?? NULL) +
      SEP +
      (applicationName ?? NULL) +
      SEP +
      (costCenter ?? NULL) +
      SEP +
      (environment ?? NULL) +
      SEP +
      (team ?? NULL) +
      SEP +
      record.modelId;
    let group = this.groups.get(key);
    if (!group) {
      const dims: RollupDims = {
        accountId: record.accountId,
        region: record.region,
        tenantId,
        applicationName,
        costCenter,
        environment,
        team,
        modelId: record.modelId,
      };
      group = { dims, dimsKey: dimsKeyOf(dims), hours: new Map(), facts: new Map() };
      this.groups.set(key, group);
    }
    const failed = record.errorCode !== null;
    const counters: Counters = {
      requests: failed ? 0 : 1,
      errors: failed ? 1 : 0,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      cacheReadTokens: record.cacheReadTokens,
      cacheWriteTokens: record.cacheWriteTokens,
    };
    const hour = group.hours.get(record.hour);
    if (hour) addCounters(hour, counters);
    else group.hours.set(record.hour, { ...counters });
    addFact(group, record, md[m.user] ?? null, this.mappedKeys, counters);
  }

  *hourlyRows(): Generator<HourlyRow> {
    for (const g of this.groups.values()) {
      for (const [hour, counters] of g.hours) yield { hour, dims: g.dims, dimsKey: g.dimsKey, counters };
    }
  }

  *factRows(): Generator<FactRow> {
    for (const g of this.groups.values()) yield* g.facts.values();
  }

  clear(): void {
    this.groups.clear();
  }
}

function addFact(
  group: Group,
  record: UsageRecord,
  user: string | null,
  mappedKeys: ReadonlySet<string>,
  counters: Counters,
): void {
  const md = record.metadata;
  let key = record.hour + SEP + (user ?? NULL) + SEP + (record.identityArn ?? NULL);
  let meta: Record<string, string> | undefined;
  for (const k in md) {
    if (mappedKeys.has(k)) continue;
    const v = md[k] as string;
    key += SEP + k + SEP + v;
    meta ??= {};
    meta[k] = v;
  }
  const t = record;
  const moments = momentsOf(t.inputTokens, t.outputTokens, t.cacheReadTokens, t.cacheWriteTokens);
  const latency = record.latencyMs ?? null;
  const row = group.facts.get(key);
  if (row) {
    addCounters(row.counters, counters);
    const into = row.moments as number[];
    for (let i = 0; i < MOMENT_COUNT; i++) into[i] = (into[i] as number) + (moments[i] as number);
    if (latency !== null) {
      row.latencyMs = (row.latencyMs ?? 0) + latency;
      row.latencyCount = (row.latencyCount ?? 0) + 1;
    }
  } else
    group.facts.set(key, {
      hour: record.hour,
      grain: 1,
      dims: group.dims,
      dimsKey: group.dimsKey,
      attrs: { user, identity: record.identityArn, meta: meta ?? {} },
      counters: { ...counters },
      moments,
      latencyMs: latency ?? 0,
      latencyCount: latency === null ? 0 : 1,
    });
}
