/**
 * The second safety layer (docs/adr/0009-ask-safety.md), in its own thread so that a slow query
 * can be stopped (run-query.ts terminates the thread on its time limit). It opens only the
 * semantic image — never the store — read-only, and on its own, without the SQL parser, refuses a
 * statement that writes, returns no rows, or opens a cursor anywhere but the image's main schema.
 * Plain JavaScript: a worker thread loads it without a TypeScript loader, on Node 20 too.
 */
import { parentPort } from "node:worker_threads";
import Database from "better-sqlite3";

/** Opcodes a read of the image never needs. */
const FORBIDDEN_OPCODES = new Set([
  "OpenWrite",
  "VCreate",
  "VDestroy",
  "VUpdate",
  "ParseSchema",
  "Destroy",
  "Clear",
]);
const CURSOR_OPCODES = new Set(["OpenRead", "ReopenIdx"]);

function run({ image, sql, maxRows }) {
  const db = new Database(Buffer.from(image), { readonly: true });
  db.pragma("query_only = ON");
  const statement = db.prepare(sql);
  if (!statement.reader || !statement.readonly)
    return { ok: false, reason: "the statement does not only read" };
  for (const step of db.prepare(`EXPLAIN ${sql}`).all()) {
    if (FORBIDDEN_OPCODES.has(step.opcode))
      return { ok: false, reason: `the statement's plan writes (${step.opcode})` };
    if (CURSOR_OPCODES.has(step.opcode) && step.p3 !== 0)
      return { ok: false, reason: "the statement reads outside the allowed views" };
    if (
      (step.opcode === "Function" || step.opcode === "PureFunc") &&
      /sqlite_(attach|detach)/.test(String(step.p4))
    )
      return { ok: false, reason: "the statement attaches a database" };
  }
  statement.raw(true).safeIntegers(true);
  const columns = statement.columns().map((c) => c.name);
  const rows = [];
  let truncated = false;
  for (const row of statement.iterate()) {
    if (rows.length === maxRows) {
      truncated = true;
      break;
    }
    rows.push(row);
  }
  return { ok: true, columns, rows, truncated };
}

// Started ahead of need (run-query.ts keeps one spare): it waits for its one query, answers, and ends.
parentPort.once("message", (job) => {
  try {
    parentPort.postMessage(run(job));
  } catch (error) {
    parentPort.postMessage({
      ok: false,
      reason: error instanceof Error ? error.message : String(error),
      failed: true,
    });
  }
});
