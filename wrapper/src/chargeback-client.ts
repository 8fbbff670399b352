import { BedrockClient } from "@aws-sdk/client-bedrock";
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamCommandOutput,
  type ConverseStreamOutput,
  InvokeModelCommand,
  type InvokeModelCommandInput,
  type InvokeModelCommandOutput,
  InvokeModelWithResponseStreamCommand,
  type InvokeModelWithResponseStreamCommandInput,
  type InvokeModelWithResponseStreamCommandOutput,
  type ResponseStream,
} from "@aws-sdk/client-bedrock-runtime";
import { HttpResponse } from "@smithy/protocol-http";
import { z } from "zod";
import { isAbortError, mapSetupError, readErrorName } from "./aws-errors";
import {
  type ChargebackClientOptions,
  type ChargebackConfig,
  type Logger,
  parseChargebackConfig,
} from "./config";
import { checkConversation } from "./conversation";
import { ConfigError, type MetadataIssue, MetadataPolicyError } from "./errors";
import { type HealthReport, runHealthCheck } from "./health-check";
import {
  applyMetadataPolicy,
  type MetadataInput,
  type PolicyMode,
  type PolicyResult,
} from "./metadata-policy";
import { assertModelId } from "./model-id";
import { observeStream, type StreamEnd } from "./observe-stream";
import {
  type BedrockOperation,
  type FailedAttempt,
  NO_TOKENS,
  readInvocationMetrics,
  readTokenCountHeaders,
  readTokenUsage,
  type TokenCounts,
  type TokenSource,
  type UsageRecord,
} from "./usage";

/** Per-call options. */
export interface CallOptions {
  /** Metadata for this call, merged over the configured defaults (`null` removes a default). */
  readonly metadata?: MetadataInput;
  /** Models to try, in order, if the requested one fails with a `fallbackOn` error. Overrides config. */
  readonly fallbackModelIds?: readonly string[];
  readonly abortSignal?: AbortSignal;
  /** Deadline for this call (including SDK retries); overrides `timeouts.callTimeoutMs`. */
  readonly timeoutMs?: number;
}

/** A non-streaming SDK output plus the usage of the call. */
export type WithUsage<T> = T & { readonly usageRecord: UsageRecord };

/** A streaming SDK output (stream wrapped) plus the usage, which resolves when the stream ends. */
export type WithStreamUsage<T> = T & { readonly usageRecord: Promise<UsageRecord> };

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

const stringRecordSchema = z.record(z.string(), z.string());

const consoleLogger: Logger = {
  warn: (message, details) => console.warn(`[bedrock-chargeback] ${message}`, details ?? ""),
};

