/**
 * `askQuestion`: a plain-language question → SQL over the semantic layer → rows → a sentence.
 * Bedrock (through our own wrapper, so the assistant's calls are logged and billed like any other
 * application's) writes the SQL and the sentence; without Bedrock the template matcher answers.
 * Safety design: docs/adr/0009-ask-safety.md.
 */
import type { ContentBlock, Message } from "@aws-sdk/client-bedrock-runtime";
import {
  type Db,
  formatMicros,
  PriceBook,
  priceCounters,
  resolveModel,
  roundPicoToMicros,
} from "@bedrock-chargeback/ledger";
import {
  type ChargebackClient,
  type ChargebackClientOptions,
  createChargebackClient,
  type UsageRecord,
} from "@bedrock-chargeback/wrapper";
import { explainBedrockFailure } from "./bedrock-errors";
import type { AssistantConfig } from "./config";
import { matchTemplate } from "./fallback";
import { type Cell, presentRows, type Table, templateAnswer, unbackedFigures } from "./present";
import { ANSWER_SYSTEM_PROMPT, answerUserMessage, extractSql, sqlSystemPrompt } from "./prompt";
import { runQuery } from "./run-query";
import { SemanticImageCache } from "./semantic-layer";
import { checkSql } from "./sql-guard";

/** The answer, in the shape `chargeback ask --format json` prints. */
export type AskAnswer = {
  question: string;
  mode: "bedrock" | "fallback";
  sql: string | null;
  columns: string[];
  rows: Cell[][];
  answer: string;
  /** What the assistant's own Bedrock calls cost for this question (0 in fallback mode). */
  cost_usd: number;
};

export type AskOutcome = AskAnswer & {
  /** Tokens of the assistant's Bedrock calls for this question. */
  tokens: { input: number; output: number; calls: number };
  /** false: the question was refused (unsafe or unanswerable) or no template fits. */
  answered: boolean;
  /** Why the answer came from the template matcher, with the fix; or why the answer was replaced. */
  notice: string | undefined;
  truncated: boolean;
};

export type AskRequest = {
  question: string;
  /** The asker's tenant: the rows are only this tenant's. `undefined` = every tenant (admin, finance). */
  tenant: string | undefined;
  /** Who asked (an API key id, a CLI user): sent as `user_id` metadata. */
  user: string | undefined;
};

/** The Bedrock client's transport and credentials (tests: the loopback fake); default: the SDK's. */
export type BedrockTransport = Pick<ChargebackClientOptions, "requestHandler" | "credentials">;

export type AskDeps = {
  db: Db;
  config: AssistantConfig;
  now: () => Date;
  bedrockTransport?: BedrockTransport;
  images?: SemanticImageCache;
};

export const MAX_QUESTION_CHARS = 1_000;

/** A question that cannot be asked at all (empty, too long): the API's 400, the CLI's exit 2. */
export class AskInputError extends Error {}

/**
 * The assistant's engine, one per store: the CLI makes one per run, the API one per process.
 * @example const assistant = createAssistant({ db, config: parseAssistantConfig(env), now: () => new Date() });
 * await assistant.ask({ question: "top 3 tenants by cost last month", tenant: undefined, user: "cli" });
 */
export function createAssistant(deps: AskDeps) {
  const images = deps.images ?? new SemanticImageCache(deps.db);
  let bedrock: ChargebackClient | undefined;
  const client = (): ChargebackClient => {
    bedrock ??= createChargebackClient({
      region: deps.config.region,
      endpoint: deps.config.endpoint,
      env: {},
      defaultMetadata: {
        application_name: deps.config.applicationName,
        ...(deps.config.costCenter ? { cost_center: deps.config.costCenter } : {}),
        ...(deps.config.environment ? { environment: deps.config.environment } : {}),
      },
      // An admin's question has no tenant; the asker is an API key id or a CLI name, not personal data.
      policy: { mode: "enforce", requiredKeys: ["application_name"], hashedKeys: [] },
      modelIds: { check: false },
      timeouts: { callTimeoutMs: deps.config.callTimeoutMs },
      ...deps.bedrockTransport,
    });
    return bedrock;
  };
  return { ask: (request: AskRequest) => askQuestion(deps, images, client, request) };
}

export type Assistant = ReturnType<typeof createAssistant>;

type Run = { ok: true; table: Table; truncated: boolean } | { ok: false; reason: string };

