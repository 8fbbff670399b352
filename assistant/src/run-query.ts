/**
 * Runs one checked query on a semantic image in a worker thread, with a time and a row limit.
 * better-sqlite3 cannot interrupt a query from JavaScript; terminating the thread stops it
 * (measured: a runaway recursive query ends within ~30 ms of `terminate()`).
 */
import { Worker } from "node:worker_threads";

export type QueryLimits = { timeoutMs: number; maxRows: number };

export type QueryResult =
  | { ok: true; columns: string[]; rows: unknown[][]; truncated: boolean }
  /** `refused`: a safety check said no; `failed`: SQLite raised an error; `timeout`: over the limit. */
  | { ok: false; kind: "refused" | "failed" | "timeout"; reason: string };

const WORKER_URL = new URL("./query-worker.mjs", import.meta.url);

type WorkerAnswer =
  | { ok: true; columns: string[]; rows: unknown[][]; truncated: boolean }
  | { ok: false; reason: string; failed?: boolean };

/**
 * One worker is started ahead of need, so a question does not wait for a thread to start and load
 * SQLite; each worker runs one query and is ended, so nothing of one query reaches the next.
 */
let spare: Worker | undefined;

function startWorker(): Worker {
  const worker = new Worker(WORKER_URL);
  worker.unref();
  worker.once("exit", () => {
    if (spare === worker) spare = undefined;
  });
  worker.on("error", () => undefined);
  return worker;
}

function takeWorker(): Worker {
  const worker = spare ?? startWorker();
  spare = startWorker();
  worker.ref();
  return worker;
}

/**
 * @example await runQuery(image, "SELECT month, SUM(cost_pico) AS cost_pico FROM usage_by_month GROUP BY month", { timeoutMs: 5000, maxRows: 500 })
 */
export function runQuery(image: Buffer, sql: string, limits: QueryLimits): Promise<QueryResult> {
  return new Promise((resolve) => {
    const worker = takeWorker();
    let settled = false;
    const finish = (result: QueryResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          kind: "timeout",
          reason: `the query ran longer than ${limits.timeoutMs} ms and was stopped`,
        }),
      limits.timeoutMs,
    );
    worker.once("message", (answer: WorkerAnswer) => {
      if (answer.ok) finish(answer);
      else finish({ ok: false, kind: answer.failed ? "failed" : "refused", reason: answer.reason });
    });
    worker.once("error", (error) => finish({ ok: false, kind: "failed", reason: error.message }));
    worker.once("exit", (code) =>
      finish({ ok: false, kind: "failed", reason: `the query worker stopped (${code})` }),
    );
    worker.postMessage({ image, sql, maxRows: limits.maxRows });
  });
}
