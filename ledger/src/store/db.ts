import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { type BetterSQLite3Database, drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import * as schema from "./schema";

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

const migrationsFolder = fileURLToPath(new URL("../../drizzle", import.meta.url));

/**
 * Opens (or creates) the store and applies the committed migrations.
 * WAL lets the API read while an ingest writes. `readonly`: see `openStoreReadOnly`.
 * @example const db = createDb(":memory:");
 */
export function createDb(path: string, options: { readonly?: boolean } = {}): Db {
  if (options.readonly) return openStoreReadOnly(path).db;
  const sqlite = new Database(path);
  if (path !== ":memory:") sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return db;
}

/** A store this process may read but not write; the message says why and what to do. */
export class ReadOnlyStoreError extends Error {
  override name = "ReadOnlyStoreError";
}

/**
 * Opens an existing store for reading only: nothing is written, no migration is run (a store that
 * needs one is refused, plainly). A WAL store in a folder this user cannot write has no `-shm` to
 * share, so SQLite cannot open it in place; when no writer is active (no `-wal` file) it is read
 * from a snapshot in memory instead (`snapshot: true`).
 * @example const { db } = openStoreReadOnly("/srv/chargeback/store.db");
 */
export function openStoreReadOnly(path: string): { db: Db; snapshot: boolean } {
  let sqlite: Database.Database;
  let snapshot = false;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
    sqlite.prepare("SELECT COUNT(*) FROM sqlite_master").get();
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    if (code !== "SQLITE_READONLY_DIRECTORY" && code !== "SQLITE_CANTOPEN") throw error;
    if (existsSync(`${path}-wal`))
      throw new ReadOnlyStoreError(
        `cannot read the store ${path}: a writer has it open (${path}-wal exists) and the folder ${dirname(path)} is read-only, so this user cannot share its index (${path}-shm); make the folder writable or read it when the writer is done`,
      );
    // A closed WAL store is whole in its main file; header bytes 18–19 say WAL (2), which an
    // in-memory database cannot be: mark it rollback-journal (1) in the copy.
    const bytes = readFileSync(path);
    if (bytes[18] === 2 && bytes[19] === 2) bytes.fill(1, 18, 20);
    sqlite = new Database(bytes, { readonly: true });
    snapshot = true;
  }
  sqlite.pragma("busy_timeout = 5000");
  const pending = pendingMigrations(sqlite);
  if (pending.length > 0) {
    sqlite.close();
    throw new ReadOnlyStoreError(
      `the store ${path} needs ${pending.length} migration(s) before this version can read it, and it is read-only here; run a writing command (such as \`chargeback ingest\`) on it once with write access`,
    );
  }
  return { db: drizzle(sqlite, { schema }), snapshot };
}

/** Migrations newer than the store's last applied one (drizzle's own rule: by folder timestamp). */
function pendingMigrations(sqlite: Database.Database): number[] {
  const all = readMigrationFiles({ migrationsFolder }).map((m) => m.folderMillis);
  const hasTable = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'")
    .get();
  if (!hasTable) return all;
  const last = sqlite.prepare("SELECT MAX(created_at) FROM __drizzle_migrations").pluck().get();
  return all.filter((when) => Number(last ?? 0) < when);
}

/**
 * This code's migration level: how many committed migrations it has and the newest one's
 * timestamp (what `__drizzle_migrations.created_at` holds once it is applied). Backups record a
 * store's level, and a restore refuses one newer than the code.
 * @example codeMigrationLevel() // { count: 6, newest: 1761955200000 }
 */
export function codeMigrationLevel(): { count: number; newest: number } {
  const all = readMigrationFiles({ migrationsFolder }).map((m) => m.folderMillis);
  return { count: all.length, newest: Math.max(0, ...all) };
}
