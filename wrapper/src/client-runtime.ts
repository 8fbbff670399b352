/**
 * What a chargeback client holds for its whole life: the parsed config, the SDK clients, and the
 * three places a call reports to (policy issues, usage sinks, the logger). Built once by
 * `createChargebackClient`; every operation receives it.
 */
import { BedrockClient } from "@aws-sdk/client-bedrock";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { readErrorName } from "./aws-errors.js";
import {
  type ChargebackClientOptions,
  type ChargebackConfig,
  type Logger,
  parseChargebackConfig,
} from "./config.js";
import { ConfigError, type MetadataIssue } from "./errors.js";
import { applyMetadataPolicy, type MetadataInput, type PolicyMode } from "./metadata-policy.js";
import type { BedrockOperation, UsageRecord } from "./usage.js";

export interface ClientRuntime {
  readonly config: ChargebackConfig;
  readonly logger: Logger;
  /** Monotonic milliseconds, for latencies. */
  readonly now: () => number;
  readonly runtimeClient: BedrockRuntimeClient;
  /** The control-plane client, created on first use (only the health check needs it). */
  getControlPlaneClient(): Promise<BedrockClient>;
  /** Logs policy issues and passes them to `onPolicyIssues`; never throws. */
  reportIssues(issues: readonly MetadataIssue[], operation: string, modelId: string): void;
  /**
   * The metadata to send after policy (defaults, then the SDK input's own, then the call's);
   * `undefined` when empty, since AWS requires 1–16 entries. Throws in enforce mode.
   */
  resolveMetadata(
    operation: BedrockOperation,
    modelId: string,
    fromInput: MetadataInput | undefined,
    callMetadata: MetadataInput | undefined,
    mode?: PolicyMode,
  ): Record<string, string> | undefined;
  /** Hands a usage record to the metrics sink and `onUsage`; a failing sink never fails the call. */
  emitUsage(usage: UsageRecord): void;
}

const consoleLogger: Logger = {
  warn: (message, details) => console.warn(`[bedrock-chargeback] ${message}`, details ?? ""),
};

/** Parses the options and builds the SDK clients; throws `ConfigError` on a bad config or no region. */
export function createClientRuntime(options: ChargebackClientOptions): ClientRuntime {
  const config = parseChargebackConfig(options, options.env);
  const logger = options.logger ?? consoleLogger;
  const now = options.now ?? (() => performance.now());

  if (options.client === undefined && config.region === undefined) {
    throw new ConfigError(
      "AWS region is missing: pass { region: 'us-east-1' } to createChargebackClient or set AWS_REGION",
      ["region"],
    );
  }
  const timeouts = config.timeouts;
  const handlerOptions =
    timeouts.requestTimeoutMs !== undefined || timeouts.connectionTimeoutMs !== undefined
      ? { requestTimeout: timeouts.requestTimeoutMs, connectionTimeout: timeouts.connectionTimeoutMs }
      : undefined;
  const runtimeClient =
    options.client ??
    new BedrockRuntimeClient({
      region: config.region,
      endpoint: config.endpoint,
      credentials: options.credentials,
      retryMode: config.retry.mode,
      maxAttempts: config.retry.maxAttempts,
      requestHandler: options.requestHandler ?? handlerOptions,
    });
  let controlPlaneClient = options.controlPlaneClient;

  const reportIssues: ClientRuntime["reportIssues"] = (issues, operation, modelId) => {
    if (issues.length === 0) return;
    logger.warn(`request metadata: ${issues.length} issue(s) in ${config.policy.mode} mode`, {
      operation,
      modelId,
      issues: issues.map(({ key, reason, action, message }) => ({ key, reason, action, message })),
    });
    try {
      options.onPolicyIssues?.(issues, { operation, modelId });
    } catch (error) {
      logger.warn("onPolicyIssues hook threw", { errorName: readErrorName(error) });
    }
  };

  return {
    config,
    logger,
    now,
    runtimeClient,
    reportIssues,

    async getControlPlaneClient() {
      controlPlaneClient ??= new BedrockClient({
        region: config.region ?? (await runtimeClient.config.region()),
        credentials: options.credentials,
        retryMode: config.retry.mode,
        maxAttempts: config.retry.maxAttempts,
      });
      return controlPlaneClient;
    },

    resolveMetadata(operation, modelId, fromInput, callMetadata, mode = config.policy.mode) {
      const policy = { ...config.policy, mode };
      const result = applyMetadataPolicy([config.defaultMetadata, fromInput, callMetadata], policy);
      reportIssues(result.issues, operation, modelId);
      return Object.keys(result.metadata).length > 0 ? result.metadata : undefined;
    },

    emitUsage(usage) {
      try {
        options.metrics?.record(usage);
      } catch (error) {
        logger.warn("metrics sink threw", { errorName: readErrorName(error) });
      }
      try {
        const pending = options.onUsage?.(usage);
        if (pending instanceof Promise) {
          pending.catch((error: unknown) =>
            logger.warn("onUsage hook rejected", { errorName: readErrorName(error) }),
          );
        }
      } catch (error) {
        logger.warn("onUsage hook threw", { errorName: readErrorName(error) });
      }
    },
  };
}
