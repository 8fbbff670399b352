/**
 * Backups and restores (issue #18): a restore checks the backup before it touches the target, and
 * every damaged or foreign backup is refused by name with the target byte-for-byte as it was.
 * Retention removes only the periodic backups beyond the newest N. S3 runs on s3rver (loopback).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import {
  type BackupManifest,
  type BackupPlace,
  backupNameAt,
  backupStore,
  codeMigrationLevel,
  createDb,
  folderPlace,
  loadCatalog,
  lockIngestFile,
  MANIFEST_FORMAT,
  PriceBook,
  pruneBackups,
  queryUsage,
  restoreStore,
  SHIPPED_CATALOG_PATH,
  s3Place,
  startPeriodicBackups,
  syncCatalog,
  totalOf,
} from "@bedrock-chargeback/ledger";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invocationRecord, tempDir } from "../testing/fixtures";
import { type S3Stand, startS3rver } from "../testing/s3rver";
import { ingestRecords } from "../testing/usage-records";

const NOW = () => new Date("2026-11-29T22:00:00Z");

/** A file store with `n` requests (100 input, 50 output tokens each) over a few hours. */
function makeStore(dir: string, n: number, name = "store.db"): string {
  const path = join(dir, name);
  const db = createDb(path);
  syncCatalog(db, loadCatalog(SHIPPED_CATALOG_PATH), "catalog", new Date("2026-11-01T00:00:00Z"));
  ingestRecords(
    db,
    Array.from({ length: n }, (_, i) =>
      invocationRecord({
        requestId: `r-${name}-${i}`,
        timestamp: `2026-10-05T${String(10 + (i % 5)).padStart(2, "0")}:15:00.000Z`,
      }),
    ),
  );
  db.$client.close();
  return path;
}

function totalsOf(path: string) {
  const db = createDb(path);
  try {
    const t = totalOf(queryUsage(db, PriceBook.load(db), { from: "2026-09-01", to: "2026-12-01", by: [] }));
    return { requests: t.requests, input: t.inputTokens, output: t.outputTokens };
  } finally {
    db.$client.close();
  }
}

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/** A manifest that matches whatever `path` holds (to reach the checks after the checksum). */
function writeMatchingManifest(path: string, extra: Partial<BackupManifest> = {}): void {
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    createdAt: NOW().toISOString(),
    source: "/elsewhere/store.db",
    migrations: { count: 0, newest: 0 },
    bytes: readFileSync(path).length,
    sha256: sha(path),
    tables: {},
    ...extra,
  };
  writeFileSync(`${path}.json`, JSON.stringify(manifest));
}