/** Both safety layers: the parser's check, then the worker over an image holding only the views read. */
async function checkAndRun(
  deps: AskDeps,
  images: SemanticImageCache,
  tenant: string | undefined,
  sql: string,
): Promise<Run> {
  const check = checkSql(sql);
  if (!check.ok) return { ok: false, reason: `refused: ${check.reason}` };
  const image = images.get(tenant, check.views);
  const result = await runQuery(image, sql, {
    timeoutMs: deps.config.queryTimeoutMs,
    maxRows: deps.config.maxRows,
  });
  if (!result.ok) return { ok: false, reason: `${result.kind}: ${result.reason}` };
  return { ok: true, table: presentRows(result.columns, result.rows), truncated: result.truncated };
}

function validateQuestion(question: string): string {
  const q = question.trim();
  if (q.length === 0) throw new AskInputError("question: must not be empty");
  if (q.length > MAX_QUESTION_CHARS)
    throw new AskInputError(`question: at most ${MAX_QUESTION_CHARS} characters`);
  return q;
}

function textOf(content: readonly ContentBlock[] | undefined): string {
  return (content ?? []).map((b) => ("text" in b && typeof b.text === "string" ? b.text : "")).join("");
}

type Meter = { usages: UsageRecord[] };

/** Prices the assistant's calls with the store's own price book (docs/rules.md rule 3): unpriced counts 0. */
function meterCost(db: Db, meter: Meter, today: string, region: string | undefined): number {
  const book = PriceBook.load(db);
  let pico = 0n;
  for (const u of meter.usages) {
    const model = resolveModel(u.modelId);
    const price = book.find(model.baseModel, model.scope, region ?? null, today);
    if (!price) continue;
    pico += priceCounters(
      {
        inputTokens: u.inputTokens,
        outputTokens: u.outputTokens,
        cacheReadTokens: u.cacheReadInputTokens,
        cacheWriteTokens: u.cacheWriteInputTokens,
      },
      price,
    ).pico;
  }
  return Number(formatMicros(roundPicoToMicros(pico)));
}

async function askQuestion(
  deps: AskDeps,
  images: SemanticImageCache,
  client: () => ChargebackClient,
  request: AskRequest,
): Promise<AskOutcome> {
  const question = validateQuestion(request.question);
  const now = deps.now();
  const today = now.toISOString().slice(0, 10);
  const meter: Meter = { usages: [] };
  const finish = (
    partial: Omit<AskOutcome, "question" | "cost_usd" | "tokens"> & { mode: AskAnswer["mode"] },
  ): AskOutcome => ({
    question,
    ...partial,
    cost_usd: meterCost(deps.db, meter, today, deps.config.region),
    tokens: {
      input: meter.usages.reduce(
        (s, u) => s + u.inputTokens + u.cacheReadInputTokens + u.cacheWriteInputTokens,
        0,
      ),
      output: meter.usages.reduce((s, u) => s + u.outputTokens, 0),
      calls: meter.usages.length,
    },
  });

  if (deps.config.mode !== "fallback") {
    try {
      let bedrock: ChargebackClient;
      try {
        bedrock = client();
      } catch (error) {
        // No region, a bad endpoint: the wrapper refuses before any call.
        throw new BedrockCallError(error);
      }
      return await askBedrock(deps, images, bedrock, request, question, today, meter, finish);
    } catch (error) {
      if (!(error instanceof BedrockCallError)) throw error;
      const why = explainBedrockFailure(error.cause);
      if (deps.config.mode === "bedrock")
        return finish({
          mode: "bedrock",
          sql: null,
          columns: [],
          rows: [],
          answer: `Bedrock could not answer: ${why.message}`,
          answered: false,
          notice: why.message,
          truncated: false,
        });
      return askFallback(
        deps,
        images,
        request,
        question,
        now,
        `Answered without Bedrock: ${why.message}`,
        finish,
      );
    }
  }
  return askFallback(
    deps,
    images,
    request,
    question,
    now,
    "Answered without Bedrock (CHARGEBACK_ASK_MODE=fallback).",
    finish,
  );
}

/** A Bedrock call failed: the caller falls back (or reports it). */
class BedrockCallError extends Error {
  constructor(cause: unknown) {
    super("bedrock call failed", { cause });
  }
}

type Finish = (
  partial: Omit<AskOutcome, "question" | "cost_usd" | "tokens"> & { mode: AskAnswer["mode"] },
) => AskOutcome;

