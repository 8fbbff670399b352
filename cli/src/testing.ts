/** An in-memory Io for command tests: captures output, fixed clock, default config. */
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