describe("backup and restore (folder)", () => {
  it("backs up with a manifest and restores a store with the same totals and rows", async () => {
    const dir = tempDir("backup-");
    const source = makeStore(dir, 30);
    const { location, manifest } = await backupStore({
      sourcePath: source,
      place: folderPlace(join(dir, "backups")),
      name: "b.db",
      now: NOW,
    });
    expect(location).toBe(join(dir, "backups", "b.db"));
    const onDisk = JSON.parse(readFileSync(`${location}.json`, "utf8"));
    expect(onDisk).toEqual(manifest);
    expect(manifest).toMatchObject({
      format: MANIFEST_FORMAT,
      createdAt: "2026-11-29T22:00:00.000Z",
      source,
      migrations: codeMigrationLevel(),
      bytes: readFileSync(location).length,
      sha256: sha(location),
    });
    expect(manifest.tables.usage_hourly).toBe(5);
    expect(manifest.tables.prices).toBeGreaterThan(10);
    // Staging files are gone: only the backup and its manifest.
    expect(readdirSync(join(dir, "backups")).sort()).toEqual(["b.db", "b.db.json"]);

    const target = join(dir, "restored.db");
    const result = await restoreStore({
      place: folderPlace(join(dir, "backups")),
      name: "b.db",
      targetPath: target,
      force: false,
    });
    expect(result.replaced).toBe(false);
    expect(totalsOf(target)).toEqual({ requests: 30, input: 3000, output: 1500 });
    expect(totalsOf(target)).toEqual(totalsOf(source));
  });

  it("refuses an existing store without --force, one in use, and one an ingest holds; replaces with --force", async () => {
    const dir = tempDir("backup-force-");
    const place = folderPlace(dir);
    await backupStore({ sourcePath: makeStore(dir, 7, "a.db"), place, name: "a.bak", now: NOW });
    const target = makeStore(dir, 3, "target.db");
    const before = sha(target);
    await expect(
      restoreStore({ place, name: "a.bak", targetPath: target, force: false }),
    ).rejects.toMatchObject({
      code: "exists",
      message: expect.stringMatching(/target\.db exists; pass --force/),
    });
    const lock = lockIngestFile(target);
    await expect(
      restoreStore({ place, name: "a.bak", targetPath: target, force: true }),
    ).rejects.toMatchObject({
      code: "busy",
      message: expect.stringMatching(/another ingest is running on .*target\.db/),
    });
    lock.release();
    const reader = new Database(target, { readonly: true });
    reader.prepare("SELECT COUNT(*) FROM usage_hourly").get();
    await expect(
      restoreStore({ place, name: "a.bak", targetPath: target, force: true }),
    ).rejects.toMatchObject({
      code: "busy",
      message: expect.stringMatching(/in use by another process/),
    });
    reader.close();
    expect(sha(target)).toBe(before);
    expect(totalsOf(target).requests).toBe(3);
    const result = await restoreStore({ place, name: "a.bak", targetPath: target, force: true });
    expect(result.replaced).toBe(true);
    expect(totalsOf(target).requests).toBe(7);
    await expect(
      backupStore({ sourcePath: target, place, name: "target.db", now: NOW }),
    ).rejects.toMatchObject({
      code: "exists",
      message: expect.stringMatching(/cannot be written over the store itself/),
    });
    expect(totalsOf(target).requests).toBe(7);
  });

  describe("refuses a bad backup by name and leaves the target untouched", () => {
    let dir: string;
    let target: string;
    let targetSha: string;
    let good: string;
    let place: BackupPlace;
    beforeAll(async () => {
      dir = tempDir("backup-bad-");
      place = folderPlace(dir);
      await backupStore({ sourcePath: makeStore(dir, 20, "src.db"), place, name: "good.db", now: NOW });
      good = join(dir, "good.db");
      target = makeStore(dir, 4, "target.db");
      targetSha = sha(target);
    });

    /** A copy of the good backup and its manifest, changed by `damage`. */
    function variant(
      name: string,
      damage: (bytes: Buffer) => Buffer,
      manifest?: (m: BackupManifest) => BackupManifest,
    ) {
      writeFileSync(join(dir, name), damage(Buffer.from(readFileSync(good))));
      const m: BackupManifest = JSON.parse(readFileSync(`${good}.json`, "utf8"));
      writeFileSync(join(dir, `${name}.json`), JSON.stringify(manifest ? manifest(m) : m));
    }

    async function expectRefused(name: string, message: RegExp) {
      await expect(restoreStore({ place, name, targetPath: target, force: true })).rejects.toMatchObject({
        code: "invalid",
        message: expect.stringMatching(message),
      });
      expect(sha(target)).toBe(targetSha);
      expect(totalsOf(target).requests).toBe(4);
      expect(readdirSync(dir).filter((f) => f.includes(".restore-"))).toEqual([]);
    }

    it("truncated", async () => {
      variant("truncated.db", (b) => b.subarray(0, Math.floor(b.length / 2)));
      const size = readFileSync(good).length;
      await expectRefused(
        "truncated.db",
        new RegExp(`truncated: ${Math.floor(size / 2)} bytes, the manifest says ${size}`),
      );
    });

    it("flipped bytes", async () => {
      variant("flipped.db", (b) => {
        for (let i = 5000; i < 5016; i++) b[i] = (b[i] ?? 0) ^ 0xff;
        return b;
      });
      await expectRefused("flipped.db", /sha256 mismatch: the file's is [0-9a-f]{64}, the manifest says/);
    });

    it("a damaged page whose manifest matches (integrity_check)", async () => {
      const name = "damaged.db";
      const bytes = Buffer.from(readFileSync(good));
      const pageSize = bytes.readUInt16BE(16);
      bytes.fill(0xee, pageSize, pageSize + 64); // page 2's b-tree header
      writeFileSync(join(dir, name), bytes);
      writeMatchingManifest(join(dir, name));
      await expectRefused(name, /integrity check failed: /);
    });

    it("not a SQLite file", async () => {
      writeFileSync(join(dir, "notes.db"), "name,cost\nacme,12.5\n".repeat(200));
      writeMatchingManifest(join(dir, "notes.db"));
      await expectRefused("notes.db", /not a SQLite database/);
    });

    it("a SQLite file that is not a chargeback store", async () => {
      const other = new Database(join(dir, "other.db"));
      other.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1);");
      other.close();
      writeMatchingManifest(join(dir, "other.db"));
      await expectRefused(
        "other.db",
        /not a chargeback store: it has no table __drizzle_migrations, usage_hourly/,
      );
    });

    it("a manifest that does not match the file's rows", async () => {
      variant(
        "edited.db",
        (b) => b,
        (m) => ({ ...m, tables: { ...m.tables, usage_hourly: 6 } }),
      );
      await expectRefused("edited.db", /manifest mismatch: usage_hourly has 5 rows, the manifest says 6/);
    });

    it("no manifest, or one that is not a manifest", async () => {
      writeFileSync(join(dir, "bare.db"), readFileSync(good));
      await expectRefused("bare.db", /no manifest .*bare\.db\.json/);
      variant(
        "odd.db",
        (b) => b,
        (m) => ({ ...m, sha256: "abc" }),
      );
      await expectRefused("odd.db", /manifest .*odd\.db\.json: sha256: /);
    });

    it("a store from a newer version (migration level)", async () => {
      const path = makeStore(dir, 1, "newer.db");
      const db = new Database(path);
      db.prepare("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('x', ?)").run(
        codeMigrationLevel().newest + 1,
      );
      db.pragma("journal_mode = DELETE");
      db.close();
      writeMatchingManifest(path);
      await expectRefused(
        "newer.db",
        new RegExp(`newer migration level \\(${codeMigrationLevel().count + 1} migrations`),
      );
    });
  });
});

