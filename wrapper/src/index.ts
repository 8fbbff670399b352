export {
  type CallOptions,
  type ChargebackClient,
  createChargebackClient,
  type WithStreamUsage,
  type WithUsage,
} from "./chargeback-client.js";
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
} from "./config.js";
export { type CheckedConversation, type ConversationInput, checkConversation } from "./conversation.js";
export {
  ENVIRONMENT_METADATA_KEYS,
  type EnvironmentDefaults,
  type EnvironmentVariables,
  readEnvironmentDefaults,
} from "./env.js";
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
} from "./errors.js";
export type { HealthProbe, HealthReport } from "./health-check.js";
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
} from "./metadata-policy.js";
export {
  type CloudWatchMetricsSinkOptions,
  createCloudWatchMetricsSink,
  createMemoryMetricsSink,
  type MetricsSink,
} from "./metrics.js";
export {
  assertModelId,
  INFERENCE_PROFILE_PREFIXES,
  KNOWN_BASE_MODEL_IDS,
  type ModelIdKind,
  type ParsedModelId,
  parseModelId,
  suggestModelIds,
} from "./model-id.js";
export { detectSensitiveContent, passesLuhn, type SensitiveKind } from "./sensitive-data.js";
export {
  type BedrockOperation,
  type FailedAttempt,
  readInvocationMetrics,
  readTokenCountHeaders,
  TOKEN_COUNT_HEADERS,
  type TokenCounts,
  type TokenSource,
  type UsageRecord,
} from "./usage.js";
