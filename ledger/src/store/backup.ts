/**
 * Backups of the store and their restore (issue #18). A backup is SQLite's online backup API run
 * from its own read connection: in WAL mode that copies the last committed state, in one step,
 * while an ingest writes and the API reads. Beside each backup lies its manifest (`<name>.json`),
 * which a restore checks before it touches the target.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { S3Client } from "@aws-sdk/client-s3";
import Database from "better-sqlite3";
import { z } from "zod";
import { codeMigrationLevel } from "./db";
import { IngestBusyError, lockIngestFile } from "./run-lock";

export const MANIFEST_FORMAT = "chargeback-backup/1";

/** One PutObject takes at most 5 GiB; a bigger store goes to a file (then `aws s3 cp`, multipart). */
export const S3_PUT_LIMIT_BYTES = 5 * 1024 ** 3;

/** Tables every chargeback store has (migration 0000, less usage_daily_facets which 0006 replaced), with the migrations table. */
const REQUIRED_TABLES = [
  "__drizzle_migrations",
  "usage_hourly",
  "ingest_runs",
  "ingested_objects",
  "seen_requests",
  "quarantine",
  "checkpoints",
  "prices",
  "billing_periods",
] as const;

/** Row counts recorded in the manifest (those of later migrations when the store has them). */
const COUNTED_TABLES = [
  ...REQUIRED_TABLES.filter((t) => t !== "__drizzle_migrations"),
  "usage_daily",
  "usage_monthly",
  "usage_hourly_rows",
  "usage_daily_rows",
  "usage_monthly_rows",
  "usage_facts",
  "usage_dims",
  "usage_attrs",
  "invoices",
  "invoice_lines",
  "api_keys",
  "budgets",
  "tenant_markups",
] as const;

const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  createdAt: z.string().datetime(),
  /** The store's absolute path where the backup was taken. */
  source: z.string(),
  /** Applied migrations: how many, and the newest one's timestamp (drizzle `created_at`). */
  migrations: z.object({ count: z.number().int().min(0), newest: z.number().int().min(0) }),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  tables: z.record(z.string(), z.number().int().min(0)),
});

export type BackupManifest = z.infer<typeof manifestSchema>;

/** What went wrong, for the CLI's exit code: `exists`, `not_found` are the user's to fix (2). */
export type BackupErrorCode = "invalid" | "exists" | "not_found" | "busy" | "too_large" | "failed";

