/**
 * InvokeModel and InvokeModelWithResponseStream: metadata travels as the JSON string of the
 * `X-Amzn-Bedrock-Request-Metadata` header (docs/aws-facts.md §2); token counts come from the
 * response headers, or from the stream's last chunk (`amazon-bedrock-invocationMetrics`).
 */
import {
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
import {
  beginCall,
  buildUsage,
  type CallOptions,
  type StreamSummary,
  sendThroughChain,
  type WithStreamUsage,
  type WithUsage,
  wrapStream,
} from "./call.js";
import type { ClientRuntime } from "./client-runtime.js";
import { type MetadataIssue, MetadataPolicyError } from "./errors.js";
import type { MetadataInput, PolicyMode } from "./metadata-policy.js";
import { type BedrockOperation, readInvocationMetrics, readTokenCountHeaders } from "./usage.js";

const stringRecordSchema = z.record(z.string(), z.string());

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

/** The caller's own header value, read as metadata; its problems are reported like any other. */
const metadataFromHeader =
  (rt: ClientRuntime, operation: BedrockOperation, header: string | undefined) =>
  (primaryModelId: string): MetadataInput | undefined =>
    parseMetadataHeader(header, rt.config.policy.mode, (issue) =>
      rt.reportIssues([issue], operation, primaryModelId),
    );

type HeaderSink = { headers: Record<string, string> | undefined };

/** Registers a middleware that copies the raw HTTP response headers (token counts live there). */
function captureHeaders(
  command: InvokeModelCommand | InvokeModelWithResponseStreamCommand,
  sink: HeaderSink,
) {
  const copy = (response: unknown) => {
    if (HttpResponse.isInstance(response)) sink.headers = { ...response.headers };
  };
  const options = { step: "deserialize", name: "chargebackCaptureResponseHeaders", override: true } as const;
  // Two branches only because each command's middleware stack has its own input/output types.
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
}

/**
 * The InvokeModel* preamble: begin the call with the header's metadata, then send through the
 * model chain; `send` builds the command for a model id and the header value to stamp.
 */
async function invokeThroughChain<O>(
  rt: ClientRuntime,
  operation: BedrockOperation,
  input: { modelId?: string | undefined; requestMetadata?: string | undefined },
  callOptions: CallOptions | undefined,
  send: (modelId: string, header: string | undefined, sink: HeaderSink, signal?: AbortSignal) => Promise<O>,
) {
  const fromHeader = metadataFromHeader(rt, operation, input.requestMetadata);
  const call = beginCall(rt, operation, input.modelId, fromHeader, callOptions);
  const header = call.metadata === undefined ? undefined : JSON.stringify(call.metadata);
  const captured: HeaderSink = { headers: undefined };
  const sent = await sendThroughChain(rt, call, (id) => send(id, header, captured, call.abortSignal));
  return { ...sent, call, captured };
}

export async function invokeModel(
  rt: ClientRuntime,
  input: InvokeModelCommandInput,
  callOptions: CallOptions | undefined,
): Promise<WithUsage<InvokeModelCommandOutput>> {
  const { call, captured, result, modelId } = await invokeThroughChain(
    rt,
    "InvokeModel",
    input,
    callOptions,
    (id, requestMetadata, sink, abortSignal) => {
      const command = new InvokeModelCommand({ ...input, modelId: id, requestMetadata });
      captureHeaders(command, sink);
      return rt.runtimeClient.send(command, { abortSignal });
    },
  );
  const usageRecord = buildUsage(rt, call.context, {
    modelId,
    tokens: captured.headers === undefined ? undefined : readTokenCountHeaders(captured.headers),
    tokenSource: "response-headers",
    status: "success",
    complete: true,
    requestId: result.$metadata.requestId,
  });
  rt.emitUsage(usageRecord);
  return { ...result, usageRecord };
}

export async function invokeModelWithResponseStream(
  rt: ClientRuntime,
  input: InvokeModelWithResponseStreamCommandInput,
  callOptions: CallOptions | undefined,
): Promise<WithStreamUsage<InvokeModelWithResponseStreamCommandOutput>> {
  const { call, captured, result, modelId } = await invokeThroughChain(
    rt,
    "InvokeModelWithResponseStream",
    input,
    callOptions,
    (id, requestMetadata, sink, abortSignal) => {
      const command = new InvokeModelWithResponseStreamCommand({ ...input, modelId: id, requestMetadata });
      captureHeaders(command, sink);
      return rt.runtimeClient.send(command, { abortSignal });
    },
  );
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
  // The stream's own metrics chunk wins; the response headers are the fallback.
  const summarize = (): StreamSummary => {
    if (metrics !== undefined) {
      return {
        tokens: metrics,
        tokenSource: "invocation-metrics",
        serverLatencyMs: metrics.invocationLatencyMs,
        errorName: streamErrorName,
      };
    }
    return {
      tokens: captured.headers === undefined ? undefined : readTokenCountHeaders(captured.headers),
      tokenSource: "response-headers",
      serverLatencyMs: undefined,
      errorName: streamErrorName,
    };
  };
  const wrapped = wrapStream(
    rt,
    result.body,
    result.$metadata.requestId,
    call.context,
    modelId,
    observe,
    summarize,
  );
  return { ...result, body: wrapped.stream, usageRecord: wrapped.usageRecord };
}
