/**
 * Running the CLI in tests: in-process with an in-memory Io (`runCaptured`), or as the real
 * process a user starts (`spawnCli`, `runCliProcess`) where signals, exit codes, pipes and file
 * permissions are the point.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { childProcessEnv } from "@bedrock-chargeback/collector/testing";
import { parseConfig } from "./config";
import type { Io } from "./io";
import { runCli } from "./run";

/** `stdout` is the text written; `stdoutBytes` everything written, text and binary, in order. */
export type Captured = { code: number; stdout: string; stdoutBytes: Buffer; stderr: string };

export async function runCaptured(argv: string[], now = new Date("2026-11-15T12:00:00Z")): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const chunks: Buffer[] = [];
  const io: Io = {
    stdout: (t) => {
      if (typeof t === "string") stdout += t;
      chunks.push(Buffer.from(t));
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    config: parseConfig({}),
    now: () => now,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stdoutBytes: Buffer.concat(chunks), stderr };
}

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/** Starts `chargeback <args>` as its own process (through tsx, as `pnpm chargeback` does). */
export function spawnCli(args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { env: childProcessEnv(), ...options });
}

export type ProcessRun = { code: number | null; stdout: string; stderr: string };

/** Runs `chargeback <args>` as its own process to the end; `closeStdout` leaves its reader at once. */
export function runCliProcess(
  args: string[],
  options: SpawnOptions & { closeStdout?: boolean } = {},
): Promise<ProcessRun> {
  const { closeStdout, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    if (closeStdout) child.stdout?.destroy();
    else
      child.stdout?.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
