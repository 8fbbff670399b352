/**
 * Tests through the real AWS SDK pipeline (serialization, adaptive retries, SigV4 signing,
 * deserialization, event streams) with a fake HTTP handler in place of the network.
 */
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { describe, expect, it } from "vitest";
import { createChargebackClient } from "./chargeback-client.js";
import type { ChargebackClientOptions } from "./config.js";
import { ConfigError, CredentialsError } from "./errors.js";
import {
  createFakeBedrockHandler,
  encodeChunk,
  encodeEvent,
  errorResponse,
  eventStreamResponse,
  FAKE_CREDENTIALS,
  type FakeResponder,
  jsonResponse,
  readRequestHeader,
  readSignedHeaders,
} from "./testing/fake-bedrock-http.js";

const MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
const METADATA_HEADER = "x-amzn-bedrock-request-metadata";
const EXPECTED = {
  application_name: "dev-tools",
  cost_center: "cc-42",
  environment: "test",
  tenant_id: "acme",
};

function setup(responder: FakeResponder, overrides: Partial<ChargebackClientOptions> = {}) {
  const http = createFakeBedrockHandler(responder);
  const bedrock = createChargebackClient({
    region: "us-east-1",
    env: {},
    credentials: FAKE_CREDENTIALS,
    requestHandler: http,
    defaultMetadata: { application_name: "dev-tools", cost_center: "cc-42", environment: "test" },
    logger: { warn: () => undefined },
    ...overrides,
  });
  return { http, bedrock };
}

const CONVERSE_BODY = {
  output: { message: { role: "assistant", content: [{ text: "ok" }] } },
  stopReason: "end_turn",
  usage: { inputTokens: 3, outputTokens: 1, totalTokens: 4 },
  metrics: { latencyMs: 12 },
};