describe("retention", () => {
  it("keeps exactly the newest N periodic backups and their manifests, and nothing else is touched", async () => {
    const dir = tempDir("backup-keep-");
    const source = makeStore(dir, 2, "src.db");
    const place = folderPlace(join(dir, "backups"));
    const hours = [3, 1, 5, 2, 4].map((h) => new Date(Date.UTC(2026, 10, 29, h)));
    for (const at of hours)
      await backupStore({ sourcePath: source, place, name: backupNameAt(at), now: () => at });
    const others = [
      "notes.txt",
      "chargeback-manual.db",
      "chargeback-20261129T000000Z.db.bak",
      "other.db.json",
    ];
    for (const f of others) writeFileSync(join(dir, "backups", f), "keep me");
    mkdirSync(join(dir, "backups", "chargeback-20200101T000000Z.db"));
    const removed = await pruneBackups(place, 2);
    expect(removed).toEqual([
      "chargeback-20261129T010000Z.db",
      "chargeback-20261129T020000Z.db",
      "chargeback-20261129T030000Z.db",
    ]);
    expect(readdirSync(join(dir, "backups")).sort()).toEqual(
      [
        ...others,
        "chargeback-20200101T000000Z.db",
        "chargeback-20261129T040000Z.db",
        "chargeback-20261129T040000Z.db.json",
        "chargeback-20261129T050000Z.db",
        "chargeback-20261129T050000Z.db.json",
      ].sort(),
    );
    expect(await pruneBackups(place, 2)).toEqual([]);
  });

  it("periodic backups are named by UTC time and pruned to --backup-keep", async () => {
    const dir = tempDir("backup-periodic-");
    const source = makeStore(dir, 2, "src.db");
    const place = folderPlace(join(dir, "backups"));
    let hour = 0;
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const periodic = startPeriodicBackups({
        sourcePath: source,
        place,
        everyMs: 5,
        keep: 3,
        now: () => new Date(Date.UTC(2026, 10, 29, hour++)),
        onBackup: (r) => {
          names.push(r.location);
          if (names.length === 5) void periodic.stop().then(resolve);
        },
        onError: reject,
      });
    });
    expect(names.length).toBe(5);
    expect(readdirSync(join(dir, "backups")).filter((f) => f.endsWith(".db"))).toEqual([
      "chargeback-20261129T020000Z.db",
      "chargeback-20261129T030000Z.db",
      "chargeback-20261129T040000Z.db",
    ]);
  });
});