export class BackupError extends Error {
  override name = "BackupError";
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Where backups are kept: a folder or an S3 prefix. Names are relative to it, without "/".
 * The real S3 one is thin (`s3Place`); tests use a folder or the loopback s3rver.
 */
export type BackupPlace = {
  /** The folder or `s3://bucket/prefix`, for messages. */
  location: string;
  /** Where a backup is staged before `putFile` (the folder itself when local, so it is a rename). */
  stagingDir: string;
  /** S3 refuses bigger single uploads. */
  maxBytes: number;
  describe: (name: string) => string;
  /** Stores the staged file under `name` (may move it); `sha256` (hex) lets S3 check the upload. */
  putFile: (name: string, localPath: string, sha256: string, createdAt: string) => Promise<void>;
  putText: (name: string, text: string) => Promise<void>;
  /** Copies `name` to `localPath`; `BackupError("not_found")` when there is none. */
  getFile: (name: string, localPath: string) => Promise<void>;
  /** The text of `name`, or undefined when there is none. */
  getText: (name: string) => Promise<string | undefined>;
  /** Names directly in the place (not in sub-folders / deeper prefixes). */
  list: () => Promise<string[]>;
  remove: (name: string) => Promise<void>;
};

/** A local folder (created when missing). Files are written beside, fsynced, then renamed. */
export function folderPlace(dir: string): BackupPlace {
  const path = (name: string) => join(dir, name);
  return {
    location: dir,
    stagingDir: dir,
    maxBytes: Number.MAX_SAFE_INTEGER,
    describe: path,
    putFile: async (name, localPath) => {
      mkdirSync(dir, { recursive: true });
      if (resolve(dirname(localPath)) === resolve(dir)) {
        fsyncFile(localPath);
        renameSync(localPath, path(name));
      } else {
        const part = path(`.${name}.part-${randomBytes(4).toString("hex")}`);
        copyFileSync(localPath, part);
        fsyncFile(part);
        renameSync(part, path(name));
      }
      fsyncDir(dir);
    },
    putText: async (name, text) => {
      mkdirSync(dir, { recursive: true });
      const part = path(`.${name}.part-${randomBytes(4).toString("hex")}`);
      writeFileSync(part, text);
      fsyncFile(part);
      renameSync(part, path(name));
      fsyncDir(dir);
    },
    getFile: async (name, localPath) => {
      if (!existsSync(path(name))) throw new BackupError("not_found", `${path(name)}: no such backup`);
      copyFileSync(path(name), localPath);
    },
    getText: async (name) => (existsSync(path(name)) ? readFileSync(path(name), "utf8") : undefined),
    list: async () =>
      existsSync(dir)
        ? readdirSync(dir, { withFileTypes: true })
            .filter((e) => e.isFile())
            .map((e) => e.name)
        : [],
    remove: async (name) => rmSync(path(name), { force: true }),
  };
}

/**
 * An S3 prefix (`prefix` is "" or ends with "/"), through a client from the standard credential
 * chain (`createS3Client`). Single PutObject uploads: up to `S3_PUT_LIMIT_BYTES`.
 */
export function s3Place(client: S3Client, bucket: string, prefix: string): BackupPlace {
  const key = (name: string) => `${prefix}${name}`;
  const url = (name: string) => `s3://${bucket}/${key(name)}`;
  const sdk = () => import("@aws-sdk/client-s3");
  const isMissing = (error: unknown) =>
    typeof error === "object" &&
    error !== null &&
    "name" in error &&
    (error.name === "NoSuchKey" || error.name === "NotFound");
  return {
    location: `s3://${bucket}/${prefix}`,
    stagingDir: tmpdir(),
    maxBytes: S3_PUT_LIMIT_BYTES,
    describe: url,
    putFile: async (name, localPath, sha256, createdAt) => {
      const { PutObjectCommand } = await sdk();
      // The checksum as a header: S3 refuses an upload whose bytes differ, and the SDK sends the
      // body as it is (no aws-chunked framing with a trailing checksum, which s3rver would store).
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(name),
          Body: createReadStream(localPath),
          ContentLength: statSync(localPath).size,
          ContentType: "application/vnd.sqlite3",
          ChecksumSHA256: Buffer.from(sha256, "hex").toString("base64"),
          Metadata: { "chargeback-sha256": sha256, "chargeback-created-at": createdAt },
        }),
      );
    },
    putText: async (name, text) => {
      const { PutObjectCommand } = await sdk();
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key(name), Body: text, ContentType: "application/json" }),
      );
    },
    getFile: async (name, localPath) => {
      const { GetObjectCommand } = await sdk();
      let body: unknown;
      let length: number | undefined;
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(name) }));
        body = response.Body;
        length = response.ContentLength;
      } catch (error) {
        if (isMissing(error)) throw new BackupError("not_found", `${url(name)}: no such backup`);
        throw error;
      }
      if (!isReadable(body)) throw new Error(`${url(name)}: GetObject returned no readable body`);
      await pipeline(body, createWriteStream(localPath));
      const got = statSync(localPath).size;
      if (length !== undefined && got !== length)
        throw new Error(`${url(name)}: download ended after ${got} of ${length} bytes`);
    },
    getText: async (name) => {
      const { GetObjectCommand } = await sdk();
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(name) }));
        return (await response.Body?.transformToString("utf8")) ?? "";
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    list: async () => {
      const { ListObjectsV2Command } = await sdk();
      const names: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: bucket,
            Prefix: prefix,
            Delimiter: "/",
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) if (o.Key) names.push(o.Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return names;
    },
    remove: async (name) => {
      const { DeleteObjectCommand } = await sdk();
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key(name) }));
    },
  };
}

function isReadable(body: unknown): body is Readable {
  return typeof body === "object" && body !== null && Symbol.asyncIterator in body && "pipe" in body;
}

/** `s3://bucket/key` or a local path, as a place and a name in it. */
export type BackupLocation =
  | { kind: "file"; dir: string; name: string }
  | { kind: "s3"; bucket: string; prefix: string; name: string };

/**
 * Parses `--to`/`--from` (one backup: the name is its last part) or, with `folder`, `--backup-to`
 * (a folder or prefix: the name is empty). Throws a plain sentence on a bad value.
 * @example parseBackupLocation("s3://ops/chargeback/2026.db") // { kind: "s3", bucket: "ops", prefix: "chargeback/", name: "2026.db" }
 */
