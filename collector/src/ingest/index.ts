export { createDirSource } from "./dir-source";
export { type IngestOptions, type IngestProgress, type IngestSummary, ingestObjects } from "./ingest";
export { readLines } from "./lines";
export {
  isLogObjectKey,
  ledgerKeyOf,
  type ObjectRef,
  type ObjectSource,
} from "./object-source";
export { createS3Client, createS3Source, type S3SourceOptions } from "./s3-source";
