export {
  type CallOptions,
  type ChargebackClient,
  createChargebackClient,
  type WithStreamUsage,
  type WithUsage,
} from "./chargeback-client";
export {
  type ChargebackClientOptions,
  type ChargebackConfig,
  type ChargebackDependencies,
  chargebackConfigSchema,
  DEFAULT_FALLBACK_ERRORS,
  DEFAULT_REQUIRED_KEYS,
  type Logger,
  metadataPolicySchema,
  type PolicyIssueContext,
  parseChargebackConfig,
} from "./config";
export { type CheckedConversation, type ConversationInput, checkConversation } from "./conversation";
export {
  ENVIRONMENT_METADATA_KEYS,
  type EnvironmentDefaults,
  type EnvironmentVariables,
  readEnvironmentDefaults,
} from "./env";
export {
  ChargebackError,
  type ChargebackErrorCode,
  ConfigError,
  ConversationError,
  type ConversationIssue,
  type ConversationIssueReason,
  CredentialsError,
  type MetadataIssue,
  type MetadataIssueAction,
  type MetadataIssueReason,
  MetadataPolicyError,
  ModelIdError,
} from "./errors";
export type { HealthProbe, HealthReport } from "./health-check";
export {
  applyMetadataPolicy,
  hashIdentifier,
  type MetadataInput,
  type MetadataPolicy,
  type MetadataValue,
  type PolicyMode,
  type PolicyResult,
  REQUEST_METADATA_LIMITS,
  SAFE_METADATA_CHARACTERS,
} from "./metadata-policy";
export {
  type CloudWatchMetricsSinkOptions,
  createCloudWatchMetricsSink,
  createMemoryMetricsSink,
  type MetricsSink,
} from "./metrics";
export {
  assertModelId,
  INFERENCE_PROFILE_PREFIXES,
  KNOWN_BASE_MODEL_IDS,
  type ModelIdKind,
  type ParsedModelId,
  parseModelId,
  suggestModelIds,
} from "./model-id";
export { detectSensitiveContent, passesLuhn, type SensitiveKind } from "./sensitive-data";
export {
  type BedrockOperation,
  type FailedAttempt,
  readInvocationMetrics,
  readTokenCountHeaders,
  TOKEN_COUNT_HEADERS,
  type TokenCounts,
  type TokenSource,
  type UsageRecord,
} from "./usage";
