/** Test helpers for other packages' tests (fixtures, s3rver). Not for production code. */

export * as billingTesting from "@bedrock-chargeback/ledger/testing";
export { childProcessEnv } from "./env";
export { type Fault, type FaultProxy, type FaultRule, startFaultProxy } from "./fault-proxy";
export * from "./fixtures";
export { putObjects, type S3Stand, startS3rver } from "./s3rver";
export { addUsageThroughRollup, ingestRecords, usageInputRecords } from "./usage-records";
