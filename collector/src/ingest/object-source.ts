import type { Readable } from "node:stream";

/** One log object, wherever it lives. */
export type ObjectRef = {
  /** Stable identity across sources: the key from `AWSLogs/…` on when present. */
  key: string;
  /** Where it was read from, for messages (path or s3:// URL). */
  location: string;
  size: number;
  etag?: string;
  /**
   * Opens the object's bytes. A rejection or a stream error means the bytes could not be
   * *read* (permission, network, a body cut short), never that they are bad: the ingest retries
   * or leaves the object for the next run (docs/adr/0003-exactly-once.md).
   */
  open: () => Promise<Readable>;
  /** Reads the whole object (used for small objects, with read-ahead). Defaults to draining `open()`. */
  readAll?: () => Promise<Buffer>;
};

/**
 * A place the source could not list (a folder it may not read, an S3 page that kept failing), or
 * one it listed only after retries (`listed: true`). Objects under an unlisted place were not seen.
 */
export type ListingProblem = { place: string; reason: string; attempts: number; listed: boolean };

/** Lists log objects in a stable order, with the places it could not list among them. */
export type ObjectSource = {
  kind: "dir" | "s3";
  /** What the user pointed at, for run records and messages. */
  location: string;
  list: () => AsyncIterable<ObjectRef | ListingProblem>;
};

export function isListingProblem(item: ObjectRef | ListingProblem): item is ListingProblem {
  return "place" in item;
}

/**
 * Whether a key is a log object to ingest: `*.json.gz`, not a large-body sidecar under `data/`
 * (which also excludes the `amazon-bedrock-logs-permission-check` marker).
 */
export function isLogObjectKey(key: string): boolean {
  if (!key.endsWith(".json.gz")) return false;
  const segments = key.split("/");
  return !segments.slice(0, -1).includes("data");
}

/** The ledger identity of an object: from `AWSLogs/` on, so dir and S3 copies of a log match. */
export function ledgerKeyOf(relativeKey: string): string {
  const at = relativeKey.indexOf("AWSLogs/");
  return at >= 0 ? relativeKey.slice(at) : relativeKey;
}
