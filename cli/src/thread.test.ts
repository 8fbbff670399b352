/**
 * thread.ts: a command line run on a worker thread with a capped heap, as the real CLI runs
 * `ingest`. Its exit code comes back; a heap too small for it is an error naming the cap. (A
 * thread that dies mid-run is a crash: crash.test.ts covers what the next run does then.)
 */
import { join } from "node:path";
import { simulate } from "@bedrock-chargeback/collector";
import { childProcessEnv, tempDir } from "@bedrock-chargeback/collector/testing";
import { createDb } from "@bedrock-chargeback/ledger";
import { beforeAll, describe, expect, it } from "vitest";
import { runOnThread } from "./thread";

let corpus: string;
let records: number;

beforeAll(async () => {
  corpus = tempDir("thread-");
  const summary = await simulate({
    out: corpus,
    from: "2026-10-01",
    to: "2026-10-02",
    records: 400,
    seed: 5,
    bodies: false,
    writeTruth: false,
  });
  records = summary.records;
}, 60_000);

function storeTotals(path: string): { records: number; runs: string[] } {
  const db = createDb(path);
  try {
    const c = db.$client;
    const runs = (c.prepare("SELECT status FROM ingest_runs ORDER BY id").pluck().all() as string[]) ?? [];
    const sum = c.prepare("SELECT SUM(requests + errors) FROM usage_hourly").pluck().get() as number | null;
    return { records: sum ?? 0, runs };
  } finally {
    db.$client.close();
  }
}

describe("runOnThread", () => {
  it("runs the command on the thread and returns its exit code", async () => {
    const db = join(tempDir("thread-db-"), "store.db");
    const args = ["ingest", "--source", "dir", "--path", corpus, "--db", db, "--threads", "1"];
    expect(await runOnThread(args, childProcessEnv(), 96, false)).toBe(0);
    expect(storeTotals(db)).toEqual({ records, runs: ["ok"] });
    // A usage error on the thread is the command's exit 2, as on the main thread.
    expect(await runOnThread(["ingest", "--source", "dir"], childProcessEnv(), 96, false)).toBe(2);
  }, 120_000);

  it("names the cap when the heap is too small, and leaves the store to the next run", async () => {
    const db = join(tempDir("thread-db-"), "store.db");
    const args = ["ingest", "--source", "dir", "--path", corpus, "--db", db, "--threads", "1"];
    await expect(runOnThread(args, childProcessEnv(), 12, false)).rejects.toThrow(
      "ingest ran out of its 12 MB heap",
    );
    expect(await runOnThread(args, childProcessEnv(), 96, false)).toBe(0);
    expect(storeTotals(db).records).toBe(records);
  }, 120_000);
});
