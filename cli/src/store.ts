/** Opening the store from the CLI, with the errors a user can act on. */
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  type Catalog,
  createDb,
  type Db,
  loadCatalog,
  SHIPPED_CATALOG_PATH,
  syncCatalog,
} from "@bedrock-chargeback/ledger";
import { UsageError } from "./io";

/**
 * Opens an existing store; reading commands never create an empty one by accident. A store this
 * user cannot write (file mode 0444, a read-only folder) is opened read-only, so reports and the
 * API's reads work; a write then fails, and a store that needs a migration is refused plainly.
 */
export function openExistingStore(path: string): Db {
  if (path !== ":memory:" && !existsSync(path)) {
    throw new UsageError(`--db ${path}: no such store (run \`chargeback ingest … --db ${path}\` first)`);
  }
  return createDb(path, { readonly: path !== ":memory:" && !isWritable(path) });
}

/** Whether this user may write the store and create its `-wal`/`-shm` files beside it. */
function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Brings the shipped catalog and an optional user price file into the store's price table. */
export function syncPrices(db: Db, userPricesPath: string | undefined, now: Date): number {
  let added = syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", now);
  if (userPricesPath) {
    let catalog: Catalog;
    try {
      catalog = loadCatalog(userPricesPath);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    added += syncCatalog(db, catalog, "user", now);
  }
  return added;
}

/** Reads an application-inference-profile mapping file: `{ "<arn or id>": "<model or profile id>" }`. */
export function loadProfileMap(path: string | undefined): Map<string, string> | undefined {
  if (!path) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new UsageError(`--profiles ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UsageError(`--profiles ${path}: expected a JSON object of "<profile arn>": "<model id>"`);
  }
  const map = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== "string")
      throw new UsageError(`--profiles ${path}: ${key}: expected a string model id`);
    map.set(key, value);
  }
  return map;
}
