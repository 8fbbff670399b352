// The worker side of `runOnThread` (thread.ts): runs the command with the process's real streams
// and posts its exit code back.
import { parentPort, workerData } from "node:worker_threads";
import { main } from "./run";
import type { CommandThreadData } from "./thread";

const data = workerData as CommandThreadData;
parentPort?.postMessage(await main(data.argv, data.env, { stderrIsTTY: data.stderrIsTTY }));