export function parseBackupLocation(text: string, folder = false): BackupLocation {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (s3) {
    const bucket = s3[1] ?? "";
    const rest = s3[2] ?? "";
    if (folder)
      return { kind: "s3", bucket, prefix: rest === "" || rest.endsWith("/") ? rest : `${rest}/`, name: "" };
    const cut = rest.lastIndexOf("/");
    const name = rest.slice(cut + 1);
    if (name === "") throw new Error(`${text}: expected s3://bucket/key (a key, not a prefix)`);
    return { kind: "s3", bucket, prefix: rest.slice(0, cut + 1), name };
  }
  if (text.startsWith("s3:")) throw new Error(`${text}: expected s3://bucket/key`);
  if (folder) return { kind: "file", dir: text, name: "" };
  return { kind: "file", dir: dirname(text), name: basename(text) };
}

/** What `inspectStore` found in a SQLite file that passed its checks. */
export type StoreFacts = { migrations: { count: number; newest: number }; tables: Record<string, number> };

/**
 * Checks that `path` is a whole chargeback store and says what is in it: the SQLite header,
 * `PRAGMA integrity_check`, the expected tables, a migration level this code knows. Opens it
 * read-only (so its bytes, and their sha256, stay as they are).
 */
export function inspectStore(path: string): StoreFacts {
  const header = Buffer.alloc(16);
  const fd = openSync(path, "r");
  let read: number;
  try {
    read = readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 16 || header.toString("latin1") !== "SQLite format 3\0")
    throw new BackupError(
      "invalid",
      "not a SQLite database (the file does not start with the SQLite header)",
    );
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError("invalid", `cannot open it as SQLite: ${messageOf(error)}`);
  }
  try {
    let problems: string[];
    try {
      problems = sqlite
        .prepare("PRAGMA integrity_check(20)")
        .pluck()
        .all()
        .map((row) => String(row));
    } catch (error) {
      throw new BackupError("invalid", `integrity check failed: ${messageOf(error)}`);
    }
    if (problems.length !== 1 || problems[0] !== "ok")
      throw new BackupError("invalid", `integrity check failed: ${problems.slice(0, 5).join("; ")}`);
    const names = new Set(
      sqlite
        // usage_hourly is a view over usage_hourly_rows since migration 0009 (usage_daily and
        // usage_monthly over their rows tables since 0010).
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")
        .pluck()
        .all()
        .map((n) => String(n)),
    );
    const missing = REQUIRED_TABLES.filter((t) => !names.has(t));
    if (missing.length > 0)
      throw new BackupError("invalid", `not a chargeback store: it has no table ${missing.join(", ")}`);
    const level = sqlite
      .prepare("SELECT COUNT(*) AS count, MAX(created_at) AS newest FROM __drizzle_migrations")
      .get();
    const count = Number(typeof level === "object" && level !== null && "count" in level ? level.count : 0);
    const newest = Number(
      typeof level === "object" && level !== null && "newest" in level ? level.newest : 0,
    );
    const code = codeMigrationLevel();
    if (newest > code.newest || count > code.count)
      throw new BackupError(
        "invalid",
        `the store is at a newer migration level (${count} migrations, newest ${newest}) than this version knows (${code.count}, newest ${code.newest}); restore it with a newer chargeback`,
      );
    const tables: Record<string, number> = {};
    for (const t of COUNTED_TABLES)
      if (names.has(t)) tables[t] = Number(sqlite.prepare(`SELECT COUNT(*) FROM "${t}"`).pluck().get());
    return { migrations: { count, newest }, tables };
  } finally {
    sqlite.close();
  }
}

export type BackupResult = { location: string; manifest: BackupManifest };

/**
 * Takes an online, consistent backup of the store at `sourcePath` and stores it as `name` in
 * `place`, with its manifest as `<name>.json` (written last: a backup without one is refused).
 * The copy is checked (`inspectStore`) before it is stored.
 * @example await backupStore({ sourcePath: "chargeback.db", place: folderPlace("backups"), name: "nightly.db", now: () => new Date() })
 */
