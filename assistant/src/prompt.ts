/**
 * What the model is told: the semantic layer, worked examples and today's date for the SQL call;
 * the rows for the answer call. The SQL the model writes is never trusted (sql-guard.ts,
 * query-worker.mjs); these prompts only make a good query likely.
 */

import type { Table } from "./present";
import { describeSemanticLayer } from "./semantic-layer";

/** What the model answers when a question cannot be answered from the views. */
export const CANNOT_ANSWER = "CANNOT_ANSWER";

export const WORKED_EXAMPLES: readonly { question: string; sql: string }[] = [
  {
    question: "What did each tenant cost in October 2026?",
    sql: "SELECT tenant, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10' GROUP BY tenant ORDER BY cost_pico DESC",
  },
  {
    question: "Top 3 applications by cost last month",
    sql: "SELECT application, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '<last month>' GROUP BY application ORDER BY cost_pico DESC LIMIT 3",
  },
  {
    question: "Which tenant's cost grew most from September to October 2026?",
    sql: "SELECT tenant, SUM(CASE WHEN month = '2026-09' THEN cost_pico ELSE 0 END) AS september_pico, SUM(CASE WHEN month = '2026-10' THEN cost_pico ELSE 0 END) AS october_pico, SUM(CASE WHEN month = '2026-10' THEN cost_pico ELSE -cost_pico END) AS change_pico FROM usage_by_month WHERE month IN ('2026-09', '2026-10') GROUP BY tenant ORDER BY change_pico DESC LIMIT 1",
  },
  {
    question: "What did the sales assistant spend on Claude on weekends in October 2026?",
    sql: "SELECT SUM(cost_pico) AS cost_pico FROM usage_by_day WHERE application = 'sales-assistant' AND model LIKE 'anthropic.claude%' AND strftime('%w', day) IN ('0', '6') AND day >= '2026-10-01' AND day < '2026-11-01'",
  },
  {
    question: "How much would October 2026 have cost on Haiku 4.5 instead of Sonnet 4.5?",
    sql: "SELECT SUM(u.input_tokens * p.input_pico_per_token + u.output_tokens * p.output_pico_per_token + u.cache_read_tokens * p.cache_read_pico_per_token + u.cache_write_tokens * p.cache_write_pico_per_token) AS haiku_cost_pico, SUM(u.cost_pico) AS actual_cost_pico FROM usage_by_month u JOIN prices p ON p.model = 'anthropic.claude-haiku-4-5-20251001-v1:0' AND p.scope = u.scope AND p.region = '*' WHERE u.month = '2026-10' AND u.model = 'anthropic.claude-sonnet-4-5-20250929-v1:0'",
  },
];

/**
 * The system prompt of the SQL call.
 * @example sqlSystemPrompt("2026-11-29", "acme")
 */
export function sqlSystemPrompt(today: string, tenant: string | undefined): string {
  return [
    "You translate questions about Amazon Bedrock spend into one SQLite SELECT statement.",
    `Today is ${today} (UTC). "This month" is ${today.slice(0, 7)}.`,
    tenant === undefined
      ? "The asker may see every tenant."
      : `The asker sees only tenant ${JSON.stringify(tenant)}: the views hold only that tenant's rows.`,
    "",
    "Tables (read-only views; nothing else exists):",
    describeSemanticLayer(),
    "",
    "Rules:",
    "- Reply with the SQL only, in one ```sql block. One SELECT (WITH … SELECT is fine, not recursive).",
    "- Money: SUM(cost_pico) and name every money column with the suffix _pico (e.g. AS cost_pico, change_pico); never divide it. Amounts ending in _micros keep that suffix.",
    "- Usage tables hold several rows per period: always aggregate with SUM and GROUP BY.",
    "- Prefer usage_by_month for whole months, usage_by_day for day ranges and weekdays, usage_by_hour only for hours of the day.",
    "- Functions allowed: SUM TOTAL COUNT AVG MIN MAX GROUP_CONCAT strftime date datetime julianday substr upper lower length coalesce ifnull nullif iif round abs replace trim instr, CASE, CAST.",
    `- If the question cannot be answered from these tables, or asks to change data, reply ${CANNOT_ANSWER}: <reason>.`,
    "",
    "Examples:",
    ...WORKED_EXAMPLES.map((e) => `Q: ${e.question}\n\`\`\`sql\n${e.sql}\n\`\`\``),
  ].join("\n");
}

/** The system prompt of the answer call. */
export const ANSWER_SYSTEM_PROMPT = [
  "You write the answer to a question about Amazon Bedrock spend from the rows a query returned.",
  "Write one to three plain sentences. Use only figures that appear in the rows; never compute new ones",
  "(no sums, differences or percentages of your own). Write USD amounts as $ with two decimals.",
  "If the rows are empty, say that no usage matches.",
].join("\n");

const ROWS_IN_ANSWER_PROMPT = 50;

/** The user message of the answer call: the question, the SQL and the rows (at most 50). */
export function answerUserMessage(question: string, sql: string, table: Table, truncated: boolean): string {
  const rows = table.rows.slice(0, ROWS_IN_ANSWER_PROMPT);
  return [
    `Question: ${question}`,
    `SQL: ${sql}`,
    `Columns: ${JSON.stringify(table.columns)}`,
    `Rows (${table.rows.length}${truncated ? ", cut at the row limit" : ""}${rows.length < table.rows.length ? `, first ${rows.length} shown` : ""}): ${JSON.stringify(rows)}`,
  ].join("\n");
}

/**
 * The SQL in a model reply: the first ```sql block, else the whole reply; one trailing `;` dropped.
 * `undefined` when the model said it cannot answer.
 * @example extractSql("```sql\nSELECT 1;\n```") // "SELECT 1"
 */
export function extractSql(reply: string): { sql: string } | { cannot: string } {
  const text = reply.trim();
  if (text.startsWith(CANNOT_ANSWER))
    return { cannot: text.slice(CANNOT_ANSWER.length).replace(/^[:\s]+/, "") };
  const block = /```(?:sql|sqlite)?\s*\n?([\s\S]*?)```/i.exec(text);
  const sql = (block?.[1] ?? text).trim().replace(/;\s*$/, "").trim();
  return { sql };
}
