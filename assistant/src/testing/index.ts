/**
 * Test support: a loopback Bedrock Runtime (the wrapper's fake HTTP handler, so the SDK and the
 * wrapper run for real) that answers the assistant from a script, and writes a model invocation
 * log record for every call — the same record Bedrock would deliver — so that the assistant's own
 * calls can be ingested and reported like any application's.
 */
import { randomUUID } from "node:crypto";
import { invocationRecord, logKey, writeObject } from "@bedrock-chargeback/collector/testing";
import {
  createFakeBedrockHandler,
  errorResponse,
  FAKE_CREDENTIALS,
  type FakeBedrockHandler,
  type FakeResponse,
  jsonResponse,
} from "@bedrock-chargeback/wrapper/testing";
import { ANSWER_SYSTEM_PROMPT } from "../prompt";

export type ScriptedCall = {
  kind: "sql" | "answer";
  modelId: string;
  /** The last user message (the question, a repair request, or the rows for the answer). */
  text: string;
  metadata: Record<string, string>;
};

export type BedrockScript = {
  /** The model's reply to the SQL call: `attempt` 0, then 1 for the repair round. */
  sql: (question: string, attempt: number, lastMessage: string) => string;
  /** The model's answer sentence, from the answer call's user message (question, SQL, rows). */
  answer?: (message: string) => string;
  /** Answer every call with this error instead (AccessDenied, throttling …). */
  fail?: FakeResponse;
  /** Tokens each call reports. */
  usage?: { input: number; output: number };
  /** When set, each call's invocation log record is written here (S3 layout, gzip JSON lines). */
  logDir?: string;
  now?: () => Date;
};

type ConverseBody = {
  system?: { text?: string }[];
  messages?: { role: string; content?: { text?: string }[] }[];
  requestMetadata?: Record<string, string>;
};

/**
 * @example const fake = scriptedBedrock({ sql: () => "```sql\nSELECT 1 FROM usage_by_month\n```" });
 * createAssistant({ db, config, now, bedrockTransport: fake.transport });
 */
export function scriptedBedrock(script: BedrockScript): {
  handler: FakeBedrockHandler;
  transport: { requestHandler: FakeBedrockHandler; credentials: typeof FAKE_CREDENTIALS };
  calls: ScriptedCall[];
} {
  const calls: ScriptedCall[] = [];
  const usage = script.usage ?? { input: 1200, output: 80 };
  const handler = createFakeBedrockHandler((request) => {
    const modelId = decodeURIComponent(/\/model\/([^/]+)\/converse/.exec(request.path)?.[1] ?? "");
    const raw: unknown = request.body;
    const text =
      typeof raw === "string" ? raw : raw instanceof Uint8Array ? Buffer.from(raw).toString("utf8") : "{}";
    const body = JSON.parse(text) as ConverseBody;
    const messages = body.messages ?? [];
    const last = messages[messages.length - 1]?.content?.[0]?.text ?? "";
    const question = messages[0]?.content?.[0]?.text ?? "";
    const kind = body.system?.[0]?.text === ANSWER_SYSTEM_PROMPT ? "answer" : "sql";
    const metadata = body.requestMetadata ?? {};
    calls.push({ kind, modelId, text: last, metadata });
    if (script.fail) return script.fail;
    const reply =
      kind === "answer"
        ? (script.answer?.(last) ?? "No answer.")
        : script.sql(question, Math.floor((messages.length - 1) / 2), last);
    if (script.logDir) {
      const at = (script.now ?? (() => new Date()))().toISOString();
      const record = invocationRecord({
        requestId: randomUUID(),
        timestamp: at,
        modelId,
        metadata,
        input: { inputTokenCount: usage.input, cacheReadInputTokenCount: 0, cacheWriteInputTokenCount: 0 },
        output: { outputTokenCount: usage.output },
      });
      writeObject(script.logDir, logKey(at, `${at.replace(/[-:.]/g, "")}_${randomUUID().slice(0, 16)}`), [
        record,
      ]);
    }
    return jsonResponse({
      output: { message: { role: "assistant", content: [{ text: reply }] } },
      stopReason: "end_turn",
      usage: {
        inputTokens: usage.input,
        outputTokens: usage.output,
        totalTokens: usage.input + usage.output,
      },
      metrics: { latencyMs: 5 },
    });
  });
  return { handler, transport: { requestHandler: handler, credentials: FAKE_CREDENTIALS }, calls };
}

export { errorResponse };

/** A fenced SQL reply, as a model writes it. */
export function sqlReply(sql: string): string {
  return `\`\`\`sql\n${sql}\n\`\`\``;
}
export { assistantTestStore, HAIKU, NOVA, SONNET, UNPRICED } from "./store";
