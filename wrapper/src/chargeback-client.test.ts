import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ModelTimeoutException,
  type ResponseStream,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-bedrock-runtime";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CallOptions, createChargebackClient } from "./chargeback-client.js";
import type { ChargebackClientOptions, Logger } from "./config.js";
import { ConversationError, MetadataPolicyError, ModelIdError } from "./errors.js";
import { hashIdentifier } from "./metadata-policy.js";
import { createMemoryMetricsSink } from "./metrics.js";
import type { UsageRecord } from "./usage.js";

const bedrockMock = mockClient(BedrockRuntimeClient);
const HMAC_KEY = "test-hmac-key-0123456789";
const MODEL = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const HELLO = [{ role: "user" as const, content: [{ text: "Hello" }] }];
const CALL: CallOptions = { metadata: { tenant_id: "acme", user_id: "user-42" } };

function setup(overrides: Partial<ChargebackClientOptions> = {}) {
  const usages: UsageRecord[] = [];
  const warnings: { message: string; details: unknown }[] = [];
  const logger: Logger = { warn: (message, details) => warnings.push({ message, details }) };
  let clock = 1000;
  const bedrock = createChargebackClient({
    region: "us-east-1",
    env: {},
    defaultMetadata: { application_name: "support-bot", cost_center: "cc-1234", environment: "prod" },
    policy: { userIdHmacKey: HMAC_KEY },
    onUsage: (usage) => {
      usages.push(usage);
    },
    logger,
    now: () => {
      clock += 25;
      return clock;
    },
    ...overrides,
  });
  return { bedrock, usages, warnings };
}

async function* events<E>(items: readonly E[], failAfter?: Error): AsyncGenerator<E> {
  for (const item of items) yield item;
  if (failAfter !== undefined) throw failAfter;
}

const CONVERSE_OK = {
  output: { message: { role: "assistant" as const, content: [{ text: "Hi!" }] } },
  stopReason: "end_turn" as const,
  usage: {
    inputTokens: 11,
    outputTokens: 7,
    totalTokens: 18,
    cacheReadInputTokens: 5,
    cacheWriteInputTokens: 3,
  },
  metrics: { latencyMs: 321 },
  $metadata: { requestId: "req-1", httpStatusCode: 200 },
};

const EXPECTED_METADATA = {
  application_name: "support-bot",
  cost_center: "cc-1234",
  environment: "prod",
  tenant_id: "acme",
  user_id: hashIdentifier("user-42", HMAC_KEY),
};

beforeEach(() => bedrockMock.reset());
afterEach(() => bedrockMock.reset());