describe("request metadata on the wire", () => {
  it("InvokeModel: the X-Amzn-Bedrock-Request-Metadata header is present and SigV4-signed", async () => {
    const { http, bedrock } = setup(() =>
      jsonResponse(
        { content: [{ type: "text", text: "ok" }] },
        {
          "x-amzn-bedrock-input-token-count": "120",
          "x-amzn-bedrock-output-token-count": "45",
          "x-amzn-bedrock-cache-read-input-token-count": "100",
          "x-amzn-bedrock-cache-write-input-token-count": "7",
        },
      ),
    );

    const response = await bedrock.invokeModel(
      { modelId: MODEL, contentType: "application/json", body: JSON.stringify({ messages: [] }) },
      { metadata: { tenant_id: "acme" } },
    );

    expect(http.requests).toHaveLength(1);
    const request = http.requests[0];
    if (request === undefined) throw new Error("no request captured");
    expect(request.path).toBe(`/model/${encodeURIComponent(MODEL)}/invoke`);
    expect(JSON.parse(readRequestHeader(request, METADATA_HEADER) ?? "")).toEqual(EXPECTED);
    expect(readSignedHeaders(request)).toContain(METADATA_HEADER);
    expect(readRequestHeader(request, "authorization")).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEFAKEKEY00\//,
    );
    expect(response.body.transformToString()).toBe('{"content":[{"type":"text","text":"ok"}]}');
    expect(response.usageRecord).toMatchObject({
      inputTokens: 120,
      outputTokens: 45,
      cacheReadInputTokens: 100,
      cacheWriteInputTokens: 7,
      tokenSource: "response-headers",
      requestId: "fake-request-1",
    });
  });

  it("InvokeModelWithResponseStream: header signed; usage from the final invocationMetrics chunk", async () => {
    const { http, bedrock } = setup(() =>
      eventStreamResponse([
        encodeChunk({ type: "content_block_delta", delta: { type: "text_delta", text: "Hel" } }),
        encodeChunk({ type: "content_block_delta", delta: { type: "text_delta", text: "lo" } }),
        encodeChunk({
          type: "message_stop",
          "amazon-bedrock-invocationMetrics": {
            inputTokenCount: 14,
            outputTokenCount: 2,
            invocationLatency: 250,
            firstByteLatency: 90,
          },
        }),
      ]),
    );

    const response = await bedrock.invokeModelWithResponseStream(
      { modelId: MODEL, body: JSON.stringify({ messages: [] }) },
      { metadata: { tenant_id: "acme" } },
    );
    const texts: string[] = [];
    for await (const event of response.body ?? []) {
      texts.push(new TextDecoder().decode(event.chunk?.bytes));
    }

    const request = http.requests[0];
    if (request === undefined) throw new Error("no request captured");
    expect(request.path).toBe(`/model/${encodeURIComponent(MODEL)}/invoke-with-response-stream`);
    expect(JSON.parse(readRequestHeader(request, METADATA_HEADER) ?? "")).toEqual(EXPECTED);
    expect(readSignedHeaders(request)).toContain(METADATA_HEADER);
    expect(texts).toHaveLength(3);
    expect(await response.usageRecord).toMatchObject({
      inputTokens: 14,
      outputTokens: 2,
      serverLatencyMs: 250,
      tokenSource: "invocation-metrics",
      complete: true,
    });
  });

  it("Converse: requestMetadata travels in the JSON body, not a header", async () => {
    const { http, bedrock } = setup(() => jsonResponse(CONVERSE_BODY));
    await bedrock.converse(
      { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
      { metadata: { tenant_id: "acme" } },
    );
    const request = http.requests[0];
    if (request === undefined) throw new Error("no request captured");
    const body: unknown = JSON.parse(String(request.body));
    expect(body).toMatchObject({ requestMetadata: EXPECTED });
    expect(readRequestHeader(request, METADATA_HEADER)).toBeUndefined();
  });

  it("ConverseStream: real event stream decoding, usage from the metadata event", async () => {
    const { bedrock } = setup(() =>
      eventStreamResponse([
        encodeEvent("messageStart", { role: "assistant" }),
        encodeEvent("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "Hi" } }),
        encodeEvent("messageStop", { stopReason: "end_turn" }),
        encodeEvent("metadata", {
          usage: { inputTokens: 9, outputTokens: 1, totalTokens: 10, cacheWriteInputTokens: 6 },
          metrics: { latencyMs: 30 },
        }),
      ]),
    );
    const response = await bedrock.converseStream(
      { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
      { metadata: { tenant_id: "acme" } },
    );
    let text = "";
    for await (const event of response.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? "";
    expect(text).toBe("Hi");
    expect(await response.usageRecord).toMatchObject({
      inputTokens: 9,
      outputTokens: 1,
      cacheWriteInputTokens: 6,
      tokenSource: "stream-metadata",
    });
  });
});

describe("resilience through the SDK", () => {
  it("retries a 429 ThrottlingException (adaptive mode) and succeeds on the second attempt", async () => {
    const { http, bedrock } = setup((_, index) =>
      index === 0
        ? errorResponse(429, "ThrottlingException", "Too many requests")
        : jsonResponse(CONVERSE_BODY),
    );
    const reply = await bedrock.converse(
      { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
      { metadata: { tenant_id: "acme" } },
    );
    expect(http.requests).toHaveLength(2);
    expect(http.requests.map((r) => readRequestHeader(r, "amz-sdk-request"))).toEqual([
      "attempt=1; max=3",
      "attempt=2; max=3",
    ]);
    expect(reply.usageRecord.inputTokens).toBe(3);
    expect(bedrock.config.retry.mode).toBe("adaptive");
  });

  it("gives up after maxAttempts on persistent throttling", async () => {
    const { http, bedrock } = setup(() => errorResponse(429, "ThrottlingException", "Too many requests"), {
      retry: { maxAttempts: 2 },
    });
    await expect(
      bedrock.converse(
        { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
        { metadata: { tenant_id: "acme" } },
      ),
    ).rejects.toMatchObject({ name: "ThrottlingException", $metadata: { httpStatusCode: 429 } });
    expect(http.requests).toHaveLength(2);
  });

  it("the SDK does not retry a 408 ModelTimeoutException; the wrapper does when configured", async () => {
    const timeoutThenOk: FakeResponder = (_, index) =>
      index === 0
        ? errorResponse(408, "ModelTimeoutException", "Model timed out")
        : jsonResponse(CONVERSE_BODY);
    const input = { modelId: MODEL, messages: [{ role: "user" as const, content: [{ text: "hi" }] }] };

    const plain = setup(timeoutThenOk);
    await expect(plain.bedrock.converse(input, { metadata: { tenant_id: "acme" } })).rejects.toMatchObject({
      name: "ModelTimeoutException",
    });
    expect(plain.http.requests).toHaveLength(1);

    const retrying = setup(timeoutThenOk, { retry: { modelTimeoutRetries: 1 } });
    const reply = await retrying.bedrock.converse(input, { metadata: { tenant_id: "acme" } });
    expect(retrying.http.requests).toHaveLength(2);
    expect(reply.usageRecord.failedAttempts).toEqual([
      { modelId: MODEL, errorName: "ModelTimeoutException" },
    ]);
  });

  it("a call timeout aborts a hanging request and does not trigger fallbacks", async () => {
    const { http, bedrock } = setup(() => new Promise(() => undefined), { timeouts: { callTimeoutMs: 50 } });
    const started = Date.now();
    await expect(
      bedrock.converse(
        { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
        { metadata: { tenant_id: "acme" }, fallbackModelIds: ["amazon.nova-lite-v1:0"] },
      ),
    ).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(http.requests).toHaveLength(1);
  });

  it("a failing credential provider becomes a CredentialsError with the fix, before any request", async () => {
    const { http, bedrock } = setup(() => jsonResponse(CONVERSE_BODY), {
      credentials: async () => {
        throw Object.assign(new Error("Could not load credentials from any providers"), {
          name: "CredentialsProviderError",
        });
      },
    });
    const call = bedrock.converse(
      { modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] },
      { metadata: { tenant_id: "acme" } },
    );
    await expect(call).rejects.toBeInstanceOf(CredentialsError);
    await expect(call).rejects.toThrow(/AWS_PROFILE/);
    await expect(call).rejects.toMatchObject({ code: "credentials_unavailable", retryable: false });
    expect(http.requests).toHaveLength(0);
  });

  it("builds the client with adaptive retries, maxAttempts and HTTP timeouts from config", async () => {
    const bedrock = createChargebackClient({
      region: "eu-west-1",
      env: {},
      retry: { maxAttempts: 5 },
      timeouts: { requestTimeoutMs: 1234, connectionTimeoutMs: 99 },
    });
    const config = bedrock.runtimeClient.config;
    expect(await config.region()).toBe("eu-west-1");
    expect(await config.maxAttempts()).toBe(5);
    expect((await config.retryStrategy()).constructor.name).toBe("AdaptiveRetryStrategy");
    // The handler resolves its options lazily; read them the way it will.
    const handlerOptions: unknown = await Reflect.get(config.requestHandler, "configProvider");
    expect(handlerOptions).toMatchObject({ requestTimeout: 1234, connectionTimeout: 99 });
  });

  it("a missing region is a ConfigError at construction, before any call", () => {
    expect(() => createChargebackClient({ env: {} })).toThrow(ConfigError);
    expect(() => createChargebackClient({ env: {} })).toThrow(/AWS region is missing/);
    expect(createChargebackClient({ env: { AWS_REGION: "eu-west-1" } }).config.region).toBe("eu-west-1");
  });

  it("an injected client without a region surfaces the SDK failure as a ConfigError", async () => {
    // What the SDK's default region chain does when neither env nor profile has a region.
    const client = new BedrockRuntimeClient({
      credentials: FAKE_CREDENTIALS,
      region: async () => {
        throw new Error("Region is missing");
      },
    });
    const bedrock = createChargebackClient({ client, env: {}, defaultMetadata: EXPECTED });
    await expect(
      bedrock.converse({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "hi" }] }] }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
