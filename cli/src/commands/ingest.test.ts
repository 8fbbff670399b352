/**
 * `chargeback ingest` and reading commands under real faults: file permissions (when the tests
 * run as root, which ignores them, the CLI runs without the capabilities that override file modes:
 * `obeyFileModes` in ../testing.ts), a read-only store, and
 * an S3 fault that outlasts the retries (a loopback proxy in front of s3rver). Exit codes: 0 ok,
 * 1 failed or incomplete, 3 quarantined (README).
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseGroundTruth, simulate } from "@bedrock-chargeback/collector";
import {
  type FaultProxy,
  putObjects,
  type S3Stand,
  startFaultProxy,
  startS3rver,
  tempDir,
} from "@bedrock-chargeback/collector/testing";
import { createDb } from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type ProcessRun, runCaptured, runCliProcess, spawnCli } from "../testing";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));
/** Runs the real CLI in a child process that obeys file modes, also when we are root. */
const runObeyingModes = (args: string[]) => runCliProcess(args, { cwd: REPO, obeyFileModes: true });

let corpus: string;
let truthRequests: number;
let objectPaths: string[];

beforeAll(async () => {
  corpus = tempDir("ingest-cli-");
  const summary = await simulate({
    out: corpus,
    from: "2026-10-01",
    to: "2026-10-02",
    records: 300,
    seed: 21,
    bodies: false,
    writeTruth: true,
  });
  expect(summary.objects).toBeGreaterThan(10);
  const truth = parseGroundTruth(JSON.parse(readFileSync(join(corpus, "ground-truth.json"), "utf8")));
  truthRequests = truth.rows.reduce((a, r) => a + r.requests + r.errors, 0);
  const all = readdirSync(corpus, { recursive: true, encoding: "utf8" });
  objectPaths = all
    .filter((f) => f.endsWith(".json.gz"))
    .sort()
    .map((f) => join(corpus, f));
}, 120_000);

