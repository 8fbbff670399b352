/**
 * Folds UsageRecords into hourly rows and daily facet rows in memory; the writer adds them to the
 * store in one transaction. Memory is bounded by the distinct keys of one batch.
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

export class RollupAccumulator {
  readonly hourly = new Map<string, HourlyRow>();
  readonly facets = new Map<string, FacetRow>();
  private readonly mappedKeys: Set<string>;

  constructor(private readonly mapping: MetadataMapping = DEFAULT_METADATA_MAPPING) {
    this.mappedKeys = new Set(Object.values(mapping));
  }

  get size(): number {
    return this.hourly.size + this.facets.size;
  }

  add(record: UsageRecord): void {
    const m = this.mapping;
    const md = record.metadata;
    const dims: RollupDims = {
      accountId: record.accountId,
      region: record.region,
      tenantId: md[m.tenant] ?? null,
      applicationName: md[m.application] ?? null,
      costCenter: md[m.cost_center] ?? null,
      environment: md[m.environment] ?? null,
      team: md[m.team] ?? null,
      modelId: record.modelId,
    };
    const failed = record.errorCode !== null;
    const counters: Counters = {
      requests: failed ? 0 : 1,
      errors: failed ? 1 : 0,
      inputTokens: record.inputTokens,
      outputTokens: record.outputTokens,
      cacheReadTokens: record.cacheReadTokens,
      cacheWriteTokens: record.cacheWriteTokens,
    };
    const dimsKey = dimsKeyOf(dims);
    this.addHourly(record.hour, dims, dimsKey, counters);
    this.addFacet(record.day, dims, dimsKey, "user", md[m.user] ?? null, counters);
    this.addFacet(record.day, dims, dimsKey, "identity", record.identityArn, counters);
    for (const key in md) {
      if (!this.mappedKeys.has(key))
        this.addFacet(record.day, dims, dimsKey, `meta:${key}`, md[key] ?? null, counters);
    }
  }

  private addHourly(hour: string, dims: RollupDims, dimsKey: string, counters: Counters): void {
    const key = `${hour}\u0001${dimsKey}`;
    const row = this.hourly.get(key);
    if (row) addCounters(row.counters, counters);
    else this.hourly.set(key, { hour, dims, counters: { ...counters } });
  }

  private addFacet(
    day: string,
    dims: RollupDims,
    dimsKey: string,
    facet: string,
    value: string | null,
    c: Counters,
  ) {
    const key = `${day}\u0001${dimsKey}\u0001${facet}\u0001${value === null ? "\u0000" : value}`;
    const row = this.facets.get(key);
    if (row) addCounters(row.counters, c);
    else this.facets.set(key, { day, dims, facet, value, counters: { ...c } });
  }

  clear(): void {
    this.hourly.clear();
    this.facets.clear();
  }
}
