/** The store's own failures during an ingest, as sentences a user can act on. */

/** SQLite result codes (better-sqlite3 puts them in `code`, extended codes included). */
function sqliteCode(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "";
}

/**
 * The error to show for a failed run: a full disk says so and what it means for the data; anything
 * else is passed through. `cause` keeps the original.
 * @example throw describeStoreFailure(error, db.$client.name)
 */
export function describeStoreFailure(error: unknown, storePath: string): Error {
  const code = sqliteCode(error);
  if (code === "SQLITE_FULL" || code.startsWith("SQLITE_FULL_") || code === "SQLITE_IOERR_WRITE") {
    return new Error(
      `the disk holding the store ${storePath} is full (${code}): nothing from the failing batch was committed; ` +
        "batches committed before it are kept and the next run reads the rest. Free some space and run again.",
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}
