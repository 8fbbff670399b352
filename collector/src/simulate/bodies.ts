/**
 * Request and response bodies for `--bodies`, in each API's own shape: Converse for Converse and
 * ConverseStream, the model's native format for InvokeModel, and an array of chunks for
 * InvokeModelWithResponseStream whose last chunk carries `amazon-bedrock-invocationMetrics`.
 * Text length follows the token counts (about 4 characters a token) but the counts in the record
 * stay the truth: bodies are decoration.
 */
import { Rng } from "./prng";
import type { Invocation } from "./records";

/** Bodies above this many bytes go to a sidecar object (docs/aws-facts.md §1.2). */
export const INLINE_BODY_LIMIT = 100 * 1024;
const LARGE_BODY_CHARS = 112_000;
const MAX_USER_CHARS = 70_000;
const MAX_SYSTEM_CHARS = 20_000;
const MAX_OUTPUT_CHARS = 40_000;

const WORDS = (
  "the customer order invoice account refund shipping delivery review code function request response " +
  "tenant billing report summary please could you explain update status ticket issue error retry " +
  "latency model prompt answer document section policy contract renewal pricing discount quarter " +
  "pipeline test coverage branch merge commit change module service endpoint query result table " +
  "thanks regards help support team schedule meeting follow up next steps detail context example " +
  "a an and or of to in on for with from by is are was be this that it we they our your"
).split(" ");

/** A seeded block of prose that bodies are cut from, so long bodies cost a slice, not a loop. */
export class TextSource {
  private readonly corpus: string;

  constructor(seed: number) {
    const rng = new Rng(seed, 7);
    const parts: string[] = [];
    let length = 0;
    while (length < 65_536) {
      const sentence: string[] = [];
      const words = rng.between(6, 18);
      for (let i = 0; i < words; i++) sentence.push(WORDS[rng.int(WORDS.length)] ?? "the");
      const text = `${sentence.join(" ")}. `;
      parts.push(text.charAt(0).toUpperCase() + text.slice(1));
      length += text.length;
    }
    this.corpus = parts.join("");
  }

  /** `chars` characters of prose starting at a random place. */
  take(rng: Rng, chars: number): string {
    // Start on a word, not mid-word.
    const start = this.corpus.indexOf(" ", rng.int(this.corpus.length - 1)) + 1;
    let out = this.corpus.slice(start, start + chars);
    while (out.length < chars) out += this.corpus.slice(0, chars - out.length);
    return out.trim() || "Hello.";
  }
}

type Sizes = { system: string; user: string; output: string; maxTokens: number; temperature: number };

function sizes(invocation: Invocation, rng: Rng, text: TextSource): Sizes {
  const cached = invocation.cacheReadTokens + invocation.cacheWriteTokens;
  const systemChars = cached > 0 ? Math.min(cached * 4, MAX_SYSTEM_CHARS) : rng.between(120, 600);
  const userChars =
    invocation.large === "input"
      ? Math.max(invocation.inputTokens * 4, LARGE_BODY_CHARS)
      : Math.min(Math.max(invocation.inputTokens * 4, 8), MAX_USER_CHARS);
  const outputChars =
    invocation.large === "output"
      ? Math.max(invocation.outputTokens * 4, LARGE_BODY_CHARS)
      : Math.min(Math.max(invocation.outputTokens * 4, 8), MAX_OUTPUT_CHARS);
  const maxTokens = [512, 1024, 2048, 4096, 8192, 32_768].find((m) => m >= invocation.outputTokens) ?? 65_536;
  return {
    system: text.take(rng, systemChars),
    user: text.take(rng, userChars),
    output: text.take(rng, outputChars),
    maxTokens,
    temperature: rng.pick([0, 0.2, 0.5, 0.7, 1]),
  };
}

function latencies(invocation: Invocation, rng: Rng): { total: number; firstByte: number } {
  const firstByte = rng.between(180, 900);
  return { total: firstByte + Math.round(invocation.outputTokens * (6 + rng.next() * 18)), firstByte };
}