async function reportTotal(db: string): Promise<number> {
  const out = await runObeyingModes([
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
  expect(out.code, out.stderr).toBe(0);
  const rows: { requests: number; errors: number }[] = JSON.parse(out.stdout);
  return rows.reduce((a, r) => a + r.requests + r.errors, 0);
}

describe("ingest with real file permissions", () => {
  it("leaves an object it may not open for the next run (exit 1), then ingests it once readable", async () => {
    const db = join(tempDir("perm-store-"), "store.db");
    const denied = objectPaths[2] ?? "";
    chmodSync(denied, 0o000);
    let first: ProcessRun;
    try {
      first = await runObeyingModes(["ingest", "--path", corpus, "--db", db]);
    } finally {
      chmodSync(denied, 0o644);
    }
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain(`${objectPaths.length - 1} ingested`);
    expect(first.stdout).toContain("0 rejected (read, nothing usable), 1 left unread for the next run");
    expect(first.stdout).toMatch(new RegExp(`UNREAD: .*\\n    ${denied}: EACCES: permission denied`));
    expect(first.stdout).toContain("quarantined: 0");
    expect(first.stderr).toContain("error: ingest incomplete: 1 object(s) could not be read");

    const second = await runObeyingModes(["ingest", "--path", corpus, "--db", db]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(second.stdout).toContain(`1 ingested, ${objectPaths.length - 1} already ingested`);
    expect(await reportTotal(db)).toBe(truthRequests);
  });

  it("reports a folder it may not list, ingests the rest, and marks the run incomplete, not running", async () => {
    const db = join(tempDir("perm-store-"), "store.db");
    const folder = join(objectPaths[0] ?? "", "..");
    const inFolder = objectPaths.filter((p) => p.startsWith(`${folder}/`)).length;
    chmodSync(folder, 0o000);
    let first: ProcessRun;
    try {
      first = await runObeyingModes(["ingest", "--path", corpus, "--db", db]);
    } finally {
      chmodSync(folder, 0o755);
    }
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain(`${objectPaths.length - inFolder} ingested`);
    expect(first.stdout).toContain(
      `LISTING INCOMPLETE: 1 place(s) could not be listed; objects there were not seen:\n    ${folder}: cannot list folder: EACCES: permission denied, scandir '${folder}'`,
    );
    const store = createDb(db, { readonly: true });
    expect(store.$client.prepare("SELECT status FROM ingest_runs").pluck().all()).toEqual(["incomplete"]);
    store.$client.close();

    const second = await runObeyingModes(["ingest", "--path", corpus, "--db", db]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(await reportTotal(db)).toBe(truthRequests);
  });
});

describe("reading a read-only store", () => {
  it("reports from a store whose file is 0444 in a folder the user may not write", async () => {
    const dir = tempDir("ro-store-");
    const db = join(dir, "store.db");
    const ingest = await runCaptured(["ingest", "--path", corpus, "--db", db]);
    expect(ingest.code, ingest.stderr).toBe(0);
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    try {
      expect(await reportTotal(db)).toBe(truthRequests);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it("serves the API's reads from a store in a folder the user may not write", async () => {
    const dir = tempDir("ro-serve-");
    const db = join(dir, "store.db");
    expect((await runCaptured(["ingest", "--path", corpus, "--db", db])).code).toBe(0);
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    const child = spawnCli(["serve", "--db", db, "--port", "0"], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
      obeyFileModes: true,
    });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout?.on("data", (c: Buffer) => {
          const m = /listening on (http:\/\/\S+)/.exec(c.toString());
          if (m?.[1]) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", db: "ok" });
      expect(stderr).toContain(`note: the store ${db} is read-only here: the API serves reads`);
    } finally {
      child.kill("SIGTERM");
      chmodSync(dir, 0o755);
    }
  });

  it("says plainly that a read-only store needs a migration", async () => {
    const dir = tempDir("ro-old-");
    const db = join(dir, "store.db");
    const ingest = await runCaptured(["ingest", "--path", corpus, "--db", db]);
    expect(ingest.code, ingest.stderr).toBe(0);
    // As if written by the version before the last migration.
    const store = createDb(db);
    store.$client.exec(
      "DELETE FROM __drizzle_migrations WHERE created_at = (SELECT MAX(created_at) FROM __drizzle_migrations)",
    );
    store.$client.close();
    chmodSync(db, 0o444);
    chmodSync(dir, 0o555);
    try {
      const out = await runObeyingModes(["report", "--db", db, "--from", "2026-09-01", "--to", "2026-11-01"]);
      expect(out.code).toBe(1);
      expect(out.stderr).toBe(
        `error: the store ${db} needs 1 migration(s) before this version can read it, and it is read-only here; run a writing command (such as \`chargeback ingest\`) on it once with write access\n`,
      );
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});

describe("ingest from S3 when a fault outlasts the retries", () => {
  let s3: S3Stand;
  let proxy: FaultProxy;
  beforeAll(async () => {
    s3 = await startS3rver(["logs"]);
    proxy = await startFaultProxy(s3.endpoint);
    await putObjects(
      s3.endpoint,
      "logs",
      objectPaths.map((path) => ({ key: path.slice(corpus.length + 1), body: readFileSync(path) })),
    );
    vi.stubEnv("AWS_ACCESS_KEY_ID", "S3RVER");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "S3RVER");
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await proxy?.stop();
    await s3?.stop();
  });

  it("exits 1 naming the object left unread, and the next run ingests it", async () => {
    const dir = tempDir("s3-cli-");
    mkdirSync(dir, { recursive: true });
    const db = join(dir, "store.db");
    const stuck = (objectPaths[4] ?? "").slice(corpus.length + 1);
    proxy.setRules([
      { match: stuck, method: "GET", fault: "reset", times: 100 },
      { match: (objectPaths[7] ?? "").slice(corpus.length + 1), method: "GET", fault: "slow-down", times: 1 },
    ]);
    const args = ["ingest", "--source", "s3", "--bucket", "logs", "--region", "us-east-1"];
    const fast = ["--endpoint", proxy.endpoint, "--db", db, "--retry-delay-ms", "1"];
    const first = await runCaptured([...args, ...fast, "--metrics-dry-run"]);
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain(
      "ingest run 1: INCOMPLETE: some objects could not be read; run again to finish",
    );
    expect(first.stdout).toMatch(
      new RegExp(`UNREAD: .*\\n    s3://logs/${stuck}: .*ECONNRESET.* \\(4 tries\\)`),
    );
    expect(first.stdout).toMatch(
      /retried: {5}1 read\(s\) or listing page\(s\) failed and then succeeded:\n.*HTTP 503.*\(2 tries\)/,
    );
    expect(first.stderr).toContain("error: ingest incomplete: 1 object(s) could not be read");
    // Left unread is a collector failure for the alarms.
    expect(first.stderr).toMatch(/"name":"CollectorRunFailures".*"value":1,/);

    proxy.setRules([]);
    const second = await runCaptured([...args, ...fast]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`1 ingested, ${objectPaths.length - 1} already ingested`);
    const report = await runCaptured([
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
    const rows: { requests: number; errors: number }[] = JSON.parse(report.stdout);
    expect(rows.reduce((a, r) => a + r.requests + r.errors, 0)).toBe(truthRequests);
  });
});