describe("backup and restore on S3 (s3rver)", () => {
  let s3: S3Stand;
  let client: S3Client;
  beforeAll(async () => {
    s3 = await startS3rver(["ops"]);
    client = new S3Client({
      region: "us-east-1",
      endpoint: s3.endpoint,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
  }, 30_000);
  afterAll(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it("round-trips a store through S3, refuses a truncated object, and prunes only its prefix", async () => {
    const dir = tempDir("backup-s3-");
    const source = makeStore(dir, 11);
    const place = s3Place(client, "ops", "chargeback/");
    const { location, manifest } = await backupStore({
      sourcePath: source,
      place,
      name: "nightly.db",
      now: NOW,
    });
    expect(location).toBe("s3://ops/chargeback/nightly.db");
    const { GetObjectCommand, HeadObjectCommand, PutObjectCommand } = await import("@aws-sdk/client-s3");
    const head = await client.send(new HeadObjectCommand({ Bucket: "ops", Key: "chargeback/nightly.db" }));
    expect(head.ContentLength).toBe(manifest.bytes);
    expect(head.Metadata?.["chargeback-sha256"]).toBe(manifest.sha256);
    const stored = await client.send(
      new GetObjectCommand({ Bucket: "ops", Key: "chargeback/nightly.db.json" }),
    );
    expect(JSON.parse((await stored.Body?.transformToString()) ?? "")).toEqual(manifest);

    const target = join(dir, "restored.db");
    await restoreStore({ place, name: "nightly.db", targetPath: target, force: false });
    expect(totalsOf(target)).toEqual({ requests: 11, input: 1100, output: 550 });

    // A truncated object (an upload cut short by hand) with the manifest still beside it.
    const good = await client.send(new GetObjectCommand({ Bucket: "ops", Key: "chargeback/nightly.db" }));
    const goodBytes = Buffer.from((await good.Body?.transformToByteArray()) ?? []);
    await client.send(
      new PutObjectCommand({ Bucket: "ops", Key: "chargeback/cut.db", Body: goodBytes.subarray(0, 4096) }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: "ops", Key: "chargeback/cut.db.json", Body: JSON.stringify(manifest) }),
    );
    const restoredSha = sha(target);
    await expect(restoreStore({ place, name: "cut.db", targetPath: target, force: true })).rejects.toThrow(
      new RegExp(
        `s3://ops/chargeback/cut\\.db: refused: truncated: 4096 bytes, the manifest says ${manifest.bytes}`,
      ),
    );
    expect(sha(target)).toBe(restoredSha);
    await expect(
      restoreStore({ place, name: "gone.db", targetPath: join(dir, "x.db"), force: false }),
    ).rejects.toThrow(/no manifest s3:\/\/ops\/chargeback\/gone\.db\.json/);

    // Retention: four periodic backups under the prefix, plus keys it must not touch.
    for (const h of [1, 2, 3, 4]) {
      const at = new Date(Date.UTC(2026, 10, 29, h));
      await backupStore({ sourcePath: source, place, name: backupNameAt(at), now: () => at });
    }
    await client.send(
      new PutObjectCommand({
        Bucket: "ops",
        Key: "chargeback/deeper/chargeback-20200101T000000Z.db",
        Body: "x",
      }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: "ops", Key: "chargeback-20200101T000000Z.db", Body: "x" }),
    );
    expect(await pruneBackups(place, 1)).toEqual([
      "chargeback-20261129T010000Z.db",
      "chargeback-20261129T020000Z.db",
      "chargeback-20261129T030000Z.db",
    ]);
    const { ListObjectsV2Command } = await import("@aws-sdk/client-s3");
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: "ops" }))).Contents ?? []).map(
      (o) => o.Key,
    );
    expect(keys.sort()).toEqual(
      [
        "chargeback-20200101T000000Z.db",
        "chargeback/chargeback-20261129T040000Z.db",
        "chargeback/chargeback-20261129T040000Z.db.json",
        "chargeback/cut.db",
        "chargeback/cut.db.json",
        "chargeback/deeper/chargeback-20200101T000000Z.db",
        "chargeback/nightly.db",
        "chargeback/nightly.db.json",
      ].sort(),
    );
  }, 30_000);
});
