import type { TokenUsage } from "@aws-sdk/client-bedrock-runtime";
import { z } from "zod";

/** The four Bedrock runtime operations the wrapper covers. */
export type BedrockOperation =
  | "Converse"
  | "ConverseStream"
  | "InvokeModel"
  | "InvokeModelWithResponseStream";

/** Where the token counts of a usage record came from. */
export type TokenSource =
  | "converse-usage"
  | "stream-metadata"
  | "invocation-metrics"
  | "response-headers"
  | "unavailable";

/** The four token buckets, never merged (docs/rules.md rule 1). */
export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
}

/** One failed attempt of a call (retried model timeouts, fallback chain). */
export interface FailedAttempt {
  readonly modelId: string;
  readonly errorName: string;
}

/**
 * What one wrapper call cost, emitted through `onUsage` and returned as `usageRecord`.
 * `metadata` is exactly what was sent to Bedrock (hashed `user_id`, never the raw id).
 */
export interface UsageRecord extends TokenCounts {
  readonly operation: BedrockOperation;
  /** The model (or profile/ARN) that served the call; differs from `requestedModelId` after a fallback. */
  readonly modelId: string;
  readonly requestedModelId: string;
  readonly status: "success" | "error";
  /** Error name when `status` is "error" (e.g. "ThrottlingException"). */
  readonly errorName: string | undefined;
  /** False when a stream ended early (consumer stopped, or an error mid-stream): counts are what was seen. */
  readonly complete: boolean;
  readonly tokenSource: TokenSource;
  /** Wall-clock latency measured by the wrapper, call start to response (or to stream end). */
  readonly latencyMs: number;
  /** Latency reported by Bedrock, when it reports one. */
  readonly serverLatencyMs: number | undefined;
  readonly requestId: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly failedAttempts: readonly FailedAttempt[];
  /** ISO timestamp of the call start. */
  readonly startedAt: string;
}

/** Zero counts, with the source that will fill them. */
export const NO_TOKENS: TokenCounts = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheWriteInputTokens: 0,
};

/** Reads the four buckets of a Converse `usage` / ConverseStream `metadata.usage` object. */
export function readTokenUsage(usage: TokenUsage | undefined): TokenCounts | undefined {
  if (usage === undefined) return undefined;
  return {
    inputTokens: usage.inputTokens ?? 0,
    outputTokens: usage.outputTokens ?? 0,
    cacheReadInputTokens: usage.cacheReadInputTokens ?? 0,
    cacheWriteInputTokens: usage.cacheWriteInputTokens ?? 0,
  };
}

/** Token-count response headers of InvokeModel / InvokeModelWithResponseStream. */
export const TOKEN_COUNT_HEADERS = {
  inputTokens: "x-amzn-bedrock-input-token-count",
  outputTokens: "x-amzn-bedrock-output-token-count",
  cacheReadInputTokens: "x-amzn-bedrock-cache-read-input-token-count",
  cacheWriteInputTokens: "x-amzn-bedrock-cache-write-input-token-count",
} as const;

const tokenCountSchema = z.coerce.number().int().nonnegative();

function headerValue(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * Reads token counts from InvokeModel response headers; `undefined` when no count header is present.
 *
 * @example
 * readTokenCountHeaders({ "x-amzn-bedrock-input-token-count": "12", "x-amzn-bedrock-output-token-count": "3" });
 * // { inputTokens: 12, outputTokens: 3, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 }
 */
export function readTokenCountHeaders(
  headers: Readonly<Record<string, string | undefined>>,
): TokenCounts | undefined {
  let found = false;
  const read = (name: string): number => {
    const raw = headerValue(headers, name);
    if (raw === undefined || raw.trim() === "") return 0;
    const parsed = tokenCountSchema.safeParse(raw.trim());
    if (!parsed.success) return 0;
    found = true;
    return parsed.data;
  };
  const counts = {
    inputTokens: read(TOKEN_COUNT_HEADERS.inputTokens),
    outputTokens: read(TOKEN_COUNT_HEADERS.outputTokens),
    cacheReadInputTokens: read(TOKEN_COUNT_HEADERS.cacheReadInputTokens),
    cacheWriteInputTokens: read(TOKEN_COUNT_HEADERS.cacheWriteInputTokens),
  };
  return found ? counts : undefined;
}

const invocationMetricsSchema = z.object({
  "amazon-bedrock-invocationMetrics": z.object({
    inputTokenCount: z.number().int().nonnegative().optional(),
    outputTokenCount: z.number().int().nonnegative().optional(),
    cacheReadInputTokenCount: z.number().int().nonnegative().optional(),
    cacheWriteInputTokenCount: z.number().int().nonnegative().optional(),
    invocationLatency: z.number().nonnegative().optional(),
  }),
});

/** Token counts and latency from the final `amazon-bedrock-invocationMetrics` stream chunk. */
export interface InvocationMetrics extends TokenCounts {
  readonly invocationLatencyMs: number | undefined;
}

const decoder = new TextDecoder();

/**
 * Reads `amazon-bedrock-invocationMetrics` from an InvokeModelWithResponseStream chunk, if the chunk
 * carries it (Bedrock adds it to the final chunk). Model output in other chunks is not parsed.
 *
 * @example
 * readInvocationMetrics(new TextEncoder().encode('{"amazon-bedrock-invocationMetrics":{"inputTokenCount":5,"outputTokenCount":7}}'));
 */
export function readInvocationMetrics(bytes: Uint8Array | undefined): InvocationMetrics | undefined {
  if (bytes === undefined) return undefined;
  const text = decoder.decode(bytes);
  if (!text.includes("amazon-bedrock-invocationMetrics")) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = invocationMetricsSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const metrics = parsed.data["amazon-bedrock-invocationMetrics"];
  return {
    inputTokens: metrics.inputTokenCount ?? 0,
    outputTokens: metrics.outputTokenCount ?? 0,
    cacheReadInputTokens: metrics.cacheReadInputTokenCount ?? 0,
    cacheWriteInputTokens: metrics.cacheWriteInputTokenCount ?? 0,
    invocationLatencyMs: metrics.invocationLatency,
  };
}