async function converse(
  deps: AskDeps,
  bedrock: ChargebackClient,
  request: AskRequest,
  meter: Meter,
  system: string,
  messages: Message[],
): Promise<string> {
  let reply: Awaited<ReturnType<ChargebackClient["converse"]>>;
  try {
    reply = await bedrock.converse(
      {
        modelId: deps.config.modelId,
        system: [{ text: system }],
        messages,
        inferenceConfig: { maxTokens: deps.config.maxTokens, temperature: 0 },
      },
      {
        metadata: {
          ...(request.tenant !== undefined ? { tenant_id: request.tenant } : {}),
          ...(request.user !== undefined ? { user_id: request.user } : {}),
        },
      },
    );
  } catch (error) {
    throw new BedrockCallError(error);
  }
  meter.usages.push(reply.usageRecord);
  return textOf(reply.output?.message?.content);
}

async function askBedrock(
  deps: AskDeps,
  images: SemanticImageCache,
  bedrock: ChargebackClient,
  request: AskRequest,
  question: string,
  today: string,
  meter: Meter,
  finish: Finish,
): Promise<AskOutcome> {
  const system = sqlSystemPrompt(today, request.tenant);
  const messages: Message[] = [{ role: "user", content: [{ text: question }] }];
  let sql: string | null = null;
  let run: Run | undefined;
  // The first attempt and one repair round with the error; then a plain refusal.
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await converse(deps, bedrock, request, meter, system, messages);
    const extracted = extractSql(reply);
    if ("cannot" in extracted)
      return finish({
        mode: "bedrock",
        sql,
        columns: [],
        rows: [],
        answer: `I can't answer that from the spend data${extracted.cannot ? `: ${extracted.cannot}` : "."}`,
        answered: false,
        notice: undefined,
        truncated: false,
      });
    sql = extracted.sql;
    run = await checkAndRun(deps, images, request.tenant, sql);
    if (run.ok) break;
    messages.push(
      { role: "assistant", content: [{ text: reply.length > 0 ? reply : "(empty)" }] },
      {
        role: "user",
        content: [
          {
            text: `That query was not run (${run.reason}). Reply with one corrected query, or ${"CANNOT_ANSWER"}.`,
          },
        ],
      },
    );
  }
  if (!run?.ok)
    return finish({
      mode: "bedrock",
      sql,
      columns: [],
      rows: [],
      answer: `I can't answer that safely: the query was ${run?.reason ?? "not written"}.`,
      answered: false,
      notice: undefined,
      truncated: false,
    });
  const { table, truncated } = run;
  const sentence = (
    await converse(deps, bedrock, request, meter, ANSWER_SYSTEM_PROMPT, [
      { role: "user", content: [{ text: answerUserMessage(question, sql ?? "", table, truncated) }] },
    ])
  ).trim();
  const unbacked = sentence.length === 0 ? ["(empty answer)"] : unbackedFigures(sentence, table, question);
  return finish({
    mode: "bedrock",
    sql,
    columns: table.columns,
    rows: table.rows,
    answer: unbacked.length === 0 ? sentence : templateAnswer(table, truncated),
    answered: true,
    notice:
      unbacked.length === 0
        ? undefined
        : `The model's sentence had figures not in the rows (${unbacked.slice(0, 5).join(", ")}); the answer was written from the rows instead.`,
    truncated,
  });
}

async function askFallback(
  deps: AskDeps,
  images: SemanticImageCache,
  request: AskRequest,
  question: string,
  now: Date,
  notice: string,
  finish: Finish,
): Promise<AskOutcome> {
  const match = matchTemplate(question, now);
  if (!match)
    return finish({
      mode: "fallback",
      sql: null,
      columns: [],
      rows: [],
      answer: `${notice} Without Bedrock I answer cost by a dimension over a period, the top N, and the month-over-month change, e.g. "top 5 tenants by cost last month".`,
      answered: false,
      notice,
      truncated: false,
    });
  const run = await checkAndRun(deps, images, request.tenant, match.sql);
  if (!run.ok) throw new Error(`a template query failed (${run.reason}): ${match.sql}`);
  return finish({
    mode: "fallback",
    sql: match.sql,
    columns: run.table.columns,
    rows: run.table.rows,
    answer: `${notice} ${capitalize(match.description)}: ${templateAnswer(run.table, run.truncated)}`,
    answered: true,
    notice,
    truncated: run.truncated,
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The JSON shape of `chargeback ask --format json`: exactly these keys. */
export function toAskJson(outcome: AskOutcome): AskAnswer {
  return {
    question: outcome.question,
    mode: outcome.mode,
    sql: outcome.sql,
    columns: outcome.columns,
    rows: outcome.rows,
    answer: outcome.answer,
    cost_usd: outcome.cost_usd,
  };
}
