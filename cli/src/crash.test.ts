/**
 * Exactly once under crashes: SIGKILL the real `chargeback ingest` process at several points,
 * run it again, and compare with an uninterrupted run. The killed runs parse on a parse thread
 * (`--threads 2`: objects are in flight on it when the process dies); the reference run parses on
 * the writer's thread (`--threads 1`), so the two ways must also agree. Also: a second run is a no-op.
 */
import { join } from "node:path";
import { simulate } from "@bedrock-chargeback/collector";
import { tempDir } from "@bedrock-chargeback/collector/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runCaptured, spawnCli } from "./testing";

const BY = "account,region,tenant,application,cost_center,environment,team,model";
let corpus: string;

beforeAll(async () => {
  corpus = tempDir("crash-");
  await simulate({
    out: corpus,
    from: "2026-10-01",
    to: "2026-10-04",
    records: 4000,
    seed: 5,
    bodies: false,
    writeTruth: false,
  });
}, 120_000);

async function snapshot(db: string) {
  const out = await Promise.all(
    [BY, "user", "identity"].map((by) =>
      runCaptured([
        "report",
        "--db",
        db,
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-01",
        "--by",
        by,
        "--format",
        "json",
      ]),
    ),
  );
  return out.map((o) => JSON.parse(o.stdout));
}

/** Starts ingest, kills it with SIGKILL after `afterBatches` committed batches (0 = at first output). */
function ingestAndKill(db: string, afterBatches: number): Promise<{ killed: boolean; batchesSeen: number }> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(
      [
        "ingest",
        "--source",
        "dir",
        "--path",
        corpus,
        "--db",
        db,
        "--batch-records",
        "150",
        "--threads",
        "2",
        "--progress",
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let seen = 0;
    let killed = false;
    child.stderr?.on("data", (chunk: Buffer) => {
      seen += (chunk.toString().match(/batches committed/g) ?? []).length;
      if (!killed && seen >= afterBatches) {
        killed = child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ killed: signal === "SIGKILL", batchesSeen: seen }));
  });
}

describe("ingest survives SIGKILL at any point", () => {
  it("gives exactly the uninterrupted totals after kills at several points and a re-run", async () => {
    const reference = join(tempDir(), "reference.db");
    const single = ["ingest", "--source", "dir", "--path", corpus, "--db", reference, "--threads", "1"];
    expect((await runCaptured(single)).code).toBe(0);
    const expected = await snapshot(reference);

    for (const afterBatches of [1, 4, 9]) {
      const db = join(tempDir(), `killed-${afterBatches}.db`);
      const first = await ingestAndKill(db, afterBatches);
      expect(first.killed, `killed after ${afterBatches} batches`).toBe(true);
      // The kill landed mid-run: some batches are in, not all.
      const partial = await runCaptured([
        "report",
        "--db",
        db,
        "--from",
        "2026-09-01",
        "--to",
        "2026-11-01",
        "--format",
        "json",
      ]);
      const [partialTotal] = JSON.parse(partial.stdout);
      // (A committed batch of 150 lines may hold a few duplicate deliveries, hence "about".)
      expect(partialTotal.requests + partialTotal.errors).toBeGreaterThan(afterBatches * 140);
      expect(partialTotal.requests + partialTotal.errors).toBeLessThan(4000);
      // Kill again, later in the second run, before letting a third run finish.
      await ingestAndKill(db, afterBatches + 3);
      const rerun = await runCaptured([
        "ingest",
        "--source",
        "dir",
        "--path",
        corpus,
        "--db",
        db,
        "--batch-records",
        "150",
      ]);
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(await snapshot(db)).toEqual(expected);
    }
  });

  it("is a no-op when run again: nothing read, nothing changed", async () => {
    const db = join(tempDir(), "twice.db");
    await runCaptured(["ingest", "--source", "dir", "--path", corpus, "--db", db]);
    const before = await snapshot(db);
    const again = await runCaptured([
      "ingest",
      "--source",
      "dir",
      "--path",
      corpus,
      "--db",
      db,
      "--format",
      "json",
    ]);
    const summary = JSON.parse(again.stdout);
    expect(summary).toMatchObject({ objectsIngested: 0, records: 0, duplicates: 0, bytesRead: 0 });
    expect(summary.objectsSkipped).toBe(summary.objectsListed);
    expect(await snapshot(db)).toEqual(before);
  });
});
