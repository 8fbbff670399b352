/**
 * What every operation does, in order: `beginCall` (model chain, metadata after policy, usage
 * context, abort signal), `sendThroughChain` (fallbacks and model-timeout retries; an error usage
 * record on final failure), then `buildUsage` or `wrapStream` for the usage of the call.
 */
import { isAbortError, mapSetupError, readErrorName } from "./aws-errors.js";
import type { ClientRuntime } from "./client-runtime.js";
import { ConfigError } from "./errors.js";
import type { MetadataInput } from "./metadata-policy.js";
import { assertModelId } from "./model-id.js";
import { observeStream, type StreamEnd } from "./observe-stream.js";
import {
  type BedrockOperation,
  type FailedAttempt,
  NO_TOKENS,
  type TokenCounts,
  type TokenSource,
  type UsageRecord,
} from "./usage.js";

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

/** One call's identity for its usage record. */
export interface CallContext {
  readonly operation: BedrockOperation;
  readonly requestedModelId: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly startedAt: string;
  readonly started: number;
  readonly failedAttempts: FailedAttempt[];
}

/** A started call: the models to try, the metadata to send, its usage context and abort signal. */
export interface BegunCall {
  readonly chain: string[];
  readonly metadata: Record<string, string> | undefined;
  readonly context: CallContext;
  readonly abortSignal: AbortSignal | undefined;
}

/**
 * What every operation does first: the model chain (checked), the metadata after policy
 * (which may throw in enforce mode), the usage context and the abort signal.
 * `fromInput` reads metadata the caller put on the SDK input itself.
 */
export function beginCall(
  rt: ClientRuntime,
  operation: BedrockOperation,
  modelId: string | undefined,
  fromInput: (primaryModelId: string) => MetadataInput | undefined,
  callOptions: CallOptions | undefined,
): BegunCall {
  const chain = modelChain(rt, modelId, callOptions);
  const primary = chain[0] ?? "";
  const metadata = rt.resolveMetadata(operation, primary, fromInput(primary), callOptions?.metadata);
  return {
    chain,
    metadata,
    context: {
      operation,
      requestedModelId: primary,
      metadata: metadata ?? {},
      startedAt: new Date().toISOString(),
      started: rt.now(),
      failedAttempts: [],
    },
    abortSignal: signalFor(rt, callOptions),
  };
}

function modelChain(rt: ClientRuntime, modelId: string | undefined, callOptions: CallOptions | undefined) {
  const requested = modelId ?? "";
  const fallbacks = callOptions?.fallbackModelIds ?? rt.config.fallbacks[requested] ?? [];
  const chain = [requested, ...fallbacks.filter((id) => id !== requested)];
  if (rt.config.modelIds.check) for (const id of chain) assertModelId(id, rt.config.modelIds.known);
  return chain;
}

function signalFor(rt: ClientRuntime, callOptions: CallOptions | undefined): AbortSignal | undefined {
  const signals: AbortSignal[] = [];
  if (callOptions?.abortSignal !== undefined) signals.push(callOptions.abortSignal);
  const timeoutMs = callOptions?.timeoutMs ?? rt.config.timeouts.callTimeoutMs;
  if (timeoutMs !== undefined) signals.push(AbortSignal.timeout(timeoutMs));
  if (signals.length === 0) return undefined;
  return signals.length === 1 ? signals[0] : AbortSignal.any(signals);
}

/**
 * Tries each model in the chain, retrying ModelTimeoutException on the same model when
 * configured. On final failure it emits an error usage record (not for config or credential
 * errors: no call was made) and re-throws.
 */
export async function sendThroughChain<T>(
  rt: ClientRuntime,
  call: BegunCall,
  attempt: (modelId: string) => Promise<T>,
): Promise<{ result: T; modelId: string }> {
  const { context } = call;
  try {
    return await tryEachModel(rt, call.chain, context.failedAttempts, attempt);
  } catch (error) {
    if (!(error instanceof ConfigError) && readErrorName(error) !== "CredentialsError") {
      const last = context.failedAttempts[context.failedAttempts.length - 1];
      rt.emitUsage(
        buildUsage(rt, context, {
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

async function tryEachModel<T>(
  rt: ClientRuntime,
  chain: readonly string[],
  failedAttempts: FailedAttempt[],
  attempt: (modelId: string) => Promise<T>,
): Promise<{ result: T; modelId: string }> {
  for (const [position, modelId] of chain.entries()) {
    let timeoutRetriesLeft = rt.config.retry.modelTimeoutRetries;
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
        if (hasNext && rt.config.fallbackOn.includes(errorName)) {
          rt.logger.warn("falling back to the next model", {
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

/** What a call learned about its usage. */
export interface UsageFields {
  modelId: string;
  tokens: TokenCounts | undefined;
  tokenSource: TokenSource;
  status: "success" | "error";
  errorName?: string | undefined;
  complete: boolean;
  serverLatencyMs?: number | undefined;
  requestId?: string | undefined;
}

export function buildUsage(rt: ClientRuntime, context: CallContext, fields: UsageFields): UsageRecord {
  const tokens = fields.tokens ?? NO_TOKENS;
  return {
    operation: context.operation,
    modelId: fields.modelId,
    requestedModelId: context.requestedModelId,
    status: fields.status,
    errorName: fields.errorName,
    complete: fields.complete,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    cacheReadInputTokens: tokens.cacheReadInputTokens,
    cacheWriteInputTokens: tokens.cacheWriteInputTokens,
    tokenSource: fields.tokens === undefined ? "unavailable" : fields.tokenSource,
    latencyMs: Math.max(0, Math.round(rt.now() - context.started)),
    serverLatencyMs: fields.serverLatencyMs,
    requestId: fields.requestId,
    metadata: context.metadata,
    failedAttempts: [...context.failedAttempts],
    startedAt: context.startedAt,
  };
}

/** What a stream's events said by the time it ended. */
export interface StreamSummary {
  tokens: TokenCounts | undefined;
  tokenSource: TokenSource;
  serverLatencyMs: number | undefined;
  errorName: string | undefined;
}

/**
 * Passes a response stream through `observe`, and when it ends (drained, broken off or failed)
 * emits its usage record and resolves `usageRecord` with it.
 */
export function wrapStream<E>(
  rt: ClientRuntime,
  source: AsyncIterable<E> | undefined,
  requestId: string | undefined,
  context: CallContext,
  modelId: string,
  observe: (event: E) => void,
  summarize: () => StreamSummary,
): { stream: AsyncIterable<E> | undefined; usageRecord: Promise<UsageRecord> } {
  let settle: (usage: UsageRecord) => void = () => undefined;
  const usageRecord = new Promise<UsageRecord>((resolve) => {
    settle = resolve;
  });
  const finish = (end: StreamEnd) => {
    const summary = summarize();
    const errorName = end.error !== undefined ? readErrorName(end.error) : summary.errorName;
    const usage = buildUsage(rt, context, {
      modelId,
      tokens: summary.tokens,
      tokenSource: summary.tokenSource,
      status: errorName === undefined ? "success" : "error",
      errorName,
      complete: end.complete && errorName === undefined,
      serverLatencyMs: summary.serverLatencyMs,
      requestId,
    });
    rt.emitUsage(usage);
    settle(usage);
  };
  if (source === undefined) {
    finish({ complete: true, error: undefined });
    return { stream: undefined, usageRecord };
  }
  return { stream: observeStream(source, observe, finish), usageRecord };
}
