import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import {
  createFakeBedrockHandler,
  encodeChunk,
  encodeEvent,
  eventStreamResponse,
  FAKE_CREDENTIALS,
  type FakeBedrockHandler,
  type FakeResponse,
  jsonResponse,
} from "./fake-bedrock-http.js";

const decoder = new TextDecoder();

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  return "";
}

// Roughly four characters per token: enough to make example output look plausible.
function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * Answers every Bedrock runtime operation with a plausible canned reply, including token counts in the
 * places real Bedrock puts them (Converse `usage`, the stream `metadata` event, InvokeModel headers and
 * the final `amazon-bedrock-invocationMetrics` chunk).
 */
export function answerLikeBedrock(
  reply: string,
): (request: { path: string; body?: unknown }) => FakeResponse {
  return (request) => {
    const inputTokens = estimateTokens(bodyText(request.body));
    const outputTokens = estimateTokens(reply);
    const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
    if (request.path.endsWith("/converse")) {
      return jsonResponse({
        output: { message: { role: "assistant", content: [{ text: reply }] } },
        stopReason: "end_turn",
        usage,
        metrics: { latencyMs: 42 },
      });
    }
    if (request.path.endsWith("/converse-stream")) {
      const words = reply.split(/(?<= )/);
      return eventStreamResponse([
        encodeEvent("messageStart", { role: "assistant" }),
        ...words.map((word) =>
          encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: word } }),
        ),
        encodeEvent("contentBlockStop", { contentBlockIndex: 0 }),
        encodeEvent("messageStop", { stopReason: "end_turn" }),
        encodeEvent("metadata", { usage, metrics: { latencyMs: 42 } }),
      ]);
    }
    const tokenHeaders = {
      "x-amzn-bedrock-input-token-count": String(inputTokens),
      "x-amzn-bedrock-output-token-count": String(outputTokens),
      "x-amzn-bedrock-cache-read-input-token-count": "0",
      "x-amzn-bedrock-cache-write-input-token-count": "0",
    };
    if (request.path.endsWith("/invoke-with-response-stream")) {
      return eventStreamResponse([
        encodeChunk({ type: "content_block_delta", delta: { type: "text_delta", text: reply } }),
        encodeChunk({
          type: "message_stop",
          "amazon-bedrock-invocationMetrics": {
            inputTokenCount: inputTokens,
            outputTokenCount: outputTokens,
          },
        }),
      ]);
    }
    return jsonResponse(
      { id: "msg_stub", type: "message", role: "assistant", content: [{ type: "text", text: reply }] },
      tokenHeaders,
    );
  };
}

/**
 * A real `BedrockRuntimeClient` whose HTTP layer is a local stub: requests are serialized and
 * SigV4-signed as usual, then answered in-process. Used to run the examples with `tsx` offline.
 *
 * @example
 * const { client } = createStubRuntimeClient("Hello from the stub");
 * const bedrock = createChargebackClient({ client, defaultMetadata, policy });
 */
export function createStubRuntimeClient(reply = "This is a stubbed Bedrock reply."): {
  client: BedrockRuntimeClient;
  http: FakeBedrockHandler;
} {
  const answer = answerLikeBedrock(reply);
  const http = createFakeBedrockHandler((request) => answer(request));
  const client = new BedrockRuntimeClient({
    region: "us-east-1",
    credentials: FAKE_CREDENTIALS,
    requestHandler: http,
  });
  return { client, http };
}
