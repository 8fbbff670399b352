/**
 * One raw ingest per store at a time. The lock is an exclusive transaction held on a small sidecar
 * SQLite file (`<store>-ingest-lock`): the OS drops it when the process ends, even on SIGKILL, so
 * a killed run never leaves the store locked. (The store itself cannot hold it: batches commit.)
 */
import Database from "better-sqlite3";

export type IngestLock = { release: () => void };

/** Another ingest holds the store: a plain sentence, for the user. */
export class IngestBusyError extends Error {
  override name = "IngestBusyError";
}

/**
 * Takes the store's ingest lock or throws `IngestBusyError` naming the run that holds it.
 * In-memory stores need none.
 * @example const lock = lockIngest(db.$client); try { … } finally { lock.release(); }
 */
export function lockIngest(store: Database.Database): IngestLock {
  const path = store.name;
  if (store.memory || path === "" || path === ":memory:") return { release: () => {} };
  return lockIngestFile(path, () => describeRunning(store));
}

/**
 * The same lock, by the store's path, for commands that must not run beside an ingest without
 * opening the store (`chargeback restore`). `detail` adds to the busy sentence.
 * @example const lock = lockIngestFile("chargeback.db"); try { … } finally { lock.release(); }
 */
export function lockIngestFile(path: string, detail: () => string = () => ""): IngestLock {
  const lockPath = `${path}-ingest-lock`;
  let lock: Database.Database;
  try {
    lock = new Database(lockPath, { timeout: 0 });
  } catch (error) {
    throw new Error(
      `cannot create the ingest lock ${lockPath}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    lock.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    lock.close();
    const code = typeof error === "object" && error !== null && "code" in error ? error.code : "";
    if (code !== "SQLITE_BUSY" && code !== "SQLITE_LOCKED") throw error;
    throw new IngestBusyError(
      `another ingest is running on ${path}${detail()}; wait for it to finish (or stop it) and run again`,
    );
  }
  return {
    release: () => {
      if (lock.inTransaction) lock.exec("ROLLBACK");
      lock.close();
    },
  };
}

function describeRunning(store: Database.Database): string {
  try {
    const row = store
      .prepare(
        "SELECT id, started_at FROM ingest_runs WHERE source = 'raw' AND status = 'running' ORDER BY id DESC LIMIT 1",
      )
      .get();
    if (typeof row === "object" && row !== null && "id" in row && "started_at" in row)
      return ` (run ${row.id}, started ${row.started_at})`;
  } catch {
    // The sentence is still right without the run's details.
  }
  return "";
}