export async function backupStore(options: {
  sourcePath: string;
  place: BackupPlace;
  name: string;
  now: () => Date;
}): Promise<BackupResult> {
  const { sourcePath, place, name } = options;
  if (!existsSync(sourcePath)) throw new BackupError("not_found", `${sourcePath}: no such store`);
  if (resolve(place.describe(name)) === resolve(sourcePath))
    throw new BackupError("exists", `${sourcePath}: a backup cannot be written over the store itself`);
  mkdirSync(place.stagingDir, { recursive: true });
  const staging = join(place.stagingDir, `.${name}.partial-${randomBytes(4).toString("hex")}`);
  try {
    const createdAt = options.now().toISOString();
    // Its own connection: it sees committed batches only, never an ingest's open transaction.
    const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
    try {
      source.pragma("busy_timeout = 5000");
      // All pages in one step: one read transaction, so one consistent state (a step that spans
      // several event-loop turns would restart whenever another connection commits).
      await source.backup(staging, { progress: () => 0x7fffffff });
    } finally {
      source.close();
    }
    // A self-contained file (rollback journal): opened anywhere without -wal/-shm beside it.
    const copy = new Database(staging);
    try {
      copy.pragma("journal_mode = DELETE");
    } finally {
      copy.close();
    }
    let facts: StoreFacts;
    try {
      facts = inspectStore(staging);
    } catch (error) {
      throw new BackupError("invalid", `${sourcePath}: the copy is not a sound store: ${messageOf(error)}`);
    }
    const bytes = statSync(staging).size;
    if (bytes > place.maxBytes)
      throw new BackupError(
        "too_large",
        `the backup is ${bytes} bytes, over the ${place.maxBytes}-byte limit of one S3 PutObject; back up to a file and copy it with \`aws s3 cp\` (multipart)`,
      );
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      createdAt,
      source: resolve(sourcePath),
      migrations: facts.migrations,
      bytes,
      sha256: await sha256Of(staging),
      tables: facts.tables,
    };
    await place.putFile(name, staging, manifest.sha256, createdAt);
    await place.putText(`${name}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    return { location: place.describe(name), manifest };
  } finally {
    rmSync(staging, { force: true });
  }
}

/**
 * Checks a backup file against its manifest and `inspectStore`; throws `BackupError("invalid")`
 * naming the first thing wrong.
 */
export async function verifyBackup(path: string, manifest: BackupManifest): Promise<StoreFacts> {
  const bytes = statSync(path).size;
  if (bytes !== manifest.bytes)
    throw new BackupError(
      "invalid",
      `${bytes < manifest.bytes ? "truncated" : "size mismatch"}: ${bytes} bytes, the manifest says ${manifest.bytes}`,
    );
  const sha256 = await sha256Of(path);
  if (sha256 !== manifest.sha256)
    throw new BackupError(
      "invalid",
      `sha256 mismatch: the file's is ${sha256}, the manifest says ${manifest.sha256}`,
    );
  const facts = inspectStore(path);
  if (
    facts.migrations.count !== manifest.migrations.count ||
    facts.migrations.newest !== manifest.migrations.newest
  )
    throw new BackupError("invalid", "manifest mismatch: the migration level differs from the file's");
  for (const [table, rows] of Object.entries(manifest.tables))
    if (facts.tables[table] !== rows)
      throw new BackupError(
        "invalid",
        `manifest mismatch: ${table} has ${facts.tables[table] ?? "no"} rows, the manifest says ${rows}`,
      );
  return facts;
}

