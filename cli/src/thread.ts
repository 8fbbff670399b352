/**
 * A command on a worker thread with a capped heap (docs/adr/0012-parallel-ingest.md, "Memory").
 * V8 lets the main thread's heap grow far past the live data before it collects, and the main
 * thread's limit cannot be set from inside the process; a worker's can (`resourceLimits`). The
 * CLI's real entry runs `ingest` this way, so its peak RSS is bounded by what it keeps alive.
 */
import { Worker } from "node:worker_threads";
import { threadFile } from "@bedrock-chargeback/collector/thread-file";

/** What the thread needs to run the command as the process would. */
export type CommandThreadData = {
  argv: string[];
  env: Record<string, string | undefined>;
  stderrIsTTY: boolean;
  boot?: { entry: string };
};

/**
 * Runs `chargeback <argv>` on a thread whose old generation is capped at `heapMb`; resolves to
 * its exit code. Running out of that heap is an error that says which limit it was.
 */
export function runOnThread(
  argv: string[],
  env: Record<string, string | undefined>,
  heapMb: number,
  stderrIsTTY: boolean,
): Promise<number> {
  const { url, boot } = threadFile("command-thread", import.meta.url);
  const workerData: CommandThreadData = { argv, env, stderrIsTTY, ...(boot ? { boot } : {}) };
  return new Promise((resolve, reject) => {
    let exitCode: number | undefined;
    const worker = new Worker(url, {
      workerData,
      env,
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 16 },
    });
    worker.on("message", (code: number) => {
      exitCode = code;
    });
    worker.on("error", (error: Error & { code?: string }) => {
      reject(
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new Error(`${argv[0]} ran out of its ${heapMb} MB heap (${error.message})`)
          : error,
      );
    });
    // After "exit" the thread's output has reached this thread's streams.
    worker.on("exit", (code) => resolve(exitCode ?? (code === 0 ? 1 : code)));
  });
}
