/**
 * `chargeback backup` / `restore` (issue #18): a backup to the loopback S3 taken while a real
 * `chargeback ingest` process is in the middle of its run (stopped with SIGSTOP between our
 * reads, its batch transaction open) holds exactly the committed state at that moment; restored,
 * its report equals the source's report at that moment, and a re-ingest on it reaches the ground
 * truth with nothing counted twice. Exit codes: 0 ok, 1 refused backup, 2 bad arguments.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseGroundTruth, simulate, totalTruth } from "@bedrock-chargeback/collector";
import { putObjects, type S3Stand, startS3rver, tempDir } from "@bedrock-chargeback/collector/testing";
import { codeMigrationLevel, createDb, PriceBook, queryUsage, totalOf } from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCaptured, spawnCli } from "../testing";

let corpus: string;
let truth: ReturnType<typeof totalTruth>;
let s3: S3Stand;

beforeAll(async () => {
  corpus = tempDir("backup-cli-");
  await simulate({
    out: corpus,
    from: "2026-10-01",
    to: "2026-10-04",
    records: 4000,
    seed: 11,
    bodies: false,
    writeTruth: true,
  });
  truth = totalTruth(
    parseGroundTruth(JSON.parse(readFileSync(join(corpus, "ground-truth.json"), "utf8"))).rows,
  );
  s3 = await startS3rver(["ops"]);
  vi.stubEnv("AWS_ACCESS_KEY_ID", "S3RVER");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "S3RVER");
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
});

/** The store as a reader sees it (committed state only): report rows by tenant × model, totals, ledger. */
function stateOf(path: string) {
  const db = createDb(path, { readonly: true });
  try {
    const rows = queryUsage(db, PriceBook.load(db), {
      from: "2026-09-01",
      to: "2026-11-01",
      by: ["tenant", "model"],
    });
    const t = totalOf(rows);
    const count = (table: string) =>
      Number(db.$client.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get());
    return {
      rows: JSON.stringify(rows, (_k, v) => (typeof v === "bigint" ? v.toString() : v)),
      totals: {
        requests: t.requests,
        errors: t.errors,
        input_tokens: t.inputTokens,
        output_tokens: t.outputTokens,
        cache_read_input_tokens: t.cacheReadTokens,
        cache_write_input_tokens: t.cacheWriteTokens,
      },
      objects: count("ingested_objects"),
      seen: count("seen_requests"),
    };
  } finally {
    db.$client.close();
  }
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

const S3 = ["--region", "us-east-1"];

describe("chargeback backup / restore", () => {
  it("backs up to S3 in the middle of a running ingest; the restore holds that moment and re-ingests to the truth", async () => {
    const dir = tempDir("backup-cli-run-");
    const source = join(dir, "source.db");
    const endpoint = ["--endpoint", s3.endpoint];
    const child = spawnCli(
      ["ingest", "--source", "dir", "--path", corpus, "--db", source, "--batch-records", "100", "--progress"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const exited = exitOf(child);
    // Stop it once 5 batches are in: it is then between reads, with the next batch's transaction open.
    await new Promise<void>((resolve) => {
      let seen = 0;
      let stopped = false;
      child.stderr?.on("data", (chunk: Buffer) => {
        seen += (chunk.toString().match(/batches committed/g) ?? []).length;
        if (!stopped && seen >= 5) {
          stopped = child.kill("SIGSTOP");
          resolve();
        }
      });
    });
    const atBackup = stateOf(source);
    const backup = await runCaptured([
      "backup",
      "--db",
      source,
      "--to",
      "s3://ops/runs/mid.db",
      ...S3,
      ...endpoint,
      "--format",
      "json",
    ]);
    child.kill("SIGCONT");
    expect(backup.code, backup.stderr).toBe(0);
    const { location, manifest } = JSON.parse(backup.stdout);
    expect(location).toBe("s3://ops/runs/mid.db");
    expect(manifest.tables.ingested_objects).toBe(atBackup.objects);
    expect(manifest.tables.seen_requests).toBe(atBackup.seen);
    expect(await exited).toBe(0);

    const finished = stateOf(source);
    expect(finished.totals).toEqual(truth);
    // Mid-way: some of the corpus, not all of it.
    expect(atBackup.totals.requests).toBeGreaterThan(400);
    expect(atBackup.totals.requests).toBeLessThan(truth.requests);

    const restored = join(dir, "restored.db");
    const restore = await runCaptured([
      "restore",
      "--from",
      "s3://ops/runs/mid.db",
      "--db",
      restored,
      ...S3,
      ...endpoint,
    ]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(
      /^restored s3:\/\/ops\/runs\/mid\.db \(taken .* from .*source\.db\) to .*restored\.db: \d+ bytes, sha256 and integrity ok\n$/,
    );
    const back = stateOf(restored);
    expect(back.rows).toBe(atBackup.rows);
    expect(back.totals).toEqual(atBackup.totals);
    expect(back.objects).toBe(atBackup.objects);
    // Rollup and dedupe state come from the same commits: every counted requestId, no more.
    expect(back.seen).toBe(back.totals.requests + back.totals.errors);

    const rerun = await runCaptured([
      "ingest",
      "--source",
      "dir",
      "--path",
      corpus,
      "--db",
      restored,
      "--format",
      "json",
    ]);
    expect(rerun.code, rerun.stderr).toBe(0);
    const summary = JSON.parse(rerun.stdout);
    expect(summary.objectsSkipped).toBe(atBackup.objects);
    expect(summary.records).toBe(
      truth.requests + truth.errors - (atBackup.totals.requests + atBackup.totals.errors),
    );
    const done = stateOf(restored);
    expect(done.totals).toEqual(truth);
    expect(done.rows).toBe(finished.rows);

    // The restored store exists now: no --force, exit 2; the store is as it was.
    const again = await runCaptured([
      "restore",
      "--from",
      "s3://ops/runs/mid.db",
      "--db",
      restored,
      ...S3,
      ...endpoint,
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/restored\.db exists; pass --force to replace it/);
    expect(stateOf(restored).totals).toEqual(truth);
  }, 120_000);

  it("refuses a damaged backup with exit 1 naming what is wrong, and takes bad arguments with exit 2", async () => {
    const dir = tempDir("backup-cli-bad-");
    const store = join(dir, "store.db");
    expect((await runCaptured(["ingest", "--source", "dir", "--path", corpus, "--db", store])).code).toBe(0);
    const file = join(dir, "store.backup");
    const made = await runCaptured(["backup", "--db", store, "--to", file]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(
      new RegExp(
        `^backup ${file}: \\d+ bytes, sha256 [0-9a-f]{64}, ${codeMigrationLevel().count} migrations\\n  rows: usage_hourly \\d+`,
      ),
    );
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0x01;
    await putObjects(s3.endpoint, "ops", [
      { key: "bad/flipped.db", body: bytes },
      { key: "bad/flipped.db.json", body: readFileSync(`${file}.json`) },
    ]);
    const target = join(dir, "target.db");
    const refused = await runCaptured([
      "restore",
      "--from",
      "s3://ops/bad/flipped.db",
      "--db",
      target,
      ...S3,
      "--endpoint",
      s3.endpoint,
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^error: s3:\/\/ops\/bad\/flipped\.db: refused: sha256 mismatch: the file's is [0-9a-f]{64}, the manifest says [0-9a-f]{64}\n$/,
    );
    expect(() => readFileSync(target)).toThrow(/ENOENT/);

    writeFileSync(`${file}.json`, "{}");
    const noManifest = await runCaptured(["restore", "--from", file, "--db", target]);
    expect(noManifest.code).toBe(1);
    expect(noManifest.stderr).toMatch(/manifest .*store\.backup\.json: format: /);

    expect((await runCaptured(["restore", "--db", target])).code).toBe(2);
    expect(
      (await runCaptured(["backup", "--db", join(dir, "nothing.db"), "--to", join(dir, "x.db")])).stderr,
    ).toMatch(/nothing\.db: no such store/);
    const s3NoRegion = await runCaptured(["backup", "--db", store, "--to", "s3://ops/x.db"]);
    expect(s3NoRegion.code).toBe(2);
    expect(s3NoRegion.stderr).toMatch(/--region \(or AWS_REGION\) is required with --to s3:/);
    expect((await runCaptured(["backup", "--db", store, "--to", "s3://ops/"])).code).toBe(2);
  }, 60_000);
  it("serve --backup-to takes a backup at start (then every --backup-every) and prunes to --backup-keep; bad periodic flags exit 2", async () => {
    const dir = tempDir("backup-cli-serve-");
    const store = join(dir, "store.db");
    expect((await runCaptured(["ingest", "--source", "dir", "--path", corpus, "--db", store])).code).toBe(0);
    const backups = join(dir, "backups");
    mkdirSync(backups);
    for (const old of ["chargeback-20250101T000000Z.db", "chargeback-20250102T000000Z.db"]) {
      expect((await runCaptured(["backup", "--db", store, "--to", join(backups, old)])).code).toBe(0);
    }
    writeFileSync(join(backups, "README.txt"), "not a backup");
    const child = spawnCli(
      [
        "serve",
        "--db",
        store,
        "--port",
        "0",
        "--backup-to",
        backups,
        "--backup-every",
        "1h",
        "--backup-keep",
        "2",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = exitOf(child);
    const line = await new Promise<string>((resolve) => {
      let err = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        err += chunk.toString();
        const m = /backup: .*\n/.exec(err);
        if (m) resolve(m[0]);
      });
    });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(line).toMatch(/^backup: .*backups\/chargeback-\d{8}T\d{6}Z\.db \(\d+ bytes\); removed 1 older\n$/);
    const left = readdirSync(backups).sort();
    expect(left).toHaveLength(5);
    expect(left.slice(0, 3)).toEqual([
      "README.txt",
      "chargeback-20250102T000000Z.db",
      "chargeback-20250102T000000Z.db.json",
    ]);
    const fresh = left[3] ?? "";
    expect(left[4]).toBe(`${fresh}.json`);
    const restored = join(dir, "restored.db");
    expect((await runCaptured(["restore", "--from", join(backups, fresh), "--db", restored])).code).toBe(0);
    expect(stateOf(restored).totals).toEqual(truth);

    const noEvery = await runCaptured(["serve", "--db", store, "--backup-to", backups]);
    expect([noEvery.code, noEvery.stderr]).toEqual([
      2,
      expect.stringMatching(/--backup-every: required with --backup-to/),
    ]);
    const badEvery = await runCaptured([
      "serve",
      "--db",
      store,
      "--backup-to",
      backups,
      "--backup-every",
      "6 hours",
    ]);
    expect([badEvery.code, badEvery.stderr]).toEqual([
      2,
      expect.stringMatching(/--backup-every: "6 hours": expected a duration/),
    ]);
    const noWatch = await runCaptured([
      "collect",
      "--source",
      "athena",
      "--backup-to",
      backups,
      "--backup-every",
      "6h",
    ]);
    expect([noWatch.code, noWatch.stderr]).toEqual([
      2,
      expect.stringMatching(/--backup-to: periodic backups need --watch/),
    ]);
  }, 60_000);
});
