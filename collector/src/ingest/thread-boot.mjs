// Starts a worker thread's TypeScript module (`workerData.boot.entry`) when the code runs from
// sources (tsx, vitest): Node 20 does not pass the parent's loader hooks to workers, so tsx is
// registered here first. The bundled CLI starts its compiled threads directly and never loads
// this file (thread-file.ts).
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.boot.entry);
