export * from "./dimensions";
export { escapeCsvField, toCsv, unescapeCsvField } from "./billing/csv";
export * from "./ingest";
export * from "./models/resolve-model";
export * from "./pricing/catalog";
export * from "./pricing/money";
export * from "./pricing/price-book";
export * from "./records/normalize";
export type { UsageRecord } from "./records/usage-record";
export * from "./report/usage";
export * from "./rollup/accumulate";
export * from "./rollup/types";
export * from "./rollup/write";
export { createDb, type Db } from "./store/db";
export * as schema from "./store/schema";
export * from "./metrics";
export * from "./billing";
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
export * as apiSchema from "./store/schema-api";
export * as billingTesting from "./billing/testing";
export * from "./sources";
