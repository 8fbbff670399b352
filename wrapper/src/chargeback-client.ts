import type {
  BedrockRuntimeClient,
  ConverseCommandInput,
  ConverseCommandOutput,
  ConverseStreamCommandInput,
  ConverseStreamCommandOutput,
  InvokeModelCommandInput,
  InvokeModelCommandOutput,
  InvokeModelWithResponseStreamCommandInput,
  InvokeModelWithResponseStreamCommandOutput,
} from "@aws-sdk/client-bedrock-runtime";
import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import type { CallOptions, WithStreamUsage, WithUsage } from "./call.js";
import { createClientRuntime } from "./client-runtime.js";
import type { ChargebackClientOptions, ChargebackConfig } from "./config.js";
import { converse, converseStream } from "./converse.js";
import { type HealthReport, runHealthCheck } from "./health-check.js";
import { invokeModel, invokeModelWithResponseStream } from "./invoke-model.js";
import { applyMetadataPolicy, type MetadataInput, type PolicyResult } from "./metadata-policy.js";

export type { CallOptions, WithStreamUsage, WithUsage } from "./call.js";

/** The metadata-enforcing Bedrock client. */
export interface ChargebackClient {
  converse(input: ConverseCommandInput, options?: CallOptions): Promise<WithUsage<ConverseCommandOutput>>;
  converseStream(
    input: ConverseStreamCommandInput,
    options?: CallOptions,
  ): Promise<WithStreamUsage<ConverseStreamCommandOutput>>;
  invokeModel(
    input: InvokeModelCommandInput,
    options?: CallOptions,
  ): Promise<WithUsage<InvokeModelCommandOutput>>;
  invokeModelWithResponseStream(
    input: InvokeModelWithResponseStreamCommandInput,
    options?: CallOptions,
  ): Promise<WithStreamUsage<InvokeModelWithResponseStreamCommandOutput>>;
  /** Checks the control plane (and the runtime plane if configured) without throwing. */
  healthCheck(): Promise<HealthReport>;
  /** Runs the metadata policy without calling AWS: what would be sent, and the issues. */
  previewMetadata(metadata?: MetadataInput): PolicyResult;
  /** The underlying SDK client, for operations the wrapper does not cover. Calls made on it are not tagged. */
  readonly runtimeClient: BedrockRuntimeClient;
  readonly config: ChargebackConfig;
}

/**
 * Creates the Bedrock client every application should use instead of `BedrockRuntimeClient`: it stamps
 * and validates request metadata on every call (Converse* body field, InvokeModel* header), validates
 * conversations and model ids before AWS is called, uses adaptive retries, optional model-timeout
 * retries and fallback chains, and reports the usage of every call.
 *
 * Throws `ConfigError` when the configuration is invalid or no region can be found.
 *
 * @example
 * const bedrock = createChargebackClient({
 *   region: "us-east-1",
 *   defaultMetadata: { application_name: "support-bot", cost_center: "cc-1234", environment: "prod" },
 *   policy: { userIdHmacKey: secrets.userIdKey },
 *   onUsage: (usage) => console.log(usage.modelId, usage.inputTokens, usage.outputTokens),
 * });
 * const reply = await bedrock.converse(
 *   { modelId: "us.anthropic.claude-sonnet-4-20250514-v1:0", messages: [{ role: "user", content: [{ text: "Hi" }] }] },
 *   { metadata: { tenant_id: "acme", user_id: session.userId } },
 * );
 */
export function createChargebackClient(options: ChargebackClientOptions = {}): ChargebackClient {
  const rt = createClientRuntime(options);
  const { config, runtimeClient } = rt;
  return {
    runtimeClient,
    config,
    previewMetadata: (metadata) => applyMetadataPolicy([config.defaultMetadata, metadata], config.policy),
    converse: (input, callOptions) => converse(rt, input, callOptions),
    converseStream: (input, callOptions) => converseStream(rt, input, callOptions),
    invokeModel: (input, callOptions) => invokeModel(rt, input, callOptions),
    invokeModelWithResponseStream: (input, callOptions) =>
      invokeModelWithResponseStream(rt, input, callOptions),
    healthCheck: () =>
      runHealthCheck({
        config,
        now: rt.now,
        getControlPlaneClient: rt.getControlPlaneClient,
        runtimeProbe:
          config.healthCheck.runtimeProbeModelId === undefined
            ? undefined
            : async (modelId) => {
                const metadata = rt.resolveMetadata(
                  "Converse",
                  modelId,
                  undefined,
                  { purpose: "health-check" },
                  "repair",
                );
                await runtimeClient.send(
                  new ConverseCommand({
                    modelId,
                    messages: [{ role: "user", content: [{ text: "ping" }] }],
                    inferenceConfig: { maxTokens: 1 },
                    requestMetadata: metadata,
                  }),
                );
              },
      }),
  };
}
