/**
 * What a raw ingest run reports: the summary's shape, its bounded lists, the progress figures
 * derived from it, and its final status. Kept apart from the loop that fills it so the rules for
 * "ok / partial / incomplete" (docs/rules.md rules 3 and 11) sit in one place.
 */
import type { Db } from "@bedrock-chargeback/ledger";

export type IngestProgress = {
  objectsDone: number;
  objectsSkipped: number;
  records: number;
  bytesRead: number;
  committedBatches: number;
};

export type QuarantineEntry = { key: string; location: string; line: number | null; reason: string };

/** A read or listing that failed: where, why (the last failure), after how many tries. */
export type ReadProblem = { location: string; reason: string; attempts: number };

export type IngestSummary = {
  runId: number;
  /** ok; partial: some input quarantined; incomplete: some objects or places could not be read. */
  status: "ok" | "partial" | "incomplete";
  objectsListed: number;
  objectsIngested: number;
  /** Already in the ledger from an earlier run. */
  objectsSkipped: number;
  /** Read, and nothing in them is usable (not gzip, empty …): quarantined and ledgered. */
  objectsRejected: number;
  /** Could not be opened or fetched, even after retries: not ledgered, read again next run. */
  objectsUnread: number;
  /** The first unread objects. */
  unread: (ReadProblem & { key: string })[];
  /** Places that could not be listed: objects under them were not seen (listing incomplete). */
  unlisted: ReadProblem[];
  /** Reads and listings that failed and succeeded on a later try (attempts = tries used). */
  retried: ReadProblem[];
  /** Unique records counted by this run (requests + errors). */
  records: number;
  requests: number;
  errors: number;
  duplicates: number;
  /** Records with another schemaType than ModelInvocationLog (skipped, not quarantined). */
  notInvocationLogs: number;
  /** Where they were, per object and reason (the first ones). */
  skipped: { location: string; reason: string; count: number }[];
  quarantined: number;
  /** The first quarantine entries (all are in the store's `quarantine` table). */
  quarantine: QuarantineEntry[];
  unpricedModels: { model: string; requests: number }[];
  bytesRead: number;
  dataFrom: string | null;
  dataUntil: string | null;
};

/** What the batch writer counts: unique records, duplicates dropped, and their time span. */
export type RecordCounts = Pick<
  IngestSummary,
  "records" | "requests" | "errors" | "duplicates" | "dataFrom" | "dataUntil"
>;

/** Entries kept in each list of the summary (counts are always whole). */
const LISTED_IN_SUMMARY = 50;

export function emptyCounts(): RecordCounts {
  return { records: 0, requests: 0, errors: 0, duplicates: 0, dataFrom: null, dataUntil: null };
}

export function emptySummary(runId: number): IngestSummary {
  return {
    runId,
    status: "ok",
    objectsListed: 0,
    objectsIngested: 0,
    objectsSkipped: 0,
    objectsRejected: 0,
    objectsUnread: 0,
    unread: [],
    unlisted: [],
    retried: [],
    records: 0,
    requests: 0,
    errors: 0,
    duplicates: 0,
    notInvocationLogs: 0,
    skipped: [],
    quarantined: 0,
    quarantine: [],
    unpricedModels: [],
    bytesRead: 0,
    dataFrom: null,
    dataUntil: null,
  };
}

/** Adds an entry to one of the summary's lists while it holds fewer than LISTED_IN_SUMMARY. */
export function listIn<T>(list: T[], entry: T): void {
  if (list.length < LISTED_IN_SUMMARY) list.push(entry);
}

/**
 * The progress figures at a commit. Objects done are the ingested and rejected ones (an unread
 * object is not done); records are those counted so far by the batch writer.
 */
export function progressOf(
  summary: IngestSummary,
  records: number,
  committedBatches: number,
): IngestProgress {
  return {
    objectsDone: summary.objectsIngested + summary.objectsRejected,
    objectsSkipped: summary.objectsSkipped,
    records,
    bytesRead: summary.bytesRead,
    committedBatches,
  };
}

/**
 * Fills in the unpriced models and the status once every object was handled. Returns the run
 * record's message: what was left for the next run, or null when nothing was.
 */
export function settleSummary(db: Db, summary: IngestSummary): string | null {
  summary.unpricedModels = unpricedModelsOfRun(db, summary);
  const incomplete = summary.objectsUnread > 0 || summary.unlisted.length > 0;
  summary.status = incomplete ? "incomplete" : summary.quarantined > 0 ? "partial" : "ok";
  return incomplete ? incompleteMessage(summary) : null;
}

/** The run record's sentence for what was left for the next run. */
function incompleteMessage(s: IngestSummary): string {
  const parts: string[] = [];
  if (s.objectsUnread > 0)
    parts.push(`${s.objectsUnread} object(s) could not be read and were left for the next run`);
  if (s.unlisted.length > 0)
    parts.push(`listing incomplete: ${s.unlisted.map((u) => `${u.location}: ${u.reason}`).join("; ")}`);
  return parts.join("; ");
}

/** Models this run touched that have usage but no price (docs/rules.md rule 3: never silent). */
export function unpricedModelsOfRun(db: Db, summary: IngestSummary): { model: string; requests: number }[] {
  if (summary.dataFrom === null || summary.dataUntil === null) return [];
  const rows = db.$client
    .prepare(
      `SELECT base_model AS model, SUM(requests) AS requests FROM usage_hourly
       WHERE source = 'raw' AND price_id IS NULL AND requests > 0 AND hour >= ? AND hour <= ?
       GROUP BY base_model ORDER BY requests DESC`,
    )
    .all(`${summary.dataFrom.slice(0, 13)}:00:00Z`, `${summary.dataUntil.slice(0, 13)}:00:00Z`);
  return rows.flatMap((row) =>
    typeof row === "object" && row !== null && "model" in row && "requests" in row
      ? [{ model: String(row.model), requests: Number(row.requests) }]
      : [],
  );
}
