export * from "./batch";
export * from "./cloudwatch-publisher";
export * from "./memory-publisher";
export * from "./names";
export * from "./publish-ingest-metrics";
export * from "./rollup-metrics";
export type * from "./types";
