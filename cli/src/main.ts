/**
 * `chargeback <command>`: wires config, io and commands. stdout carries only the command's
 * output; diagnostics go to stderr.
 */

import { commands } from "./commands";
import { loadEnv, parseConfig } from "./config";
import { type Io, UsageError } from "./io";

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [name, ...args] = argv;
  const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
  let config: Io["config"];
  try {
    config = parseConfig(env);
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const io: Io = {
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    config,
    now: () => new Date(),
  };
  const command = commands.find((c) => c.name === name);
  if (!command || name === "help" || name === "--help") {
    const list = commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n");
    (command || name === "help" || name === "--help" || !name ? io.stdout : io.stderr)(
      `${name && !command && name !== "help" && name !== "--help" ? `error: unknown command ${JSON.stringify(name)}\n\n` : ""}usage: chargeback <command> [options]\n\ncommands:\n${list}\n`,
    );
    return name && !command && name !== "help" && name !== "--help" ? 2 : 0;
  }
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

const code = await main(process.argv.slice(2), loadEnv());
process.exitCode = code;
