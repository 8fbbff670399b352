/**
 * Parse threads for the ingest (docs/adr/0012-parallel-ingest.md): read-ahead objects are
 * inflated, parsed and folded into RecordParts on worker threads while the main thread, the one
 * SQLite writer, dedupes and commits. Results are taken in listing order, so a run decides
 * exactly as the single-threaded path does.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { MetadataMapping } from "@bedrock-chargeback/ledger";
import type { ObjectReadResult, TOO_LARGE } from "./read-object";
import type { RecordPart } from "./record-part";
import { threadFile } from "./thread-file";

export type ParseJob = { id: number; bytes: Uint8Array; maxLineBytes: number };
export type ParseReply =
  | { id: number; part: RecordPart }
  | { id: number; result: ObjectReadResult }
  | { id: number; tooLarge: true }
  | { id: number; error: string };

/** An object parsed on a thread: its parts in order and its verdict, or "inflates too large". */
export type Parsed = { parts: RecordPart[]; result: ObjectReadResult } | typeof TOO_LARGE;

/**
 * Threads an ingest uses by default: one per core, at most 3 (the writer is one of them, so
 * 2 cores = the writer and one parse thread). The one SQLite writer is the limit: one parse
 * thread already waits on it more than half the time, so a third thread is margin, and each
 * parse thread adds ~25–30 MB of RSS (docs/adr/0012-parallel-ingest.md, "Memory"). `--threads`
 * sets more where parsing is the limit.
 */
export function defaultThreads(): number {
  return Math.min(3, Math.max(1, availableParallelism()));
}

/**
 * A parse thread holds one object at a time (at most 1 MB inflated: larger ones stream on the
 * writer's thread), so a small heap suffices; a small young generation keeps the garbage of
 * parsing, and so the process's RSS, down (docs/adr/0012-parallel-ingest.md).
 */
const PARSE_THREAD_HEAP = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 96 };

type Pending = {
  parts: RecordPart[];
  resolve: (parsed: Parsed) => void;
  reject: (error: Error) => void;
  worker: Worker;
};

export class ParsePool {
  private readonly workers: Worker[] = [];
  private readonly load = new Map<Worker, number>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  /** `threads` parse threads (at least 1), started on the first `parse`. */
  constructor(
    private readonly threads: number,
    private readonly mapping: MetadataMapping,
  ) {}

  private start(): void {
    const { url, boot } = threadFile("parse-worker", import.meta.url);
    const { mapping } = this;
    for (let t = 0; t < this.threads; t++) {
      const worker = new Worker(url, { workerData: { mapping, boot }, resourceLimits: PARSE_THREAD_HEAP });
      worker.on("message", (reply: ParseReply) => this.receive(reply));
      worker.on("error", (error) => this.fail(worker, error));
      worker.on("exit", (code) => {
        if (code !== 0) this.fail(worker, new Error(`a parse thread exited with code ${code}`));
      });
      this.workers.push(worker);
      this.load.set(worker, 0);
    }
  }

  /** Parses one object's gzip bytes on the least busy thread. */
  parse(bytes: Buffer, maxLineBytes: number): Promise<Parsed> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.workers.length === 0) this.start();
    let worker = this.workers[0] as Worker;
    for (const w of this.workers) if ((this.load.get(w) ?? 0) < (this.load.get(worker) ?? 0)) worker = w;
    const id = this.nextId++;
    this.load.set(worker, (this.load.get(worker) ?? 0) + 1);
    return new Promise<Parsed>((resolve, reject) => {
      this.pending.set(id, { parts: [], resolve, reject, worker });
      // A copy of exactly the object's bytes, handed over (a Buffer may be a view of a larger pool).
      const own = new Uint8Array(bytes);
      const job: ParseJob = { id, bytes: own, maxLineBytes };
      worker.postMessage(job, [own.buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private receive(reply: ParseReply): void {
    const job = this.pending.get(reply.id);
    if (!job) return;
    if ("part" in reply) {
      job.parts.push(reply.part);
      return;
    }
    this.pending.delete(reply.id);
    this.load.set(job.worker, (this.load.get(job.worker) ?? 1) - 1);
    if ("error" in reply) job.reject(new Error(`parse thread: ${reply.error}`));
    else if ("tooLarge" in reply) job.resolve("too large");
    else job.resolve({ parts: job.parts, result: reply.result });
  }

  /** A thread that failed fails every job it held, and the pool: the run stops, nothing is ledgered. */
  private fail(worker: Worker, error: Error): void {
    this.failure ??= error;
    for (const [id, job] of this.pending) {
      if (job.worker !== worker) continue;
      this.pending.delete(id);
      job.reject(error);
    }
  }
}
