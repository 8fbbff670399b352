/**
 * A raw ingest's row in `ingest_runs`: started as 'running', finished with the summary's figures,
 * or marked 'failed' with its reason (docs/adr/0003-exactly-once.md, "One run per store"). Callers
 * hold the ingest lock (`run-lock.ts`) around all three, which is what lets `startRun` call any run
 * still 'running' interrupted.
 */
import type Database from "better-sqlite3";
import { describeStoreFailure } from "./store-failure";
import type { IngestSummary } from "./summary";

/** Opens this run's row and returns its id. A row still 'running' was killed: say so. */
export function startRun(client: Database.Database, location: string, now: () => Date): number {
  // Holding the lock, any run still marked 'running' was killed: say so rather than leave it
  // looking alive.
  client
    .prepare("UPDATE ingest_runs SET status = 'interrupted' WHERE status = 'running' AND source = 'raw'")
    .run();
  return Number(
    client
      .prepare(
        "INSERT INTO ingest_runs (source, location, started_at, status) VALUES ('raw', ?, ?, 'running')",
      )
      .run(location, now().toISOString()).lastInsertRowid,
  );
}

/** Records the settled summary; `message` says what was left for the next run, if anything. */
export function finishRun(
  client: Database.Database,
  summary: IngestSummary,
  message: string | null,
  now: () => Date,
): void {
  client
    .prepare(
      `UPDATE ingest_runs SET finished_at = ?, status = ?, objects = ?, objects_skipped = ?, records = ?,
       duplicates = ?, quarantined = ?, bytes_scanned = ?, data_until = ?, message = ? WHERE id = ?`,
    )
    .run(
      now().toISOString(),
      summary.status,
      summary.objectsIngested + summary.objectsRejected,
      summary.objectsSkipped,
      summary.records,
      summary.duplicates,
      summary.quarantined,
      summary.bytesRead,
      summary.dataUntil,
      message,
      summary.runId,
    );
}

/**
 * Undoes the open batch and marks the run 'failed'. Returns the error to throw: a full disk named
 * as such (`describeStoreFailure`), anything else as it was.
 */
export function failRun(client: Database.Database, runId: number, error: unknown, now: () => Date): Error {
  try {
    if (client.inTransaction) client.prepare("ROLLBACK").run();
  } catch {
    // Already undone by SQLite (as on a full disk); the original error is what to report.
  }
  const failure = describeStoreFailure(error, client.name);
  try {
    client
      .prepare("UPDATE ingest_runs SET finished_at = ?, status = 'failed', message = ? WHERE id = ?")
      .run(now().toISOString(), failure.message, runId);
  } catch {
    // The store cannot take even this (a full disk): the next run marks it 'interrupted'.
  }
  return failure;
}