describe("converse", () => {
  it("sends merged metadata with a hashed user_id and returns the usage", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const { bedrock, usages } = setup();

    const reply = await bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL);

    expect(bedrockMock).toHaveReceivedCommandWith(ConverseCommand, {
      modelId: MODEL,
      requestMetadata: EXPECTED_METADATA,
    });
    expect(reply.output?.message?.content?.[0]?.text).toBe("Hi!");
    expect(reply.usageRecord).toMatchObject({
      operation: "Converse",
      modelId: MODEL,
      requestedModelId: MODEL,
      status: "success",
      complete: true,
      inputTokens: 11,
      outputTokens: 7,
      cacheReadInputTokens: 5,
      cacheWriteInputTokens: 3,
      tokenSource: "converse-usage",
      latencyMs: 25,
      serverLatencyMs: 321,
      requestId: "req-1",
      metadata: EXPECTED_METADATA,
    });
    expect(usages).toEqual([reply.usageRecord]);
    expect(JSON.stringify(usages)).not.toContain("user-42");
  });

  it("lets per-call metadata override defaults and input.requestMetadata, and null remove a default", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const { bedrock } = setup({ policy: { userIdHmacKey: HMAC_KEY, requiredKeys: ["tenant_id"] } });

    await bedrock.converse(
      { modelId: MODEL, messages: HELLO, requestMetadata: { tenant_id: "from-input", feature: "chat" } },
      { metadata: { tenant_id: "from-call", Environment: "staging", cost_center: null } },
    );

    const sent = bedrockMock.commandCalls(ConverseCommand)[0]?.args[0].input.requestMetadata;
    expect(sent).toEqual({
      application_name: "support-bot",
      environment: "staging",
      tenant_id: "from-call",
      feature: "chat",
    });
  });

  it("rejects in enforce mode before calling AWS, naming the key and reason", async () => {
    const { bedrock } = setup();
    const call = bedrock.converse({ modelId: MODEL, messages: HELLO }, { metadata: { user_id: "u" } });
    await expect(call).rejects.toThrow(MetadataPolicyError);
    await expect(call).rejects.toThrow(/metadata key "tenant_id" is required but missing or empty/);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 0);
  });

  it("warn mode calls AWS, drops the unsafe entry and logs which key and why", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const { bedrock, warnings } = setup({ policy: { mode: "warn", userIdHmacKey: HMAC_KEY } });

    await bedrock.converse(
      { modelId: MODEL, messages: HELLO },
      { metadata: { tenant_id: "acme", contact: "jane.doe@example.com", region_name: "eu,west" } },
    );

    const sent = bedrockMock.commandCalls(ConverseCommand)[0]?.args[0].input.requestMetadata ?? {};
    expect(Object.keys(sent).sort()).toEqual(["application_name", "cost_center", "environment", "tenant_id"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe("request metadata: 2 issue(s) in warn mode");
    expect(JSON.stringify(warnings)).toContain("sensitive_email");
    expect(JSON.stringify(warnings)).toContain("value_invalid_characters");
    expect(JSON.stringify(warnings)).not.toContain("jane.doe");
  });

  it("repair mode sanitizes values and reports to onPolicyIssues", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const reported: string[] = [];
    const { bedrock } = setup({
      policy: { mode: "repair", userIdHmacKey: HMAC_KEY },
      onPolicyIssues: (issues) => reported.push(...issues.map((issue) => `${issue.key}:${issue.action}`)),
    });

    await bedrock.converse(
      { modelId: MODEL, messages: HELLO },
      { metadata: { tenant_id: "acme#eu", Cost_Center: "cc,9" } },
    );

    const sent = bedrockMock.commandCalls(ConverseCommand)[0]?.args[0].input.requestMetadata;
    expect(sent?.tenant_id).toBe("acme_eu");
    expect(sent?.cost_center).toBe("cc_9");
    expect(reported.sort()).toEqual(["cost_center:repaired", "tenant_id:repaired"]);
  });

  it("validates the conversation before calling AWS", async () => {
    const { bedrock } = setup();
    const call = bedrock.converse(
      { modelId: MODEL, messages: [{ role: "assistant", content: [{ text: "Welcome" }] }] },
      CALL,
    );
    await expect(call).rejects.toThrow(ConversationError);
    await expect(call).rejects.toThrow(/must start with a user message/);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 0);
  });

  it("repairs the conversation when enabled (merge + move system text)", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const { bedrock } = setup({ conversation: { repair: true } });
    const messages = [
      { role: "user" as const, content: [{ text: "a" }] },
      { role: "user" as const, content: [{ text: "b" }] },
    ];
    await bedrock.converse({ modelId: MODEL, messages }, CALL);
    const sent = bedrockMock.commandCalls(ConverseCommand)[0]?.args[0].input;
    expect(sent?.messages).toEqual([{ role: "user", content: [{ text: "a" }, { text: "b" }] }]);
  });

  it("rejects a model name that is not an id, with a did-you-mean", async () => {
    const { bedrock } = setup();
    const call = bedrock.converse({ modelId: "claude-sonnet-4", messages: HELLO }, CALL);
    await expect(call).rejects.toThrow(ModelIdError);
    await expect(call).rejects.toThrow(/Did you mean "anthropic\.claude-sonnet-4-20250514-v1:0"/);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 0);
  });

  it("passes Bedrock errors through unchanged and emits an error usage record", async () => {
    bedrockMock
      .on(ConverseCommand)
      .rejects(
        new ValidationException({ message: "Malformed input request", $metadata: { httpStatusCode: 400 } }),
      );
    const { bedrock, usages } = setup();
    await expect(bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL)).rejects.toBeInstanceOf(
      ValidationException,
    );
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ status: "error", errorName: "ValidationException", inputTokens: 0 });
  });
});