/** Reads and validates `<name>.json`. */
export async function readManifest(place: BackupPlace, name: string): Promise<BackupManifest> {
  const where = place.describe(`${name}.json`);
  const text = await place.getText(`${name}.json`);
  if (text === undefined)
    throw new BackupError(
      "invalid",
      `no manifest ${where}: a backup is restored only with the manifest written beside it`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BackupError("invalid", `manifest ${where} is not JSON: ${messageOf(error)}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError(
      "invalid",
      `manifest ${where}: ${issue?.path.join(".") || "value"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

export type RestoreResult = { from: string; target: string; manifest: BackupManifest; replaced: boolean };

/**
 * Restores backup `name` from `place` over the store at `targetPath`: fetched beside the target,
 * verified (`verifyBackup`), fsynced, renamed into place. Refuses an existing store without
 * `force`, and a store an ingest or another process has open. On any refusal the target is untouched.
 * @example await restoreStore({ place: folderPlace("backups"), name: "nightly.db", targetPath: "chargeback.db", force: false })
 */
export async function restoreStore(options: {
  place: BackupPlace;
  name: string;
  targetPath: string;
  force: boolean;
}): Promise<RestoreResult> {
  const { place, name, targetPath, force } = options;
  const from = place.describe(name);
  const exists = existsSync(targetPath);
  if (exists && !force)
    throw new BackupError("exists", `${targetPath} exists; pass --force to replace it with the backup`);
  if (!exists && existsSync(`${targetPath}-wal`))
    throw new BackupError(
      "invalid",
      `${targetPath}-wal exists without its store; move it away before restoring (it would be applied to the restored store)`,
    );
  const dir = dirname(resolve(targetPath));
  if (!existsSync(dir)) throw new BackupError("not_found", `${dir}: no such folder`);
  let lock: { release: () => void };
  try {
    lock = lockIngestFile(targetPath);
  } catch (error) {
    if (error instanceof IngestBusyError) throw new BackupError("busy", error.message);
    throw error;
  }
  const staging = join(dir, `.${basename(targetPath)}.restore-${randomBytes(4).toString("hex")}`);
  try {
    const manifest = await readManifest(place, name);
    await place.getFile(name, staging);
    try {
      await verifyBackup(staging, manifest);
    } catch (error) {
      throw new BackupError("invalid", `${from}: refused: ${messageOf(error)}`);
    }
    fsyncFile(staging);
    if (exists) takeOutOfUse(targetPath);
    renameSync(staging, targetPath);
    fsyncDir(dir);
    return { from, target: targetPath, manifest, replaced: exists };
  } finally {
    rmSync(staging, { force: true });
    lock.release();
  }
}

/**
 * Makes sure no other connection has the store open and its WAL is folded in and gone (a stale
 * `-wal` beside the restored file would be replayed onto it): leaving WAL mode needs every other
 * connection closed, so SQLITE_BUSY here means a server, collector or reader still has it.
 */
function takeOutOfUse(path: string): void {
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path, { fileMustExist: true, timeout: 0 });
  } catch (error) {
    throw new BackupError("failed", `cannot open ${path} to replace it: ${messageOf(error)}`);
  }
  try {
    const mode = sqlite.pragma("journal_mode = DELETE", { simple: true });
    if (mode !== "delete") throw new Error(`journal mode stayed ${String(mode)}`);
  } catch (error) {
    throw new BackupError(
      "busy",
      `${path} is in use by another process (\`chargeback serve\`, \`collect --watch\`, an ingest?): ${messageOf(error)}; stop it and run again`,
    );
  } finally {
    sqlite.close();
  }
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
}

/** `chargeback-20261129T220000Z.db`: what periodic backups are called, and all retention touches. */
export const BACKUP_NAME_PATTERN = /^chargeback-\d{8}T\d{6}Z\.db$/;

export function backupNameAt(at: Date): string {
  return `chargeback-${at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z")}.db`;
}

/**
 * Keeps the newest `keep` periodic backups in `place` and deletes older ones with their manifests.
 * Only names matching `BACKUP_NAME_PATTERN` are considered: nothing else in the place is touched.
 * Returns the names removed.
 */
export async function pruneBackups(place: BackupPlace, keep: number): Promise<string[]> {
  const names = (await place.list()).filter((n) => BACKUP_NAME_PATTERN.test(n)).sort();
  const old = names.slice(0, Math.max(0, names.length - keep));
  for (const name of old) {
    await place.remove(`${name}.json`);
    await place.remove(name);
  }
  return old;
}

/** `6h`, `30m`, `1d`, `90s` in milliseconds; throws a sentence on anything else. */
export function parseDuration(text: string): number {
  const m = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`${JSON.stringify(text)}: expected a duration such as 90s, 30m, 6h or 1d`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
  return Number(m[1]) * unit;
}

export type PeriodicBackups = { stop: () => Promise<void> };

/**
 * Backs the store up now and then every `everyMs`, named by UTC time, pruning to `keep` when
 * given. A failed backup is reported and the next one still runs.
 */
export function startPeriodicBackups(options: {
  sourcePath: string;
  place: BackupPlace;
  everyMs: number;
  keep?: number | undefined;
  now: () => Date;
  onBackup: (result: BackupResult, removed: string[]) => void;
  onError: (error: unknown) => void;
}): PeriodicBackups {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const once = async () => {
    try {
      const at = options.now();
      const result = await backupStore({
        sourcePath: options.sourcePath,
        place: options.place,
        name: backupNameAt(at),
        now: () => at,
      });
      const removed = options.keep === undefined ? [] : await pruneBackups(options.place, options.keep);
      options.onBackup(result, removed);
    } catch (error) {
      options.onError(error);
    }
  };
  const tick = () => {
    running = once().then(() => {
      if (!stopped) timer = setTimeout(tick, options.everyMs);
    });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest("hex");
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot fsync a folder; the rename is still atomic.
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
