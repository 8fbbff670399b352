import { AskResponse } from "@bedrock-chargeback/api/schemas";
import { useState } from "react";
import type { ApiError } from "../api/client";
import { asApiError, useSession } from "../api/use-api";
import { ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";

const EXAMPLES = [
  "Top 5 tenants by cost last month",
  "Cost by application this month",
  "Which tenant's cost grew most from last month to this month?",
];

/** Columns whose empty value means the metadata was missing (docs/rules.md rule 9). */
const DIMENSIONS = new Set(["tenant", "application", "cost_center", "environment", "team", "user"]);

function cellText(column: string, cell: string | number | null): string {
  if (cell === null) return DIMENSIONS.has(column) ? "(unattributed)" : "—";
  return String(cell);
}

/** Ask: a question in plain language, answered with the SQL and the rows it came from (POST /v1/ask). */
export function AskPage() {
  const { client, me } = useSession();
  const [question, setQuestion] = useState("");
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<AskResponse | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const ask = async (e: React.FormEvent) => {
    e.preventDefault();
    if (question.trim() === "") return;
    setBusy(true);
    setError(null);
    try {
      setAnswer(await client.send("POST", "/v1/ask", { question: question.trim() }, AskResponse));
    } catch (err) {
      setAnswer(null);
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <section className="card" aria-labelledby="ask-h" style={{ marginBottom: 12 }}>
        <header>
          <h1 id="ask-h">Ask</h1>
          <p>
            Ask about spend in plain language. The answer comes from a read-only query over the ledger
            {me.role === "tenant" ? ` (only ${me.tenant ?? "your tenant"}'s rows)` : ""}; the query and its
            rows are shown below it.
          </p>
        </header>
        <form onSubmit={ask} className="form-row" aria-label="Ask a question">
          <label style={{ flex: "1 1 28rem" }}>
            Question
            <input
              value={question}
              onChange={(e) => setQuestion(e.target.value)}
              maxLength={1000}
              placeholder={EXAMPLES[0]}
              data-testid="ask-input"
            />
          </label>
          <button type="submit" className="primary" disabled={busy || question.trim() === ""}>
            Ask
          </button>
        </form>
        <p className="muted">
          For example:{" "}
          {EXAMPLES.map((q, i) => (
            <span key={q}>
              {i > 0 ? " · " : ""}
              <button type="button" className="link" onClick={() => setQuestion(q)}>
                {q}
              </button>
            </span>
          ))}
        </p>
      </section>
      {busy ? <Loading label="Answering…" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {answer && !busy ? <AskAnswer answer={answer} /> : null}
    </>
  );
}

function AskAnswer({ answer }: { answer: AskResponse }) {
  return (
    <section className="card" aria-labelledby="answer-h" data-testid="ask-answer" data-mode={answer.mode}>
      <header>
        <h2 id="answer-h">Answer</h2>
        <p className="muted">
          {answer.mode === "bedrock"
            ? "Written by Bedrock from the rows"
            : "Template answer (without Bedrock)"}{" "}
          · cost of this question ${answer.cost_usd.toFixed(6)} ({answer.tokens.input} input /{" "}
          {answer.tokens.output} output tokens) · {answer.questions_left_today} questions left today
        </p>
      </header>
      <p data-testid="ask-sentence" role={answer.answered ? undefined : "alert"}>
        {answer.answer}
      </p>
      {answer.sql ? (
        <>
          <h3>SQL</h3>
          <pre data-testid="ask-sql" style={{ whiteSpace: "pre-wrap" }}>
            <code>{answer.sql}</code>
          </pre>
        </>
      ) : null}
      {answer.columns.length > 0 ? (
        <>
          <h3>
            Rows ({answer.rows.length}
            {answer.truncated ? ", cut at the row limit" : ""})
          </h3>
          <TableScroll label="Rows of the answer">
            <table aria-label="Rows of the answer" data-testid="ask-rows">
              <thead>
                <tr>
                  {answer.columns.map((c) => (
                    <th key={c}>{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {answer.rows.map((row, r) => (
                  // Rows have no identity of their own: their position in the query's order is their key.
                  <tr key={r}>
                    {row.map((cell, i) => (
                      <td
                        key={answer.columns[i] ?? i}
                        className={typeof cell === "number" ? "num" : undefined}
                      >
                        {cellText(answer.columns[i] ?? "", cell)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      ) : null}
    </section>
  );
}