/** Splits `text` into stream-sized pieces. */
function pieces(text: string, rng: Rng): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = rng.between(20, 120);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

function anthropicModelName(baseModel: string): string {
  return /^anthropic\.(.+)-v\d+:\d+$/.exec(baseModel)?.[1] ?? baseModel;
}

function converseBodies(invocation: Invocation, s: Sizes, rng: Rng): { input: unknown; output: unknown } {
  const claudeCache = invocation.route.cacheFields === "claude";
  const cached = invocation.cacheReadTokens + invocation.cacheWriteTokens > 0;
  const usage: Record<string, number> = {
    inputTokens: invocation.inputTokens,
    outputTokens: invocation.outputTokens,
    totalTokens:
      invocation.inputTokens +
      invocation.outputTokens +
      invocation.cacheReadTokens +
      invocation.cacheWriteTokens,
  };
  if (claudeCache) {
    usage.cacheReadInputTokens = invocation.cacheReadTokens;
    usage.cacheWriteInputTokens = invocation.cacheWriteTokens;
  }
  return {
    input: {
      messages: [{ role: "user", content: [{ text: s.user }] }],
      system: cached ? [{ text: s.system }, { cachePoint: { type: "default" } }] : [{ text: s.system }],
      inferenceConfig: { maxTokens: s.maxTokens, temperature: s.temperature, topP: 0.9, stopSequences: [] },
      additionalModelRequestFields: {},
    },
    output: {
      output: { message: { role: "assistant", content: [{ text: s.output }] } },
      stopReason: invocation.outputTokens >= s.maxTokens ? "max_tokens" : "end_turn",
      metrics: { latencyMs: latencies(invocation, rng).total },
      usage,
    },
  };
}

function anthropicRequest(invocation: Invocation, s: Sizes): unknown {
  const cached = invocation.cacheReadTokens + invocation.cacheWriteTokens > 0;
  return {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: s.maxTokens,
    system: [
      cached
        ? { type: "text", text: s.system, cache_control: { type: "ephemeral" } }
        : { type: "text", text: s.system },
    ],
    messages: [{ role: "user", content: [{ type: "text", text: s.user }] }],
    temperature: s.temperature,
  };
}

function invokeBodies(invocation: Invocation, s: Sizes, rng: Rng): { input: unknown; output: unknown } {
  const { route } = invocation;
  switch (route.family) {
    case "anthropic":
      return {
        input: anthropicRequest(invocation, s),
        output: {
          id: `msg_bdrk_01${rng.hex(22)}`,
          type: "message",
          role: "assistant",
          model: anthropicModelName(route.baseModel),
          content: [{ type: "text", text: s.output }],
          stop_reason: "end_turn",
          stop_sequence: null,
          usage: {
            input_tokens: invocation.inputTokens,
            cache_creation_input_tokens: invocation.cacheWriteTokens,
            cache_read_input_tokens: invocation.cacheReadTokens,
            output_tokens: invocation.outputTokens,
          },
        },
      };
    case "nova":
      return {
        input: {
          schemaVersion: "messages-v1",
          system: [{ text: s.system }],
          messages: [{ role: "user", content: [{ text: s.user }] }],
          inferenceConfig: { maxTokens: s.maxTokens, temperature: s.temperature, topP: 0.9 },
        },
        output: {
          output: { message: { content: [{ text: s.output }], role: "assistant" } },
          stopReason: "end_turn",
          usage: {
            inputTokens: invocation.inputTokens,
            outputTokens: invocation.outputTokens,
            totalTokens: invocation.inputTokens + invocation.outputTokens,
            cacheReadInputTokenCount: 0,
            cacheWriteInputTokenCount: 0,
          },
        },
      };
    case "titan-embed":
      return {
        input: { inputText: s.user, dimensions: 256, normalize: true },
        output: {
          embedding: Array.from({ length: 256 }, () => Math.round(rng.normal() * 62_500) / 1_000_000),
          inputTextTokenCount: invocation.inputTokens,
        },
      };
    case "llama":
      return {
        input: llamaRequest(s),
        output: {
          generation: s.output,
          prompt_token_count: invocation.inputTokens,
          generation_token_count: invocation.outputTokens,
          stop_reason: "stop",
        },
      };
    case "mistral":
      return {
        input: {
          messages: [
            { role: "system", content: s.system },
            { role: "user", content: s.user },
          ],
          max_tokens: s.maxTokens,
          temperature: s.temperature,
        },
        output: {
          choices: [{ index: 0, message: { role: "assistant", content: s.output }, stop_reason: "stop" }],
        },
      };
    case "cohere":
      return {
        input: {
          message: s.user,
          preamble: s.system,
          chat_history: [],
          max_tokens: s.maxTokens,
          temperature: s.temperature,
        },
        output: {
          response_id: rng.uuid(),
          text: s.output,
          generation_id: rng.uuid(),
          finish_reason: "COMPLETE",
        },
      };
  }
}

