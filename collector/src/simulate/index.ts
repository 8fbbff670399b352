/** The Bedrock invocation-log simulator: corpus writer, its scenarios and its ground truth. */

export {
  CUR_EXPORT_NAME,
  type CurFormat,
  type CurTruth,
  type PlantedLine,
  SIMULATED_RATES,
  writeCurExport,
} from "./cur";
export { LOG_OBJECT_KEY, PERMISSION_CHECK_MARKER, SIDECAR_KEY } from "./layout";
export { SIMULATED_ACCOUNTS, SIMULATED_APPLICATION_PROFILES, simulatedBucket } from "./scenarios";
export {
  MAX_SIMULATED_RECORDS,
  parseDay,
  type SimulationOptions,
  type SimulationProgress,
  type SimulationSummary,
  simulate,
} from "./simulate";
export {
  type AggregatedTruthRow,
  aggregateTruth,
  type GroundTruth,
  groundTruthSchema,
  parseGroundTruth,
  TRUTH_KEYS,
  TRUTH_MEASURES,
  type TruthKey,
  type TruthMeasure,
  type TruthRow,
  totalTruth,
  truthRowSchema,
} from "./truth";
