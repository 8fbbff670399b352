import { AskInputError, createAssistant, nullLabel, toAskJson } from "@bedrock-chargeback/assistant";
import { z } from "zod";
import { parseCommandArgs } from "../args";
import { type Command, UsageError } from "../io";
import { openExistingStore } from "../store";

const argsSchema = z.object({
  db: z.string().min(1).optional(),
  tenant: z.string().min(1).max(256).optional(),
  user: z.string().min(1).max(256).default("cli"),
  format: z.enum(["text", "json"]).default("text"),
});

function table(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = [
    columns.map(String),
    ...rows.map((r) => r.map((c, i) => (c === null ? nullLabel(columns[i] ?? "") : String(c)))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const askCommand: Command = {
  name: "ask",
  summary: "ask a question about spend in plain language (Bedrock Text2SQL, or templates without it)",
  usage:
    'chargeback ask "<question>" [--db <file>] [--tenant <id>] [--user <name>] [--format text|json]\n' +
    "       --tenant: answer from that tenant's rows only; exit 1 when the question is refused or no template fits.\n" +
    "       Bedrock model, region and limits: CHARGEBACK_ASK_* (assistant/README.md)",
  async run(argv, io) {
    const [question, ...flags] = argv;
    if (question === undefined || question.startsWith("--"))
      throw new UsageError('the question comes first: chargeback ask "<question>" [--db <file>] …');
    const args = parseCommandArgs(
      flags,
      {
        db: { type: "string" },
        tenant: { type: "string" },
        user: { type: "string" },
        format: { type: "string" },
      },
      argsSchema,
    );
    const db = openExistingStore(args.db ?? io.config.dbPath);
    try {
      const assistant = createAssistant({ db, config: io.config.ask, now: io.now });
      let outcome: Awaited<ReturnType<typeof assistant.ask>>;
      try {
        outcome = await assistant.ask({ question, tenant: args.tenant, user: args.user });
      } catch (error) {
        if (error instanceof AskInputError) throw new UsageError(error.message);
        throw error;
      }
      if (args.format === "json") io.stdout(`${JSON.stringify(toAskJson(outcome), null, 2)}\n`);
      else {
        const lines = [outcome.answer, ""];
        if (outcome.sql) lines.push(`SQL: ${outcome.sql}`, "");
        if (outcome.columns.length > 0) lines.push(table(outcome.columns, outcome.rows), "");
        lines.push(
          `mode: ${outcome.mode} · cost of this question: $${outcome.cost_usd.toFixed(6)} (${outcome.tokens.calls} Bedrock calls, ${outcome.tokens.input} input / ${outcome.tokens.output} output tokens)`,
        );
        io.stdout(`${lines.join("\n")}\n`);
      }
      return outcome.answered ? 0 : 1;
    } finally {
      db.$client.close();
    }
  },
};
