import type { BedrockClient } from "@aws-sdk/client-bedrock";
import type { BedrockRuntimeClient, BedrockRuntimeClientConfig } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";
import { type EnvironmentVariables, readEnvironmentDefaults } from "./env.js";
import { ConfigError, type MetadataIssue } from "./errors.js";
import type { MetricsSink } from "./metrics.js";
import { KNOWN_BASE_MODEL_IDS } from "./model-id.js";
import type { UsageRecord } from "./usage.js";

/** Metadata keys every call must carry by default. */
export const DEFAULT_REQUIRED_KEYS = ["application_name", "tenant_id", "cost_center", "environment"] as const;

/**
 * Errors after which the fallback chain tries the next model. Validation and access errors are not
 * here: the next model would fail the same way.
 */
export const DEFAULT_FALLBACK_ERRORS = [
  "ThrottlingException",
  "ServiceUnavailableException",
  "ModelNotReadyException",
  "ModelTimeoutException",
  "InternalServerException",
  "ServiceQuotaExceededException",
  "ModelErrorException",
] as const;

const metadataValueSchema = z.union([z.string(), z.number(), z.boolean(), z.bigint(), z.date(), z.null()]);

/** The metadata policy. */
export const metadataPolicySchema = z.object({
  mode: z.enum(["enforce", "warn", "repair"]).default("enforce"),
  requiredKeys: z
    .array(z.string().min(1))
    .max(16)
    .default([...DEFAULT_REQUIRED_KEYS]),
  nonStringValues: z.enum(["convert", "reject"]).default("convert"),
  hashedKeys: z.array(z.string().min(1)).default(["user_id"]),
  userIdHmacKey: z.string().min(16, "must have at least 16 characters").optional(),
  sensitivePatterns: z.array(z.instanceof(RegExp)).default([]),
});

/** Everything configurable that is plain data; parsed once by `parseChargebackConfig`. */
export const chargebackConfigSchema = z.object({
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, "must look like us-east-1")
    .optional(),
  endpoint: z.url().optional(),
  defaultMetadata: z.record(z.string(), metadataValueSchema).default({}),
  policy: metadataPolicySchema.prefault({}),
  conversation: z.object({ repair: z.boolean().default(false) }).prefault({}),
  modelIds: z
    .object({
      check: z.boolean().default(true),
      known: z.array(z.string()).default([...KNOWN_BASE_MODEL_IDS]),
    })
    .prefault({}),
  retry: z
    .object({
      mode: z.enum(["adaptive", "standard", "legacy"]).default("adaptive"),
      maxAttempts: z.int().min(1).max(10).default(3),
      /** Extra attempts after ModelTimeoutException, which the SDK does not retry (docs/aws-facts.md §3). */
      modelTimeoutRetries: z.int().min(0).max(5).default(0),
    })
    .prefault({}),
  timeouts: z
    .object({
      /** Socket idle timeout per HTTP request (NodeHttpHandler `requestTimeout`). */
      requestTimeoutMs: z.int().positive().optional(),
      connectionTimeoutMs: z.int().positive().optional(),
      /** Deadline for a whole call including SDK retries, enforced with an AbortSignal. */
      callTimeoutMs: z.int().positive().optional(),
    })
    .prefault({}),
  /** Opt-in fallback chains: requested model id → models to try next, in order. */
  fallbacks: z.record(z.string(), z.array(z.string().min(1)).min(1)).default({}),
  fallbackOn: z.array(z.string()).default([...DEFAULT_FALLBACK_ERRORS]),
  healthCheck: z
    .object({
      /** Model id for GetFoundationModel; without it the check calls ListFoundationModels. */
      foundationModelId: z.string().optional(),
      /** When set, the health check also makes a 1-token Converse call to this model (costs tokens). */
      runtimeProbeModelId: z.string().optional(),
    })
    .prefault({}),
});

/** Parsed configuration. */
export type ChargebackConfig = z.output<typeof chargebackConfigSchema>;

/** A sink for log lines. Lines never contain metadata values, user ids or secrets. */
export interface Logger {
  warn(message: string, details?: Readonly<Record<string, unknown>>): void;
  debug?(message: string, details?: Readonly<Record<string, unknown>>): void;
}

/** Context passed with policy issues. */
export interface PolicyIssueContext {
  readonly operation: string;
  readonly modelId: string;
}

/** Clients, hooks and other side effects: typed, not parsed. */
export interface ChargebackDependencies {
  /** An existing runtime client; otherwise one is built from region, retry and timeout settings. */
  readonly client?: BedrockRuntimeClient;
  /** Control-plane client for `healthCheck`; otherwise built lazily from the same region. */
  readonly controlPlaneClient?: BedrockClient;
  /** Credentials for a client the wrapper builds; default is the SDK's standard provider chain. */
  readonly credentials?: BedrockRuntimeClientConfig["credentials"];
  /** HTTP handler for a client the wrapper builds (custom agents, tests). */
  readonly requestHandler?: BedrockRuntimeClientConfig["requestHandler"];
  /** Called once per call with the usage record (also on failures, with `status: "error"`). */
  readonly onUsage?: (usage: UsageRecord) => void | Promise<void>;
  /** Called when the policy finds issues in `warn` or `repair` mode. */
  readonly onPolicyIssues?: (issues: readonly MetadataIssue[], context: PolicyIssueContext) => void;
  /** Default: `console.warn` for warnings, no debug output. */
  readonly logger?: Logger;
  /** Client-side CloudWatch metrics; off unless given. */
  readonly metrics?: MetricsSink;
  /** Environment variables to read defaults from; default `process.env`. Pass `{}` to ignore the environment. */
  readonly env?: EnvironmentVariables;
  /** Milliseconds clock for latency; default `performance.now`. */
  readonly now?: () => number;
}

/** Input of `createChargebackClient`: plain-data config plus dependencies. */
export type ChargebackClientOptions = z.input<typeof chargebackConfigSchema> & ChargebackDependencies;

/**
 * Merges environment defaults under explicit options and validates the result once. Throws a
 * `ConfigError` naming each bad path; messages never echo the HMAC key.
 *
 * @example
 * const config = parseChargebackConfig({ region: "eu-west-1", policy: { mode: "warn" } }, { APP_NAME: "bot" });
 */
export function parseChargebackConfig(
  options: z.input<typeof chargebackConfigSchema>,
  env?: EnvironmentVariables,
): ChargebackConfig {
  const fromEnv = readEnvironmentDefaults(env);
  const merged = {
    ...options,
    region: options.region ?? fromEnv.region,
    defaultMetadata: { ...fromEnv.defaultMetadata, ...options.defaultMetadata },
    policy: {
      ...options.policy,
      mode: options.policy?.mode ?? fromEnv.policyMode,
      userIdHmacKey: options.policy?.userIdHmacKey ?? fromEnv.userIdHmacKey,
    },
  };
  const parsed = chargebackConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.map(String).join("."));
    const lines = parsed.error.issues.map(
      (issue) => `- ${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`,
    );
    throw new ConfigError(`invalid chargeback client configuration:\n${lines.join("\n")}`, paths);
  }
  return parsed.data;
}
