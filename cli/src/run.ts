/**
 * `chargeback <command>`: finds the command and maps errors to exit codes
 * (0 ok, 1 failure, 2 bad arguments, 3 finished but some input was quarantined).
 * stdout carries only the command's output; diagnostics go to stderr.
 */
import { commands } from "./commands";
import { parseConfig } from "./config";
import { type Io, UsageError } from "./io";
import { runOnThread } from "./thread";

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    const list = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n");
    const help = `usage: chargeback <command> [options]   (chargeback <command> --help)\n\ncommands:\n${list}\n`;
    if (!name || name === "help" || name === "--help") {
      io.stdout(help);
      return 0;
    }
    io.stderr(`error: unknown command ${JSON.stringify(name)}\n\n${help}`);
    return 2;
  }
  const command = await entry.load();
  if (args.includes("--help")) {
    io.stdout(`usage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * Builds the real Io from the process and runs. On the main thread a command may move itself to
 * a thread with a capped heap (`io.runOnThread`, thread.ts); `onThread` is that thread's run.
 */
export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  onThread?: { stderrIsTTY: boolean },
): Promise<number> {
  let config: Io["config"];
  try {
    config = parseConfig(env);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  // `chargeback … | head`: once the reader has gone, further output is dropped and the command
  // finishes with its own exit code, instead of dying on an unhandled EPIPE.
  let stdoutGone = false;
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stdoutGone = true;
  });
  return runCli(argv, {
    stdout: (text) => {
      if (!stdoutGone) process.stdout.write(text);
    },
    stderr: (text) => void process.stderr.write(text),
    stderrIsTTY: onThread?.stderrIsTTY ?? Boolean(process.stderr.isTTY),
    config,
    now: () => new Date(),
    ...(onThread
      ? {}
      : { runOnThread: (heapMb) => runOnThread(argv, env, heapMb, Boolean(process.stderr.isTTY)) }),
  });
}