describe("fallbacks and model-timeout retries", () => {
  const throttled = () =>
    Object.assign(
      new ThrottlingException({ message: "Too many requests", $metadata: { httpStatusCode: 429 } }),
      {
        $retryable: { throttling: true },
      },
    );

  it("falls back to the next model; the usage says which model served and keeps the metadata", async () => {
    bedrockMock.on(ConverseCommand, { modelId: MODEL }).rejects(throttled());
    bedrockMock.on(ConverseCommand, { modelId: "amazon.nova-pro-v1:0" }).resolves(CONVERSE_OK);
    const { bedrock } = setup({ fallbacks: { [MODEL]: ["amazon.nova-pro-v1:0"] } });

    const reply = await bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL);

    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 2);
    const calls = bedrockMock.commandCalls(ConverseCommand).map((c) => c.args[0].input);
    expect(calls.map((input) => input.modelId)).toEqual([MODEL, "amazon.nova-pro-v1:0"]);
    expect(calls[1]?.requestMetadata).toEqual(calls[0]?.requestMetadata);
    expect(reply.usageRecord.modelId).toBe("amazon.nova-pro-v1:0");
    expect(reply.usageRecord.requestedModelId).toBe(MODEL);
    expect(reply.usageRecord.failedAttempts).toEqual([{ modelId: MODEL, errorName: "ThrottlingException" }]);
  });

  it("does not fall back on a ValidationException", async () => {
    bedrockMock.on(ConverseCommand).rejects(new ValidationException({ message: "bad", $metadata: {} }));
    const { bedrock } = setup();
    const call = bedrock.converse(
      { modelId: MODEL, messages: HELLO },
      { ...CALL, fallbackModelIds: ["amazon.nova-pro-v1:0"] },
    );
    await expect(call).rejects.toBeInstanceOf(ValidationException);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 1);
  });

  it("retries ModelTimeoutException when configured (the SDK does not)", async () => {
    bedrockMock
      .on(ConverseCommand)
      .rejectsOnce(new ModelTimeoutException({ message: "timed out", $metadata: { httpStatusCode: 408 } }))
      .resolves(CONVERSE_OK);
    const { bedrock } = setup({ retry: { modelTimeoutRetries: 1 } });
    const reply = await bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL);
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 2);
    expect(reply.usageRecord.failedAttempts).toEqual([
      { modelId: MODEL, errorName: "ModelTimeoutException" },
    ]);
  });

  it("does not retry ModelTimeoutException by default", async () => {
    bedrockMock
      .on(ConverseCommand)
      .rejectsOnce(new ModelTimeoutException({ message: "timed out", $metadata: { httpStatusCode: 408 } }))
      .resolves(CONVERSE_OK);
    const { bedrock } = setup();
    await expect(bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL)).rejects.toBeInstanceOf(
      ModelTimeoutException,
    );
    expect(bedrockMock).toHaveReceivedCommandTimes(ConverseCommand, 1);
  });
});

