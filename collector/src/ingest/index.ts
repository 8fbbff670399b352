export { createDirSource, type DirFs, nodeDirFs } from "./dir-source";
export {
  type IngestOptions,
  type IngestProgress,
  type IngestSummary,
  ingestObjects,
  type ReadProblem,
} from "./ingest";
export { readLines } from "./lines";
export {
  isListingProblem,
  isLogObjectKey,
  type ListingProblem,
  ledgerKeyOf,
  type ObjectRef,
  type ObjectSource,
} from "./object-source";
export { DEFAULT_RETRY, isTransientError, type RetryPolicy, withRetry } from "./retry";
export { createS3Client, createS3Source, type S3SourceOptions } from "./s3-source";
export { unpricedModelsOfRun } from "./summary";
