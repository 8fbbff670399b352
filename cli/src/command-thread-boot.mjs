// Starts command-thread.ts on a worker thread when the CLI runs from TypeScript sources (tsx):
// Node 20 does not pass the parent's loader hooks to workers, so tsx is registered here first.
// The bundled CLI starts its compiled command-thread.js directly and never loads this file.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.boot.entry);
