/**
 * The assistant's configuration (`chargeback ask`, `POST /v1/ask`), parsed once from environment
 * variables at start-up; nothing else in this package reads process.env. The variables are listed
 * in assistant/README.md.
 */
import { z } from "zod";

export const DEFAULT_ASK_MODEL_ID = "us.anthropic.claude-haiku-4-5-20251001-v1:0";
export const DEFAULT_ASK_APPLICATION = "chargeback-assistant";

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const envSchema = z.object({
  /** auto: Bedrock, and the template matcher when Bedrock cannot be reached; bedrock: never the matcher; fallback: never Bedrock. */
  CHARGEBACK_ASK_MODE: z.enum(["auto", "bedrock", "fallback"]).default("auto"),
  CHARGEBACK_ASK_MODEL_ID: z.string().min(1).default(DEFAULT_ASK_MODEL_ID),
  CHARGEBACK_ASK_REGION: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  /** A Bedrock Runtime endpoint (VPC endpoint, a stand-in). */
  CHARGEBACK_ASK_ENDPOINT: z.url().optional(),
  CHARGEBACK_ASK_APPLICATION_NAME: z.string().min(1).max(256).default(DEFAULT_ASK_APPLICATION),
  CHARGEBACK_ASK_COST_CENTER: z.string().min(1).max(256).optional(),
  CHARGEBACK_ASK_ENVIRONMENT: z.string().min(1).max(256).optional(),
  /** Longest a generated query may run before its thread is stopped. */
  CHARGEBACK_ASK_QUERY_TIMEOUT_MS: int(100, 120_000, 5_000),
  /** Most rows a query returns (more are cut and the answer says so). */
  CHARGEBACK_ASK_MAX_ROWS: int(1, 10_000, 500),
  /** Output tokens per Bedrock call. */
  CHARGEBACK_ASK_MAX_TOKENS: int(64, 8_192, 1_024),
  /** Deadline of one Bedrock call, SDK retries included. */
  CHARGEBACK_ASK_CALL_TIMEOUT_MS: int(1_000, 300_000, 30_000),
  /** Questions one API key may ask per UTC day (0 = none). */
  CHARGEBACK_ASK_DAILY_QUESTIONS: int(0, 1_000_000, 100),
});

export type AssistantConfig = {
  mode: "auto" | "bedrock" | "fallback";
  modelId: string;
  region: string | undefined;
  endpoint: string | undefined;
  applicationName: string;
  costCenter: string | undefined;
  environment: string | undefined;
  queryTimeoutMs: number;
  maxRows: number;
  maxTokens: number;
  callTimeoutMs: number;
  dailyQuestions: number;
};

/** @example parseAssistantConfig({ CHARGEBACK_ASK_MODE: "fallback" }).mode // "fallback" */
export function parseAssistantConfig(env: Record<string, string | undefined>): AssistantConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`configuration: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  const e = parsed.data;
  return {
    mode: e.CHARGEBACK_ASK_MODE,
    modelId: e.CHARGEBACK_ASK_MODEL_ID,
    region: e.CHARGEBACK_ASK_REGION ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    endpoint: e.CHARGEBACK_ASK_ENDPOINT,
    applicationName: e.CHARGEBACK_ASK_APPLICATION_NAME,
    costCenter: e.CHARGEBACK_ASK_COST_CENTER,
    environment: e.CHARGEBACK_ASK_ENVIRONMENT,
    queryTimeoutMs: e.CHARGEBACK_ASK_QUERY_TIMEOUT_MS,
    maxRows: e.CHARGEBACK_ASK_MAX_ROWS,
    maxTokens: e.CHARGEBACK_ASK_MAX_TOKENS,
    callTimeoutMs: e.CHARGEBACK_ASK_CALL_TIMEOUT_MS,
    dailyQuestions: e.CHARGEBACK_ASK_DAILY_QUESTIONS,
  };
}
