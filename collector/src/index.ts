/**
 * The collector: what fills the ledger. Normalization, raw ingest and the log simulator; the
 * AWS-heavy parts have their own entry points so that importing the core stays fast:
 * `@bedrock-chargeback/collector/sources` (Logs Insights, Athena, doctor) and
 * `@bedrock-chargeback/collector/metrics` (CloudWatch publishing). What the numbers are (store,
 * prices, rollups, reports, billing) lives in `@bedrock-chargeback/ledger`.
 */

export * from "./ingest";
export * from "./records/normalize";
export {
  aggregateTruth,
  CUR_EXPORT_NAME,
  type CurFormat,
  type CurTruth,
  type GroundTruth,
  type PlantedLine,
  parseGroundTruth,
  SIMULATED_APPLICATION_PROFILES,
  type SimulationOptions,
  type SimulationSummary,
  simulate,
  type TruthRow,
  totalTruth,
} from "./simulate";