describe("converseStream", () => {
  const streamEvents: ConverseStreamOutput[] = [
    { messageStart: { role: "assistant" } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "Hel" } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { text: "lo" } } },
    { messageStop: { stopReason: "end_turn" } },
    {
      metadata: {
        usage: { inputTokens: 20, outputTokens: 2, totalTokens: 22, cacheReadInputTokens: 8 },
        metrics: { latencyMs: 77 },
      },
    },
  ];

  it("passes events through and emits usage from the metadata event when the stream ends", async () => {
    bedrockMock
      .on(ConverseStreamCommand)
      .resolves({ stream: events(streamEvents), $metadata: { requestId: "s-1" } });
    const { bedrock, usages } = setup();

    const response = await bedrock.converseStream({ modelId: MODEL, messages: HELLO }, CALL);
    expect(usages).toHaveLength(0);
    let text = "";
    for await (const event of response.stream ?? []) text += event.contentBlockDelta?.delta?.text ?? "";

    expect(text).toBe("Hello");
    const usage = await response.usageRecord;
    expect(usage).toMatchObject({
      operation: "ConverseStream",
      complete: true,
      status: "success",
      inputTokens: 20,
      outputTokens: 2,
      cacheReadInputTokens: 8,
      cacheWriteInputTokens: 0,
      tokenSource: "stream-metadata",
      serverLatencyMs: 77,
      requestId: "s-1",
    });
    expect(usages).toEqual([usage]);
    expect(bedrockMock).toHaveReceivedCommandWith(ConverseStreamCommand, {
      requestMetadata: EXPECTED_METADATA,
    });
  });

  it("reports what it knows, complete: false, when the stream fails mid-iteration", async () => {
    const failure = new Error("connection reset");
    failure.name = "ModelStreamErrorException";
    bedrockMock
      .on(ConverseStreamCommand)
      .resolves({ stream: events(streamEvents.slice(0, 2), failure), $metadata: {} });
    const { bedrock, usages } = setup();

    const response = await bedrock.converseStream({ modelId: MODEL, messages: HELLO }, CALL);
    const seen: ConverseStreamOutput[] = [];
    await expect(async () => {
      for await (const event of response.stream ?? []) seen.push(event);
    }).rejects.toThrow("connection reset");

    expect(seen).toHaveLength(2);
    const usage = await response.usageRecord;
    expect(usage).toMatchObject({
      complete: false,
      status: "error",
      errorName: "ModelStreamErrorException",
      tokenSource: "unavailable",
      inputTokens: 0,
    });
    expect(usages).toHaveLength(1);
  });

  it("reports complete: false when the consumer breaks early, keeping tokens seen so far", async () => {
    const reordered = [streamEvents[4], streamEvents[1], streamEvents[2]].filter((e) => e !== undefined);
    bedrockMock.on(ConverseStreamCommand).resolves({ stream: events(reordered), $metadata: {} });
    const { bedrock, usages } = setup();

    const response = await bedrock.converseStream({ modelId: MODEL, messages: HELLO }, CALL);
    for await (const event of response.stream ?? []) {
      if (event.contentBlockDelta !== undefined) break;
    }
    const usage = await response.usageRecord;
    expect(usage).toMatchObject({ complete: false, status: "success", inputTokens: 20, outputTokens: 2 });
    expect(usages).toHaveLength(1);
  });
});

describe("invokeModel", () => {
  it("sends the metadata as a JSON requestMetadata string (the X-Amzn-Bedrock-Request-Metadata header)", async () => {
    bedrockMock.on(InvokeModelCommand).resolves({
      contentType: "application/json",
      $metadata: { requestId: "i-1" },
    });
    const { bedrock, usages } = setup();

    const response = await bedrock.invokeModel(
      { modelId: MODEL, body: JSON.stringify({ prompt: "hi" }) },
      CALL,
    );

    const sent = bedrockMock.commandCalls(InvokeModelCommand)[0]?.args[0].input.requestMetadata ?? "";
    expect(JSON.parse(sent)).toEqual(EXPECTED_METADATA);
    expect(response.contentType).toBe("application/json");
    // With the client mocked there are no HTTP headers: the record says so instead of inventing zeros.
    expect(response.usageRecord).toMatchObject({
      operation: "InvokeModel",
      tokenSource: "unavailable",
      requestId: "i-1",
    });
    expect(usages).toHaveLength(1);
  });

  it("merges metadata already present in input.requestMetadata", async () => {
    bedrockMock.on(InvokeModelCommand).resolves({ $metadata: {} });
    const { bedrock } = setup();
    await bedrock.invokeModel(
      {
        modelId: MODEL,
        body: "{}",
        requestMetadata: JSON.stringify({ feature: "summarize", tenant_id: "x" }),
      },
      CALL,
    );
    const sent = JSON.parse(
      bedrockMock.commandCalls(InvokeModelCommand)[0]?.args[0].input.requestMetadata ?? "",
    );
    expect(sent.feature).toBe("summarize");
    expect(sent.tenant_id).toBe("acme");
  });

  it("rejects a requestMetadata input that is not a JSON object of strings (enforce)", async () => {
    const { bedrock } = setup();
    const call = bedrock.invokeModel({ modelId: MODEL, body: "{}", requestMetadata: "tenant=acme" }, CALL);
    await expect(call).rejects.toThrow(/input.requestMetadata is not a JSON object of string values/);
    expect(bedrockMock).toHaveReceivedCommandTimes(InvokeModelCommand, 0);
  });
});

