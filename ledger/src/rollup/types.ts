/** The rollup's building blocks, shared by the raw path and the Logs Insights / Athena collectors. */

export type Counters = {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
};

/** The dimension tuple of a rollup row, as logged (before model resolution). */
export type RollupDims = {
  accountId: string | null;
  region: string | null;
  tenantId: string | null;
  applicationName: string | null;
  costCenter: string | null;
  environment: string | null;
  team: string | null;
  /** The model id as logged. */
  modelId: string;
};

/** Usage of one hour × dimension tuple. `dimsKey` may be given when already computed. */
export type HourlyRow = { hour: string; dims: RollupDims; dimsKey?: string; counters: Counters };

/** Usage of one day × dimension tuple × one extra key (`user`, `identity`, `meta:<key>`). */
export type FacetRow = {
  day: string;
  dims: RollupDims;
  dimsKey?: string;
  facet: string;
  value: string | null;
  counters: Counters;
};

export function zeroCounters(): Counters {
  return { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
}

export function addCounters(into: Counters, from: Counters): void {
  into.requests += from.requests;
  into.errors += from.errors;
  into.inputTokens += from.inputTokens;
  into.outputTokens += from.outputTokens;
  into.cacheReadTokens += from.cacheReadTokens;
  into.cacheWriteTokens += from.cacheWriteTokens;
}

/** The unique key of a dimension tuple; JSON keeps `null` distinct from "". */
export function dimsKeyOf(d: RollupDims): string {
  return JSON.stringify([
    d.accountId,
    d.region,
    d.tenantId,
    d.applicationName,
    d.costCenter,
    d.environment,
    d.team,
    d.modelId,
  ]);
}
