/**
 * A parse thread (docs/adr/0012-parallel-ingest.md): takes a read-ahead object's gzip bytes,
 * inflates, splits, parses and normalizes it exactly as the single-threaded path does
 * (`readLoadedObject`), and posts back its records as RecordParts and the object's verdict. It
 * touches no store: the one SQLite writer stays on the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { factKeying, type MetadataMapping } from "@bedrock-chargeback/ledger";
import type { ParseJob, ParseReply } from "./parse-pool";
import { readLoadedObject, TOO_LARGE } from "./read-object";
import { RecordPartBuilder, transferablesOf } from "./record-part";

const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread");
const keying = factKeying((workerData as { mapping: MetadataMapping }).mapping);

port.on("message", (job: ParseJob) => {
  const reply = (message: ParseReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  try {
    const builder = new RecordPartBuilder(keying, (part) =>
      reply({ id: job.id, part }, transferablesOf(part)),
    );
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    const result = readLoadedObject(bytes, job.maxLineBytes, (record) => builder.add(record));
    if (result === TOO_LARGE) return reply({ id: job.id, tooLarge: true });
    builder.flush();
    reply({ id: job.id, result });
  } catch (error) {
    reply({ id: job.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