function parseMetadataHeader(raw: string | undefined, mode: PolicyMode, report: (i: MetadataIssue) => void) {
  if (raw === undefined || raw.length === 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = stringRecordSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue: MetadataIssue = {
    key: "requestMetadata",
    reason: "metadata_not_json",
    action: mode === "enforce" ? "rejected" : "dropped",
    message: "input.requestMetadata is not a JSON object of string values",
  };
  if (mode === "enforce") throw new MetadataPolicyError([issue]);
  report(issue);
  return undefined;
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
  const getControlPlaneClient = async (): Promise<BedrockClient> => {
    controlPlaneClient ??= new BedrockClient({
      region: config.region ?? (await runtimeClient.config.region()),
      credentials: options.credentials,
      retryMode: config.retry.mode,
      maxAttempts: config.retry.maxAttempts,
    });
    return controlPlaneClient;
  };

  const reportIssues = (issues: readonly MetadataIssue[], operation: string, modelId: string) => {
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

  const resolveMetadata = (
    operation: BedrockOperation,
    modelId: string,
    fromInput: MetadataInput | undefined,
    callMetadata: MetadataInput | undefined,
    mode: PolicyMode = config.policy.mode,
  ): Record<string, string> | undefined => {
    const policy = { ...config.policy, mode };
    const result = applyMetadataPolicy([config.defaultMetadata, fromInput, callMetadata], policy);
    reportIssues(result.issues, operation, modelId);
    // AWS requires 1-16 entries: send nothing rather than an empty map.
    return Object.keys(result.metadata).length > 0 ? result.metadata : undefined;
  };

  const emitUsage = (usage: UsageRecord) => {
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
  };

  const modelChain = (modelId: string | undefined, callOptions: CallOptions | undefined): string[] => {
    const requested = modelId ?? "";
    const fallbacks = callOptions?.fallbackModelIds ?? config.fallbacks[requested] ?? [];
    const chain = [requested, ...fallbacks.filter((id) => id !== requested)];
    if (config.modelIds.check) for (const id of chain) assertModelId(id, config.modelIds.known);
    return chain;
  };

  const signalFor = (callOptions: CallOptions | undefined): AbortSignal | undefined => {
    const signals: AbortSignal[] = [];
    if (callOptions?.abortSignal !== undefined) signals.push(callOptions.abortSignal);
    const timeoutMs = callOptions?.timeoutMs ?? timeouts.callTimeoutMs;
    if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
    if (signals.length === 0) return undefined;
    return signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  };

  /** Tries each model in the chain; retries ModelTimeoutException on the same model when configured. */
  async function sendThroughChain<T>(
    chain: readonly string[],
    failedAttempts: FailedAttempt[],
    attempt: (modelId: string) => Promise<T>,
  ): Promise<{ result: T; modelId: string }> {
    for (const [position, modelId] of chain.entries()) {
      let timeoutRetriesLeft = config.retry.modelTimeoutRetries;
      for (;;) {
        try {
          return { result: await attempt(modelId), modelId };
        } catch (error) {
          const mapped = mapSetupError(error);
          if (mapped !== error || isAbortError(error)) throw mapped;
          const errorName = readErrorName(error);
          failedAttempts.push({ modelId, errorName });
          if (errorName === "ModelTimeoutException" && timeoutRetriesLeft > 0) {
            timeoutRetriesLeft -= 1;
            continue;
          }
          const hasNext = position < chain.length - 1;
          if (hasNext && config.fallbackOn.includes(errorName)) {
            logger.warn("falling back to the next model", {
              from: modelId,
              to: chain[position + 1],
              errorName,
            });
            break;
          }
          throw error;
        }
      }
    }
    throw new ConfigError("the model chain is empty", ["modelId"]);
  }

  interface CallContext {
    readonly operation: BedrockOperation;
    readonly requestedModelId: string;
    readonly metadata: Readonly<Record<string, string>>;
    readonly startedAt: string;
    readonly started: number;
    readonly failedAttempts: FailedAttempt[];
  }

  const buildUsage = (
    context: CallContext,
    fields: {
      modelId: string;
      tokens: TokenCounts | undefined;
      tokenSource: TokenSource;
      status: "success" | "error";
      errorName?: string | undefined;
      complete: boolean;
      serverLatencyMs?: number | undefined;
      requestId?: string | undefined;
    },
  ): UsageRecord => ({
    operation: context.operation,
    modelId: fields.modelId,
    requestedModelId: context.requestedModelId,
    status: fields.status,
    errorName: fields.errorName,
    complete: fields.complete,
    inputTokens: (fields.tokens ?? NO_TOKENS).inputTokens,
    outputTokens: (fields.tokens ?? NO_TOKENS).outputTokens,
    cacheReadInputTokens: (fields.tokens ?? NO_TOKENS).cacheReadInputTokens,
    cacheWriteInputTokens: (fields.tokens ?? NO_TOKENS).cacheWriteInputTokens,
    tokenSource: fields.tokens === undefined ? "unavailable" : fields.tokenSource,
    latencyMs: Math.max(0, Math.round(now() - context.started)),
    serverLatencyMs: fields.serverLatencyMs,
    requestId: fields.requestId,
    metadata: context.metadata,
    failedAttempts: [...context.failedAttempts],
    startedAt: context.startedAt,
  });

  /** Sends through the chain; on final failure emits an error usage record and re-throws. */
  async function run<T>(
    context: CallContext,
    chain: readonly string[],
    attempt: (modelId: string) => Promise<T>,
  ): Promise<{ result: T; modelId: string }> {
    try {
      return await sendThroughChain(chain, context.failedAttempts, attempt);
    } catch (error) {
      if (!(error instanceof ConfigError) && readErrorName(error) !== "CredentialsError") {
        const last = context.failedAttempts[context.failedAttempts.length - 1];
        emitUsage(
          buildUsage(context, {
            modelId: last?.modelId ?? context.requestedModelId,
            tokens: undefined,
            tokenSource: "unavailable",
            status: "error",
            errorName: readErrorName(error),
            complete: true,
          }),
        );
      }
      throw error;
    }
  }

  const startContext = (
    operation: BedrockOperation,
    requestedModelId: string,
    metadata: Record<string, string> | undefined,
  ): CallContext => ({
    operation,
    requestedModelId,
    metadata: metadata ?? {},
    startedAt: new Date().toISOString(),
    started: now(),
    failedAttempts: [],
  });

  /** Registers a middleware that copies the raw HTTP response headers (token counts live there). */
  const captureHeaders = (
    command: InvokeModelCommand | InvokeModelWithResponseStreamCommand,
    sink: { headers: Record<string, string> | undefined },
  ) => {
    const copy = (response: unknown) => {
      if (HttpResponse.isInstance(response)) sink.headers = { ...response.headers };
    };
    const options = {
      step: "deserialize",
      name: "chargebackCaptureResponseHeaders",
      override: true,
    } as const;
    if (command instanceof InvokeModelCommand) {
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          copy(result.response);
          return result;
        },
        options,
      );
    } else {
      command.middlewareStack.add(
        (next) => async (args) => {
          const result = await next(args);
          copy(result.response);
          return result;
        },
        options,
      );
    }
  };

  const prepareConversation = (
    messages: ConverseCommandInput["messages"],
    system: ConverseCommandInput["system"],
  ) => {
    const checked = checkConversation({ messages, system }, { repair: config.conversation.repair });
    if (checked.fixes.length > 0) logger.debug?.("conversation repaired", { fixes: checked.fixes });
    return checked;
  };

  /**
   * What every operation does first: the model chain (checked), the metadata after policy
   * (which may throw in enforce mode), the usage context and the abort signal.
   * `fromInput` reads metadata the caller put on the SDK input itself.
   */
  const beginCall = (
    operation: BedrockOperation,
    modelId: string | undefined,
    fromInput: (primaryModelId: string) => MetadataInput | undefined,
    callOptions: CallOptions | undefined,
  ) => {
    const chain = modelChain(modelId, callOptions);
    const primary = chain[0] ?? "";
    const metadata = resolveMetadata(operation, primary, fromInput(primary), callOptions?.metadata);
    return {
      chain,
      metadata,
      context: startContext(operation, primary, metadata),
      abortSignal: signalFor(callOptions),
    };
  };

  /** InvokeModel* carry metadata as the header's JSON string; its problems are reported like any other. */
  const metadataFromHeader =
    (operation: BedrockOperation, header: string | undefined) =>
    (primaryModelId: string): MetadataInput | undefined =>
      parseMetadataHeader(header, config.policy.mode, (issue) =>
        reportIssues([issue], operation, primaryModelId),
      );

  const client: ChargebackClient = {
    runtimeClient,
    config,

    previewMetadata(metadata) {
      return applyMetadataPolicy([config.defaultMetadata, metadata], config.policy);
    },

    async converse(input, callOptions) {
      const { chain, metadata, context, abortSignal } = beginCall(
        "Converse",
        input.modelId,
        () => input.requestMetadata,
        callOptions,
      );
      const { messages, system } = prepareConversation(input.messages, input.system);
      const { result, modelId } = await run(context, chain, (id) =>
        runtimeClient.send(
          new ConverseCommand({ ...input, modelId: id, messages, system, requestMetadata: metadata }),
          { abortSignal },
        ),
      );
      const usageRecord = buildUsage(context, {
        modelId,
        tokens: readTokenUsage(result.usage),
        tokenSource: "converse-usage",
        status: "success",
        complete: true,
        serverLatencyMs: result.metrics?.latencyMs,
        requestId: result.$metadata.requestId,
      });
      emitUsage(usageRecord);
      return { ...result, usageRecord };
    },

    async converseStream(input, callOptions) {
      const { chain, metadata, context, abortSignal } = beginCall(
        "ConverseStream",
        input.modelId,
        () => input.requestMetadata,
        callOptions,
      );
      const { messages, system } = prepareConversation(input.messages, input.system);
      const { result, modelId } = await run(context, chain, (id) =>
        runtimeClient.send(
          new ConverseStreamCommand({ ...input, modelId: id, messages, system, requestMetadata: metadata }),
          { abortSignal },
        ),
      );
      let tokens: TokenCounts | undefined;
      let serverLatencyMs: number | undefined;
      let streamErrorName: string | undefined;
      const observe = (event: ConverseStreamOutput) => {
        const usage = readTokenUsage(event.metadata?.usage);
        if (usage !== undefined) tokens = usage;
        if (event.metadata?.metrics?.latencyMs !== undefined)
          serverLatencyMs = event.metadata.metrics.latencyMs;
        const inStreamError =
          event.internalServerException ??
          event.modelStreamErrorException ??
          event.validationException ??
          event.throttlingException ??
          event.serviceUnavailableException;
        if (inStreamError !== undefined) streamErrorName = inStreamError.name;
      };
      const wrapped = wrapStream(
        result.stream,
        result.$metadata.requestId,
        context,
        modelId,
        observe,
        () => ({
          tokens,
          tokenSource: "stream-metadata",
          serverLatencyMs,
          errorName: streamErrorName,
        }),
      );
      return { ...result, stream: wrapped.stream, usageRecord: wrapped.usageRecord };
    },

    async invokeModel(input, callOptions) {
      const { chain, metadata, context, abortSignal } = beginCall(
        "InvokeModel",
        input.modelId,
        metadataFromHeader("InvokeModel", input.requestMetadata),
        callOptions,
      );
      const captured: { headers: Record<string, string> | undefined } = { headers: undefined };
      const { result, modelId } = await run(context, chain, (id) => {
        const command = new InvokeModelCommand({
          ...input,
          modelId: id,
          requestMetadata: metadata === undefined ? undefined : JSON.stringify(metadata),
        });
        captureHeaders(command, captured);
        return runtimeClient.send(command, { abortSignal });
      });
      const usageRecord = buildUsage(context, {
        modelId,
        tokens: captured.headers === undefined ? undefined : readTokenCountHeaders(captured.headers),
        tokenSource: "response-headers",
        status: "success",
        complete: true,
        requestId: result.$metadata.requestId,
      });
      emitUsage(usageRecord);
      return { ...result, usageRecord };
    },

    async invokeModelWithResponseStream(input, callOptions) {
      const operation = "InvokeModelWithResponseStream";
      const { chain, metadata, context, abortSignal } = beginCall(
        operation,
        input.modelId,
        metadataFromHeader(operation, input.requestMetadata),
        callOptions,
      );
      const captured: { headers: Record<string, string> | undefined } = { headers: undefined };
      const { result, modelId } = await run(context, chain, (id) => {
        const command = new InvokeModelWithResponseStreamCommand({
          ...input,
          modelId: id,
          requestMetadata: metadata === undefined ? undefined : JSON.stringify(metadata),
        });
        captureHeaders(command, captured);
        return runtimeClient.send(command, { abortSignal });
      });
      let metrics: ReturnType<typeof readInvocationMetrics>;
      let streamErrorName: string | undefined;
      const observe = (event: ResponseStream) => {
        const found = readInvocationMetrics(event.chunk?.bytes);
        if (found !== undefined) metrics = found;
        const inStreamError =
          event.internalServerException ??
          event.modelStreamErrorException ??
          event.validationException ??
          event.throttlingException ??
          event.modelTimeoutException ??
          event.serviceUnavailableException;
        if (inStreamError !== undefined) streamErrorName = inStreamError.name;
      };
      const wrapped = wrapStream(result.body, result.$metadata.requestId, context, modelId, observe, () => {
        if (metrics !== undefined) {
          return {
            tokens: metrics,
            tokenSource: "invocation-metrics",
            serverLatencyMs: metrics.invocationLatencyMs,
            errorName: streamErrorName,
          };
        }
        const fromHeaders =
          captured.headers === undefined ? undefined : readTokenCountHeaders(captured.headers);
        return {
          tokens: fromHeaders,
          tokenSource: "response-headers",
          serverLatencyMs: undefined,
          errorName: streamErrorName,
        };
      });
      return { ...result, body: wrapped.stream, usageRecord: wrapped.usageRecord };
    },

    async healthCheck() {
      return runHealthCheck({
        config,
        now,
        getControlPlaneClient,
        runtimeProbe:
          config.healthCheck.runtimeProbeModelId === undefined
            ? undefined
            : async (modelId) => {
                const metadata = resolveMetadata(
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
      });
    },
  };

  function wrapStream<E>(
    source: AsyncIterable<E> | undefined,
    requestId: string | undefined,
    context: CallContext,
    modelId: string,
    observe: (event: E) => void,
    summarize: () => {
      tokens: TokenCounts | undefined;
      tokenSource: TokenSource;
      serverLatencyMs: number | undefined;
      errorName: string | undefined;
    },
  ): { stream: AsyncIterable<E> | undefined; usageRecord: Promise<UsageRecord> } {
    let settle: (usage: UsageRecord) => void = () => undefined;
    const usageRecord = new Promise<UsageRecord>((resolve) => {
      settle = resolve;
    });
    const finish = (end: StreamEnd) => {
      const summary = summarize();
      const errorName = end.error !== undefined ? readErrorName(end.error) : summary.errorName;
      const usage = buildUsage(context, {
        modelId,
        tokens: summary.tokens,
        tokenSource: summary.tokenSource,
        status: errorName === undefined ? "success" : "error",
        errorName,
        complete: end.complete && errorName === undefined,
        serverLatencyMs: summary.serverLatencyMs,
        requestId,
      });
      emitUsage(usage);
      settle(usage);
    };
    if (source === undefined) {
      finish({ complete: true, error: undefined });
      return { stream: undefined, usageRecord };
    }
    return { stream: observeStream(source, observe, finish), usageRecord };
  }

  return client;
}
