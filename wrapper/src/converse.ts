/**
 * Converse and ConverseStream: metadata travels in the body's `requestMetadata`; token counts come
 * from the response's `usage` (or the stream's `metadata` event).
 */
import {
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  ConverseStreamCommand,
  type ConverseStreamCommandInput,
  type ConverseStreamCommandOutput,
  type ConverseStreamOutput,
} from "@aws-sdk/client-bedrock-runtime";
import {
  beginCall,
  buildUsage,
  type CallOptions,
  sendThroughChain,
  type WithStreamUsage,
  type WithUsage,
  wrapStream,
} from "./call.js";
import type { ClientRuntime } from "./client-runtime.js";
import { checkConversation } from "./conversation.js";
import { readTokenUsage, type TokenCounts } from "./usage.js";

function prepareConversation(
  rt: ClientRuntime,
  messages: ConverseCommandInput["messages"],
  system: ConverseCommandInput["system"],
) {
  const checked = checkConversation({ messages, system }, { repair: rt.config.conversation.repair });
  if (checked.fixes.length > 0) rt.logger.debug?.("conversation repaired", { fixes: checked.fixes });
  return checked;
}

export async function converse(
  rt: ClientRuntime,
  input: ConverseCommandInput,
  callOptions: CallOptions | undefined,
): Promise<WithUsage<ConverseCommandOutput>> {
  const call = beginCall(rt, "Converse", input.modelId, () => input.requestMetadata, callOptions);
  const { messages, system } = prepareConversation(rt, input.messages, input.system);
  const { result, modelId } = await sendThroughChain(rt, call, (id) =>
    rt.runtimeClient.send(
      new ConverseCommand({ ...input, modelId: id, messages, system, requestMetadata: call.metadata }),
      { abortSignal: call.abortSignal },
    ),
  );
  const usageRecord = buildUsage(rt, call.context, {
    modelId,
    tokens: readTokenUsage(result.usage),
    tokenSource: "converse-usage",
    status: "success",
    complete: true,
    serverLatencyMs: result.metrics?.latencyMs,
    requestId: result.$metadata.requestId,
  });
  rt.emitUsage(usageRecord);
  return { ...result, usageRecord };
}

export async function converseStream(
  rt: ClientRuntime,
  input: ConverseStreamCommandInput,
  callOptions: CallOptions | undefined,
): Promise<WithStreamUsage<ConverseStreamCommandOutput>> {
  const call = beginCall(rt, "ConverseStream", input.modelId, () => input.requestMetadata, callOptions);
  const { messages, system } = prepareConversation(rt, input.messages, input.system);
  const { result, modelId } = await sendThroughChain(rt, call, (id) =>
    rt.runtimeClient.send(
      new ConverseStreamCommand({ ...input, modelId: id, messages, system, requestMetadata: call.metadata }),
      { abortSignal: call.abortSignal },
    ),
  );
  let tokens: TokenCounts | undefined;
  let serverLatencyMs: number | undefined;
  let streamErrorName: string | undefined;
  const observe = (event: ConverseStreamOutput) => {
    const usage = readTokenUsage(event.metadata?.usage);
    if (usage !== undefined) tokens = usage;
    if (event.metadata?.metrics?.latencyMs !== undefined) serverLatencyMs = event.metadata.metrics.latencyMs;
    const inStreamError =
      event.internalServerException ??
      event.modelStreamErrorException ??
      event.validationException ??
      event.throttlingException ??
      event.serviceUnavailableException;
    if (inStreamError !== undefined) streamErrorName = inStreamError.name;
  };
  const wrapped = wrapStream(
    rt,
    result.stream,
    result.$metadata.requestId,
    call.context,
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
}
