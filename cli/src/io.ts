/** What a command may touch: its streams, its config and the clock. Tests pass their own. */
import type { AppConfig } from "./config";

export type Io = {
  /** Text, or bytes for binary output (PDF, zip). */
  stdout: (data: string | Uint8Array) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress output only then, unless asked for). */
  stderrIsTTY: boolean;
  config: AppConfig;
  now: () => Date;
  /**
   * The real process only: runs this same command line again on a worker thread whose heap is
   * capped at `heapMb`, and returns its exit code (thread.ts). Absent on that thread and in tests.
   */
  runOnThread?: (heapMb: number) => Promise<number>;
};

export type Command = {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit code. Throw `UsageError` for bad arguments. */
  run: (args: string[], io: Io) => Promise<number>;
};

/** Bad arguments or paths: printed as `error: …` with the command's usage, exit 2. */
export class UsageError extends Error {}

/**
 * A command in the registry: loaded only when run, so `chargeback report` never pays for the
 * AWS SDKs, Hono or CDK that other commands import.
 */
export type CommandEntry = { name: string; summary: string; load: () => Promise<Command> };