describe("invokeModelWithResponseStream", () => {
  const chunk = (body: unknown): ResponseStream => ({
    chunk: { bytes: new TextEncoder().encode(JSON.stringify(body)) },
  });

  it("reads usage from the final chunk's amazon-bedrock-invocationMetrics", async () => {
    bedrockMock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: events([
        chunk({ type: "content_block_delta", delta: { text: "Hi" } }),
        chunk({
          type: "message_stop",
          "amazon-bedrock-invocationMetrics": {
            inputTokenCount: 31,
            outputTokenCount: 9,
            cacheReadInputTokenCount: 4,
            cacheWriteInputTokenCount: 2,
            invocationLatency: 456,
          },
        }),
      ]),
      contentType: "application/json",
      $metadata: {},
    });
    const { bedrock } = setup();
    const response = await bedrock.invokeModelWithResponseStream({ modelId: MODEL, body: "{}" }, CALL);
    let chunks = 0;
    for await (const _ of response.body ?? []) chunks += 1;

    expect(chunks).toBe(2);
    expect(await response.usageRecord).toMatchObject({
      operation: "InvokeModelWithResponseStream",
      complete: true,
      inputTokens: 31,
      outputTokens: 9,
      cacheReadInputTokens: 4,
      cacheWriteInputTokens: 2,
      serverLatencyMs: 456,
      tokenSource: "invocation-metrics",
    });
    const sent = bedrockMock.commandCalls(InvokeModelWithResponseStreamCommand)[0]?.args[0].input
      .requestMetadata;
    expect(JSON.parse(sent ?? "")).toEqual(EXPECTED_METADATA);
  });

  it("flags an early break as incomplete", async () => {
    bedrockMock.on(InvokeModelWithResponseStreamCommand).resolves({
      body: events([chunk({ a: 1 }), chunk({ a: 2 }), chunk({ a: 3 })]),
      $metadata: {},
    });
    const { bedrock } = setup();
    const response = await bedrock.invokeModelWithResponseStream({ modelId: MODEL, body: "{}" }, CALL);
    for await (const _ of response.body ?? []) break;
    expect(await response.usageRecord).toMatchObject({ complete: false, tokenSource: "unavailable" });
  });
});

describe("hooks and metrics", () => {
  it("records every call in the metrics sink and survives a throwing onUsage hook", async () => {
    bedrockMock.on(ConverseCommand).resolves(CONVERSE_OK);
    const metrics = createMemoryMetricsSink();
    const { bedrock, warnings } = setup({
      metrics,
      onUsage: () => {
        throw new Error("hook bug");
      },
    });
    const reply = await bedrock.converse({ modelId: MODEL, messages: HELLO }, CALL);
    expect(reply.usageRecord.inputTokens).toBe(11);
    expect(metrics.records.map((r) => r.modelId)).toEqual([MODEL]);
    expect(warnings.map((w) => w.message)).toEqual(["onUsage hook threw"]);
  });

  it("previewMetadata shows what would be sent without calling AWS", () => {
    const { bedrock } = setup();
    const preview = bedrock.previewMetadata({ tenant_id: "acme", user_id: "user-42" });
    expect(preview.metadata).toEqual(EXPECTED_METADATA);
    expect(preview.issues).toEqual([]);
    expect(bedrockMock.calls()).toHaveLength(0);
  });
});
