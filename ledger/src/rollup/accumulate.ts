/**
 * Folds UsageRecords into hourly rows and daily facet rows in memory; the writer adds them to the
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
  type FacetRow,
  type HourlyRow,
  type RollupDims,
} from "./types";

const SEP = "\u0001";
const NULL = "\u0000";

type Group = {
  dims: RollupDims;
  dimsKey: string;
  /** hour → counters */
  hours: Map<string, Counters>;
  /** `day SEP facet SEP value` → facet row */
  facets: Map<string, FacetRow>;
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
      group = { dims, dimsKey: dimsKeyOf(dims), hours: new Map(), facets: new Map() };
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
    addFacet(group, record.day, "user", md[m.user] ?? null, counters);
    addFacet(group, record.day, "identity", record.identityArn, counters);
    for (const k in md) {
      if (!this.mappedKeys.has(k)) addFacet(group, record.day, `meta:${k}`, md[k] ?? null, counters);
    }
  }

  *hourlyRows(): Generator<HourlyRow> {
    for (const g of this.groups.values()) {
      for (const [hour, counters] of g.hours) yield { hour, dims: g.dims, dimsKey: g.dimsKey, counters };
    }
  }

  *facetRows(): Generator<FacetRow> {
    for (const g of this.groups.values()) yield* g.facets.values();
  }

  clear(): void {
    this.groups.clear();
  }
}

function addFacet(group: Group, day: string, facet: string, value: string | null, counters: Counters): void {
  const key = day + SEP + facet + SEP + (value ?? NULL);
  const row = group.facets.get(key);
  if (row) addCounters(row.counters, counters);
  else
    group.facets.set(key, {
      day,
      dims: group.dims,
      dimsKey: group.dimsKey,
      facet,
      value,
      counters: { ...counters },
    });
}
