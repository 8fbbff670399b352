/** Collection where the logs live: Logs Insights and Athena sources, profile resolution, doctor. */
export { type AthenaQueryOptions, AthenaSession, DEFAULT_ATHENA_OPTIONS } from "./athena";
export * from "./aws";
export { type Clock, Limiter, manualClock, systemClock } from "./clock";
export * from "./collect";
export * from "./doctor";
export * from "./errors";
export * from "./inference-profiles";
export {
  DEFAULT_INSIGHTS_OPTIONS,
  type InsightsQueryOptions,
  InsightsSession,
  planWindows,
  type TimeWindow,
} from "./logs-insights";
export * from "./pricing";
export * from "./scan-cost";