function llamaRequest(s: Sizes): unknown {
  return {
    prompt: `<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n${s.system}<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n${s.user}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`,
    max_gen_len: s.maxTokens,
    temperature: s.temperature,
    top_p: 0.9,
  };
}

function streamBodies(invocation: Invocation, s: Sizes, rng: Rng): { input: unknown; output: unknown } {
  const { total, firstByte } = latencies(invocation, rng);
  const metrics = {
    inputTokenCount: invocation.inputTokens,
    outputTokenCount: invocation.outputTokens,
    invocationLatency: total,
    firstByteLatency: firstByte,
  };
  const parts = pieces(s.output, rng);
  if (invocation.route.family === "llama") {
    const chunks: unknown[] = parts.map((generation, i) => ({
      generation,
      prompt_token_count: i === 0 ? invocation.inputTokens : null,
      generation_token_count: Math.max(
        1,
        Math.round(((i + 1) * invocation.outputTokens) / (parts.length + 1)),
      ),
      stop_reason: null,
    }));
    chunks.push({
      generation: "",
      prompt_token_count: null,
      generation_token_count: invocation.outputTokens,
      stop_reason: "stop",
      "amazon-bedrock-invocationMetrics": metrics,
    });
    return { input: llamaRequest(s), output: chunks };
  }
  const chunks: unknown[] = [
    {
      type: "message_start",
      message: {
        id: `msg_bdrk_01${rng.hex(22)}`,
        type: "message",
        role: "assistant",
        model: anthropicModelName(invocation.route.baseModel),
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: invocation.inputTokens,
          cache_creation_input_tokens: invocation.cacheWriteTokens,
          cache_read_input_tokens: invocation.cacheReadTokens,
          output_tokens: 1,
        },
      },
    },
    { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
    ...parts.map((text) => ({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } })),
    { type: "content_block_stop", index: 0 },
    {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: invocation.outputTokens },
    },
    { type: "message_stop", "amazon-bedrock-invocationMetrics": metrics },
  ];
  return { input: anthropicRequest(invocation, s), output: chunks };
}

/**
 * The logged request and response bodies of a successful invocation.
 * @example buildBodies(invocation, new Rng(42, 3), new TextSource(42)).output // Converse response, or chunks
 */
export function buildBodies(
  invocation: Invocation,
  rng: Rng,
  text: TextSource,
): { input: unknown; output: unknown } {
  const s = sizes(invocation, rng, text);
  switch (invocation.operation) {
    case "Converse":
    case "ConverseStream":
      return converseBodies(invocation, s, rng);
    case "InvokeModel":
      return invokeBodies(invocation, s, rng);
    case "InvokeModelWithResponseStream":
      return streamBodies(invocation, s, rng);
  }
}
