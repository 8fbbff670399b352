// Starts parse-worker.ts on a worker thread when the ingest runs from TypeScript sources (tsx,
// vitest): Node 20 does not pass the parent's loader hooks to workers, so tsx is registered here
// first. The bundled CLI starts its compiled parse-worker.js directly and never loads this file.
import { workerData } from "node:worker_threads";

const { register } = await import("tsx/esm/api");
register();
await import(workerData.boot.entry);
