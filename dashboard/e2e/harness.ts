/**
 * The real stack for the browser test: simulated Bedrock logs for last month and this month
 * (relative to the real clock) → `chargeback ingest` into a temp store → an admin key from
 * `chargeback keys create` (the other keys through POST /v1/keys) → `vite build` into a temp
 * folder → `chargeback serve --port 0 --static <build>` as a child process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { childProcessEnv } from "./env";

export const DASHBOARD = resolve(fileURLToPath(new URL("..", import.meta.url)));
export const ROOT = resolve(DASHBOARD, "..");
const TSX = join(ROOT, "node_modules", ".bin", "tsx");
const VITE = join(DASHBOARD, "node_modules", ".bin", "vite");

type Run = { stdout: string; stderr: string };

/** Runs a command to completion; rejects with its output when it fails. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: childProcessEnv(opts.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", fail);
    child.on("close", (code) =>
      code === 0
        ? done({ stdout, stderr })
        : fail(new Error(`${cmd} ${args.join(" ")} exited ${code}\n${stdout}\n${stderr}`)),
    );
  });
}

export function chargeback(args: string[]): Promise<Run> {
  return run(TSX, ["cli/src/main.ts", ...args], {
    cwd: ROOT,
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
}

const pad = (n: number) => String(n).padStart(2, "0");
const day = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** This month and last month, from the real clock (the API's clock too). */
export function months(now = new Date()) {
  const thisStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const lastStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const nextStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const tomorrow = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return {
    thisMonth: day(thisStart).slice(0, 7),
    lastMonth: day(lastStart).slice(0, 7),
    thisFrom: day(thisStart),
    thisTo: day(nextStart),
    lastFrom: day(lastStart),
    tomorrow: day(tomorrow),
  };
}

export type Stack = {
  url: string;
  dir: string;
  db: string;
  adminKey: string;
  /** Ingests late records for last month (simulated up front) into the running store. */
  ingestLate: () => Promise<void>;
  stop: () => Promise<void>;
};

function waitForListening(child: ChildProcess): Promise<string> {
  return new Promise((done, fail) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => fail(new Error(`chargeback serve did not start:\n${out}\n${err}`)),
      60_000,
    );
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`chargeback serve exited ${code}:\n${out}\n${err}`));
    });
  });
}

export async function startStack(): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), "chargeback-e2e-"));
  const db = join(dir, "store.db");
  const dist = join(dir, "dist");
  const m = months();
  const logs = join(dir, "logs");
  const late = join(dir, "late");
  const ingest = (folder: string) =>
    chargeback([
      "ingest",
      "--source",
      "dir",
      "--path",
      folder,
      "--db",
      db,
      "--profiles",
      join(folder, "application-profiles.json"),
    ]);
  // The build and both corpora at once; the late one (first two days of last month) is ingested
  // by the test after it closes last month.
  await Promise.all([
    run(VITE, ["build", "--outDir", dist, "--emptyOutDir", "--logLevel", "warn"], { cwd: DASHBOARD }),
    chargeback([
      "simulate",
      "--out",
      logs,
      "--records",
      "1200",
      "--from",
      m.lastFrom,
      "--to",
      m.tomorrow,
      "--seed",
      "7",
    ]),
    chargeback([
      "simulate",
      "--out",
      late,
      "--records",
      "60",
      "--from",
      m.lastFrom,
      "--to",
      `${m.lastMonth}-03`,
      "--seed",
      "99",
    ]),
  ]);
  await ingest(logs);
  // Last month against the CUR 2.0 export the simulator wrote beside the logs (kept in the store).
  await chargeback([
    "reconcile",
    "--db",
    db,
    "--month",
    m.lastMonth,
    "--cur",
    join(logs, "cur"),
    "--format",
    "json",
  ]);

  const server = spawn(
    TSX,
    ["cli/src/main.ts", "serve", "--db", db, "--host", "127.0.0.1", "--port", "0", "--static", dist],
    {
      cwd: ROOT,
      // The Ask page answers with templates here: no AWS, and never a real Bedrock call from a test.
      env: childProcessEnv({ CHARGEBACK_API_LOG_REQUESTS: "false", CHARGEBACK_ASK_MODE: "fallback" }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const [url, admin] = await Promise.all([
    waitForListening(server),
    chargeback(["keys", "create", "--role", "admin", "--name", "e2e admin", "--db", db]),
  ]);
  return {
    url,
    dir,
    db,
    adminKey: admin.stdout.trim(),
    async ingestLate() {
      await ingest(late);
    },
    async stop() {
      if (server.exitCode === null) {
        const exited = new Promise((r) => server.once("exit", r));
        server.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (server.exitCode === null) server.kill("SIGKILL");
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
