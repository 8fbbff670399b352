/** Query rows (from either engine) → the rollup's HourlyRow / FactRow, merged by key. */
import {
  addCounters,
  type Counters,
  dimsKeyOf,
  type FactRow,
  type HourlyRow,
  type RollupDims,
} from "@bedrock-chargeback/ledger";

export type DimsAndCounters = {
  account: string | null;
  region: string | null;
  tenant: string | null;
  application: string | null;
  cost_center: string | null;
  environment: string | null;
  team: string | null;
  model_id: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
};

export function dimsOf(row: DimsAndCounters): RollupDims {
  return {
    accountId: row.account,
    region: row.region,
    tenantId: row.tenant,
    applicationName: row.application,
    costCenter: row.cost_center,
    environment: row.environment,
    team: row.team,
    modelId: row.model_id,
  };
}

export function countersOf(row: DimsAndCounters): Counters {
  return {
    requests: row.requests,
    errors: row.errors,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
  };
}

/** Accumulates rows; rows of disjoint time windows with the same key add up. */
export class RowMerger {
  private readonly hourlyRows = new Map<string, HourlyRow>();
  private readonly factRows = new Map<string, FactRow>();
  readonly modelIds = new Set<string>();
  records = 0;

  addHourly(hour: string, row: DimsAndCounters): void {
    const dims = dimsOf(row);
    const key = `${hour}\u0001${dimsKeyOf(dims)}`;
    const c = countersOf(row);
    this.modelIds.add(dims.modelId);
    this.records += c.requests + c.errors;
    const existing = this.hourlyRows.get(key);
    if (existing) addCounters(existing.counters, c);
    else this.hourlyRows.set(key, { hour, dims, counters: c });
  }

  /** A whole day's usage of one user × identity (the collectors' daily facts, grain 24). */
  addFact(day: string, user: string | null, identity: string | null, row: DimsAndCounters): void {
    const dims = dimsOf(row);
    const key = JSON.stringify([day, dimsKeyOf(dims), user, identity]);
    const c = countersOf(row);
    this.modelIds.add(dims.modelId);
    const existing = this.factRows.get(key);
    if (existing) addCounters(existing.counters, c);
    else
      this.factRows.set(key, {
        hour: `${day}T00:00:00Z`,
        grain: 24,
        dims,
        attrs: { user, identity, meta: {} },
        counters: c,
      });
  }

  get hourly(): HourlyRow[] {
    return [...this.hourlyRows.values()];
  }

  get facts(): FactRow[] {
    return [...this.factRows.values()];
  }
}
