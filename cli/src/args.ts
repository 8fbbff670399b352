/** Argument parsing shared by commands: node:util parseArgs + zod, errors as UsageError. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { z } from "zod";
import { UsageError } from "./io";

export function parseCommandArgs<S extends z.ZodType>(
  args: string[],
  options: NonNullable<ParseArgsConfig["options"]>,
  schema: S,
): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(
      error instanceof Error ? error.message.replace(/\. To specify.*$/s, "") : String(error),
    );
  }
  // Flags are kebab-case on the command line and camelCase in schemas.
  const camel = Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), v]),
  );
  const parsed = schema.safeParse(camel);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = issue?.path.length
      ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`
      : "arguments";
    throw new UsageError(`${flag}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
