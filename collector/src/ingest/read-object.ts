/**
 * One object's bytes → lines → records, with every bad line's place and reason. Two kinds of
 * trouble are kept apart (docs/adr/0003-exactly-once.md):
 * - the bytes arrived and are bad (not gzip, truncated gzip, bad JSON …): `fatal` / `rejected`,
 *   which the ingest quarantines;
 * - the bytes did not arrive (open, fetch or stream failed): `readFailure`, which the ingest
 *   retries or leaves for the next run. A read that failed is not a read.
 */
import { Readable } from "node:stream";
import { createGunzip, gunzipSync, constants as zlibConstants } from "node:zlib";
import type { UsageRecord } from "@bedrock-chargeback/ledger";
import { normalizeRecord } from "../records/normalize";
import { readLines } from "./lines";
import type { ObjectRef } from "./object-source";

/** Read-ahead objects that inflate to more than this are inflated as a stream instead of whole. */
export const INFLATE_WHOLE_BYTES = 1024 * 1024;
/** Inflater output chunk when streaming (zlib's 16 KB default costs ~40 % more CPU on large objects). */
const STREAM_CHUNK_BYTES = 64 * 1024;

/** The source could not deliver the bytes; `cause` is what it said. */
export class ReadFailure extends Error {
  override name = "ReadFailure";
  constructor(override readonly cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

export type ObjectReadResult = {
  bytes: number;
  /** Non-blank lines read (records, skipped and rejected lines). */
  lines: number;
  /** The last line handled; a retry after a read failure starts after it. */
  lastLine: number;
  /** Lines that are valid JSON but not invocation records, counted by reason. */
  skipped: Map<string, number>;
  rejected: { line: number; reason: string; excerpt: string }[];
  fatal?: { line: number | null; reason: string };
  readFailure?: ReadFailure;
};

function emptyResult(): ObjectReadResult {
  return { bytes: 0, lines: 0, lastLine: 0, skipped: new Map(), rejected: [] };
}

/** Reads the whole object; a failure is a `ReadFailure`. */
export async function readWhole(ref: ObjectRef): Promise<Buffer> {
  try {
    if (ref.readAll) return await ref.readAll();
    const chunks: Buffer[] = [];
    for await (const chunk of await ref.open())
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return Buffer.concat(chunks);
  } catch (error) {
    throw new ReadFailure(error);
  }
}

/** readLoadedObject's answer for an object that inflates past INFLATE_WHOLE_BYTES: nothing was read. */
export const TOO_LARGE = "too large";

/** The in-memory twin of `readObject` for small objects: same lines, same reasons. */
export function readLoadedObject(
  loaded: Buffer,
  maxLineBytes: number,
  onRecord: (record: UsageRecord) => void,
): ObjectReadResult | typeof TOO_LARGE {
  const result = emptyResult();
  result.bytes = loaded.length;
  let text: Buffer;
  let truncated = false;
  try {
    text = gunzipSync(loaded, { maxOutputLength: INFLATE_WHOLE_BYTES });
  } catch (error) {
    const code = codeOf(error);
    if (code === "ERR_BUFFER_TOO_LARGE") return TOO_LARGE;
    if (code !== "Z_BUF_ERROR" && !/unexpected end/i.test(messageOf(error))) {
      result.fatal = { line: null, reason: `not gzip data: ${messageOf(error)}` };
      return result;
    }
    // Truncated: keep the whole lines that did arrive.
    truncated = true;
    try {
      text = gunzipSync(loaded, {
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
        maxOutputLength: INFLATE_WHOLE_BYTES,
      });
    } catch (partial) {
      if (codeOf(partial) === "ERR_BUFFER_TOO_LARGE") return TOO_LARGE;
      throw partial;
    }
  }
  let number = 0;
  let start = 0;
  for (;;) {
    const nl = text.indexOf(10, start);
    if (nl === -1 && (truncated || start >= text.length)) break;
    const end = nl === -1 ? text.length : nl;
    number += 1;
    if (end - start > maxLineBytes) {
      result.lines += 1;
      result.rejected.push({
        line: number,
        reason: `line of ${end - start} bytes exceeds the ${maxLineBytes}-byte limit`,
        excerpt: "",
      });
    } else {
      handleLine(text.toString("utf8", start, end), number, result, onRecord);
    }
    result.lastLine = number;
    if (nl === -1) break;
    start = nl + 1;
  }
  if (truncated)
    result.fatal = { line: number + 1, reason: `truncated gzip: the object ends after line ${number}` };
  return result;
}

function handleLine(
  text: string,
  number: number,
  result: ObjectReadResult,
  onRecord: (r: UsageRecord) => void,
): void {
  if (text.trim().length === 0) return;
  result.lines += 1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    result.rejected.push({ line: number, reason: `invalid JSON: ${messageOf(error)}`, excerpt: text });
    return;
  }
  const normalized = normalizeRecord(parsed);
  if (normalized.kind === "record") onRecord(normalized.record);
  else if (normalized.kind === "reject")
    result.rejected.push({ line: number, reason: normalized.reason, excerpt: text });
  else if (!hasSchemaType(parsed))
    // Another Bedrock log type is skipped (counted per object); a line that names no type at all
    // is not a log record, and is quarantined with its place.
    result.rejected.push({ line: number, reason: `not a log record: ${normalized.reason}`, excerpt: text });
  else result.skipped.set(normalized.reason, (result.skipped.get(normalized.reason) ?? 0) + 1);
}

function hasSchemaType(parsed: unknown): boolean {
  return (
    typeof parsed === "object" &&
    parsed !== null &&
    "schemaType" in parsed &&
    typeof parsed.schemaType === "string" &&
    parsed.schemaType.length > 0
  );
}

/**
 * Streams an object through the inflater one line at a time. Lines up to `skipThrough` were
 * handled by an earlier attempt and are passed over. A store failure inside `onRecord` is thrown.
 */
export async function readObject(
  ref: ObjectRef,
  maxLineBytes: number,
  onRecord: (record: UsageRecord) => void,
  skipThrough = 0,
): Promise<ObjectReadResult> {
  const result = emptyResult();
  result.lastLine = skipThrough;
  let lastLine = 0;
  let storeFailure: { error: unknown } | undefined;
  let raw: Readable;
  try {
    raw = await ref.open();
  } catch (error) {
    result.readFailure = new ReadFailure(error);
    return result;
  }
  raw.on("data", (chunk: Buffer) => {
    result.bytes += chunk.length;
  });
  const gunzip = createGunzip({ chunkSize: STREAM_CHUNK_BYTES });
  // The source's own failure, told apart from the inflater's verdict on the bytes.
  raw.on("error", (error) => gunzip.destroy(new ReadFailure(error)));
  raw.pipe(gunzip);
  try {
    for await (const line of readLines(gunzip, maxLineBytes)) {
      lastLine = line.number;
      if (line.number <= skipThrough) continue;
      if ("tooLong" in line) {
        result.lines += 1;
        result.rejected.push({
          line: line.number,
          reason: `line of ${line.tooLong} bytes exceeds the ${maxLineBytes}-byte limit`,
          excerpt: "",
        });
      } else {
        try {
          handleLine(line.text, line.number, result, onRecord);
        } catch (error) {
          storeFailure = { error };
          throw error;
        }
      }
      result.lastLine = line.number;
    }
  } catch (error) {
    // The store failed (a write or commit), not the object: stop the run, which rolls back.
    if (storeFailure) throw storeFailure.error;
    const code = codeOf(error);
    if (error instanceof ReadFailure) {
      result.readFailure = error;
    } else if (code === "Z_DATA_ERROR" && lastLine === 0) {
      result.fatal = { line: null, reason: `not gzip data: ${messageOf(error)}` };
    } else if (code === "Z_BUF_ERROR" || /unexpected end/i.test(messageOf(error))) {
      result.fatal = { line: lastLine + 1, reason: `truncated gzip: the object ends after line ${lastLine}` };
    } else {
      result.fatal = {
        line: lastLine + 1,
        reason: `read failed after line ${lastLine}: ${messageOf(error)}`,
      };
    }
  } finally {
    raw.destroy();
  }
  return result;
}

/** A read-ahead object as a stream again (when it must be inflated as one). */
export function streamOf(loaded: Buffer): () => Promise<Readable> {
  return async () => Readable.from([loaded]);
}

/** The inflated size a gzip object declares in its last 4 bytes (RFC 1952 ISIZE, mod 2^32): a hint. */
export function inflatedSizeHint(gz: Buffer): number {
  return gz.length >= 18 ? gz.readUInt32LE(gz.length - 4) : 0;
}

function codeOf(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
