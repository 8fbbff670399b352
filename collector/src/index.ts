/**
 * The collector's core: store, normalization, pricing, rollups, raw ingest, reports, billing and
 * the simulator. The AWS-heavy parts have their own entry points so that importing the core stays
 * fast: `@bedrock-chargeback/collector/sources` (Logs Insights, Athena, doctor) and
 * `@bedrock-chargeback/collector/metrics` (CloudWatch publishing).
 */

export * from "./billing";
export { escapeCsvField, toCsv, unescapeCsvField } from "./billing/csv";
export * from "./dimensions";
export * from "./ingest";
export * from "./models/resolve-model";
export * from "./pricing/catalog";
export * from "./pricing/cost";
export * from "./pricing/money";
export * from "./pricing/price-book";
export * from "./records/normalize";
export type { UsageRecord } from "./records/usage-record";
export * from "./report/usage";
export * from "./rollup/accumulate";
export { rebuildDaily } from "./rollup/daily";
export * from "./rollup/types";
export * from "./rollup/write";
export {
  aggregateTruth,
  type GroundTruth,
  parseGroundTruth,
  SIMULATED_APPLICATION_PROFILES,
  type SimulationOptions,
  type SimulationSummary,
  simulate,
  type TruthRow,
  totalTruth,
} from "./simulate";
export * from "./store/backup";
export { createDb, type Db } from "./store/db";
export * as schema from "./store/schema";
export * as apiSchema from "./store/schema-api";
export * from "./user-input";
