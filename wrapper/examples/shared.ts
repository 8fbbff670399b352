import { pathToFileURL } from "node:url";
import type { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import type { UsageRecord } from "../src/index";
import { createStubRuntimeClient } from "../src/testing/index";

/** What every example's `main` accepts: the runtime client to use and where to print. */
export interface ExampleOptions {
  /** Omit in production code: the wrapper then builds a real client from region and credentials. */
  readonly client?: BedrockRuntimeClient;
  readonly print?: (line: string) => void;
}

/** One line per usage record, the way a service might log it (no raw user id: it is hashed). */
export function describeUsage(usage: UsageRecord): string {
  const tenant = usage.metadata.tenant_id ?? "(unattributed)";
  return (
    `[usage] ${usage.operation} model=${usage.modelId} tenant=${tenant} ` +
    `in=${usage.inputTokens} out=${usage.outputTokens} cacheRead=${usage.cacheReadInputTokens} ` +
    `cacheWrite=${usage.cacheWriteInputTokens} latency=${usage.latencyMs}ms complete=${usage.complete}`
  );
}

/**
 * Runs `main` against the offline stub client when the file is executed directly
 * (`npx tsx examples/<name>.ts`), and does nothing when it is imported (tests, run-all).
 */
export async function runIfMain(
  moduleUrl: string,
  main: (options: ExampleOptions) => Promise<unknown>,
  reply?: string,
): Promise<void> {
  const entry = process.argv[1];
  if (entry === undefined || pathToFileURL(entry).href !== moduleUrl) return;
  const { client } = createStubRuntimeClient(reply);
  await main({ client, print: (line) => console.log(line) });
}
