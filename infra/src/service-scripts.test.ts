/**
 * infra/service/chargeback-prepare.sh, the script the service instance runs before the API and the
 * collector start, and chargeback-final-backup.sh, which it runs when it stops
 * (docs/adr/0008-deployment.md), run here by bash with the real `chargeback`
 * (through tsx) against the loopback S3. Only the `aws` CLI is a stand-in: it prints the listing
 * the test gives it and records what it was asked, and for put-secret-value copies the file it was
 * handed (what Secrets Manager would store).
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createS3Client } from "@bedrock-chargeback/collector";
import {
  childProcessEnv,
  putObjects,
  type S3Stand,
  startS3rver,
} from "@bedrock-chargeback/collector/testing";
import { backupStore, createDb, s3Place } from "@bedrock-chargeback/ledger";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { INFRA_DIR } from "./app";
import { SERVICE_FILES_DIR } from "./stacks/service-stack";

const REPO = join(INFRA_DIR, "..");
const PREPARE = join(SERVICE_FILES_DIR, "chargeback-prepare.sh");
const FINAL_BACKUP = join(SERVICE_FILES_DIR, "chargeback-final-backup.sh");
const BUCKET = "backups";
const SECRET_ID = "arn:aws:secretsmanager:us-east-1:123456789012:secret:chargeback-admin-AbCdEf";

let s3: S3Stand;
let root: string;
let bin: string;

/** The stand-in `aws`: records its arguments; list-objects-v2 prints $FAKE_AWS_LIST (or fails). */
const FAKE_AWS = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_AWS_LOG"
case "$1 $2" in
  "s3api list-objects-v2")
    [ -n "\${FAKE_AWS_LIST_FAILS:-}" ] && { echo "An error occurred (AccessDenied)" >&2; exit 254; }
    cat "$FAKE_AWS_LIST" ;;
  "secretsmanager put-secret-value")
    while [ $# -gt 0 ]; do
      [ "$1" = "--secret-string" ] && cp "\${2#file://}" "$FAKE_SECRET"
      shift
    done
    echo '{"VersionId":"v1"}' ;;
  *) echo "fake aws: unexpected $*" >&2; exit 2 ;;
esac
`;

beforeAll(async () => {
  s3 = await startS3rver([BUCKET]);
  // For the backups this test takes in-process (the script's children get them in their env).
  vi.stubEnv("AWS_ACCESS_KEY_ID", "S3RVER");
  vi.stubEnv("AWS_SECRET_ACCESS_KEY", "S3RVER");
  root = mkdtempSync(join(tmpdir(), "chargeback-prepare-"));
  bin = join(root, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "aws"), FAKE_AWS);
  writeFileSync(
    join(bin, "chargeback"),
    `#!/usr/bin/env bash\nexec "${process.execPath}" --import tsx "${join(REPO, "cli", "src", "main.ts")}" "$@"\n`,
  );
  chmodSync(join(bin, "aws"), 0o755);
  chmodSync(join(bin, "chargeback"), 0o755);
}, 60_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await s3?.stop();
  rmSync(root, { recursive: true, force: true });
});

type Run = { code: number | null; stdout: string; stderr: string; aws: string[]; secret: string | undefined };

/** Runs the prepare script for a fresh instance folder `name` (store, runtime dir, stand-in files). */
async function prepare(
  name: string,
  listing: string | "fails",
  existingStore?: string,
  script = PREPARE,
): Promise<Run & { dir: string; db: string }> {
  const dir = join(root, name);
  mkdirSync(join(dir, "run"), { recursive: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  const db = join(dir, "data", "chargeback.db");
  if (existingStore !== undefined) writeFileSync(db, existingStore);
  writeFileSync(join(dir, "listing.txt"), listing === "fails" ? "" : listing);
  const env = childProcessEnv({
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    CHARGEBACK_DB: db,
    CHARGEBACK_BACKUP_BUCKET: BUCKET,
    CHARGEBACK_BACKUP_PREFIX: "chargeback/",
    CHARGEBACK_ADMIN_SECRET_ID: SECRET_ID,
    RUNTIME_DIRECTORY: join(dir, "run"),
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    CHARGEBACK_AWS_ENDPOINT: s3.endpoint,
    FAKE_AWS_LOG: join(dir, "aws.log"),
    FAKE_AWS_LIST: join(dir, "listing.txt"),
    FAKE_SECRET: join(dir, "secret.txt"),
    ...(listing === "fails" ? { FAKE_AWS_LIST_FAILS: "1" } : {}),
  });
  const child = spawn("bash", [script], { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const read = (file: string) =>
    existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : undefined;
  return {
    code,
    stdout,
    stderr,
    aws: (read("aws.log") ?? "").split("\n").filter((l) => l !== ""),
    secret: read("secret.txt"),
    dir,
    db,
  };
}

function keyRows(db: string): { name: string; role: string; prefix: string; hash: string }[] {
  const store = createDb(db, { readonly: true });
  try {
    return store.$client.prepare("SELECT name, role, prefix, hash FROM api_keys ORDER BY name").all() as {
      name: string;
      role: string;
      prefix: string;
      hash: string;
    }[];
  } finally {
    store.$client.close();
  }
}

describe("chargeback-prepare.sh", () => {
  it("with no store and no backup: creates the store and an admin key that goes to Secrets Manager only", async () => {
    const run = await prepare("fresh", "None\n");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.aws[0]).toBe(
      "s3api list-objects-v2 --bucket backups --prefix chargeback/chargeback- --query Contents[].Key --output text",
    );
    expect(run.aws[1]).toMatch(
      new RegExp(
        `^secretsmanager put-secret-value --secret-id ${SECRET_ID} --secret-string file://${run.dir}/run/admin-key\\.[A-Za-z0-9]{6}$`,
      ),
    );
    expect(run.aws).toHaveLength(2);
    // The secret is the key itself, no newline; the store holds only its hash.
    expect(run.secret).toMatch(/^cb_[A-Za-z0-9_-]{43}$/);
    const key = run.secret ?? "";
    // Never printed, and the file handed to the aws CLI is gone; nothing left beside the store.
    expect(run.stdout).not.toContain(key);
    expect(run.stdout).toContain(
      `prepare: created ${run.db}; the admin API key is in Secrets Manager (${SECRET_ID})`,
    );
    expect(readdirSync(join(run.dir, "run"))).toEqual([]);
    expect(readdirSync(join(run.dir, "data"))).toEqual(["chargeback.db"]);
    expect(keyRows(run.db)).toEqual([
      {
        name: "bootstrap admin",
        role: "admin",
        prefix: key.slice(0, 10),
        hash: createHash("sha256").update(key).digest("hex"),
      },
    ]);
  }, 120_000);

  it("with a store in place: does nothing, asks AWS nothing", async () => {
    const run = await prepare("present", "None\n", "the store");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`prepare: store ${run.db} is in place\n`);
    expect(run.aws).toEqual([]);
    expect(readFileSync(run.db, "utf8")).toBe("the store");
  }, 60_000);

  it("with no store and backups: restores the newest one that has its manifest, and creates no key", async () => {
    const source = join(root, "source.db");
    const store = createDb(source);
    const addKey = (name: string) =>
      store.$client
        .prepare(
          "INSERT INTO api_keys (id, name, role, prefix, hash, created_at) VALUES (?, ?, 'admin', ?, ?, ?)",
        )
        .run(`key_${name}`, name, `cb_${name}`, `hash-${name}`, "2026-11-01T00:00:00.000Z");
    const client = await createS3Client({ region: "us-east-1", endpoint: s3.endpoint });
    const place = s3Place(client, BUCKET, "chargeback/");
    const now = () => new Date("2026-11-02T00:00:00Z");
    addKey("older");
    await backupStore({ sourcePath: source, place, name: "chargeback-20261101T000000Z.db", now });
    addKey("newer");
    await backupStore({ sourcePath: source, place, name: "chargeback-20261102T000000Z.db", now });
    store.$client.close();
    // A newer backup whose upload stopped before its manifest, and a key deeper in the prefix.
    await putObjects(s3.endpoint, BUCKET, [
      { key: "chargeback/chargeback-20261103T000000Z.db", body: Buffer.from("partial") },
      { key: "chargeback/chargeback-old/chargeback-20261201T000000Z.db.json", body: Buffer.from("{}") },
    ]);
    const listing = [
      "chargeback/chargeback-20261101T000000Z.db",
      "chargeback/chargeback-20261101T000000Z.db.json",
      "chargeback/chargeback-20261102T000000Z.db",
      "chargeback/chargeback-20261102T000000Z.db.json",
      "chargeback/chargeback-20261103T000000Z.db",
      "chargeback/chargeback-old/chargeback-20261201T000000Z.db.json",
    ].join("\t");

    const run = await prepare("restore", `${listing}\n`);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "prepare: no store; restoring the newest backup s3://backups/chargeback/chargeback-20261102T000000Z.db\n",
    );
    expect(keyRows(run.db).map((k) => k.name)).toEqual(["newer", "older"]);
    expect(run.aws).toHaveLength(1);
    expect(run.secret).toBeUndefined();
    client.destroy();
  }, 120_000);

  it("refuses to start when the newest backup is damaged, and makes no empty store in its place", async () => {
    await putObjects(s3.endpoint, BUCKET, [
      { key: "chargeback/chargeback-20261104T000000Z.db", body: Buffer.from("not a store") },
      {
        key: "chargeback/chargeback-20261104T000000Z.db.json",
        // A manifest that does not match the object: restore must refuse it.
        body: Buffer.from(
          JSON.stringify({
            format: "chargeback-backup/1",
            createdAt: "2026-11-04T00:00:00.000Z",
            source: "/var/lib/chargeback/chargeback.db",
            migrations: { count: 1, newest: 1 },
            bytes: 11,
            sha256: "0".repeat(64),
            tables: {},
          }),
        ),
      },
    ]);
    const run = await prepare(
      "damaged",
      "chargeback/chargeback-20261102T000000Z.db.json\tchargeback/chargeback-20261104T000000Z.db.json\n",
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      "restoring the newest backup s3://backups/chargeback/chargeback-20261104T000000Z.db",
    );
    const sha = createHash("sha256").update("not a store").digest("hex");
    expect(run.stderr).toBe(
      `error: s3://backups/chargeback/chargeback-20261104T000000Z.db: refused: sha256 mismatch: the file's is ${sha}, the manifest says ${"0".repeat(64)}\n`,
    );
    expect(existsSync(run.db)).toBe(false);
    expect(run.secret).toBeUndefined();
  }, 120_000);

  it("stops when the backups cannot be listed, instead of starting over with an empty store", async () => {
    const run = await prepare("unlistable", "fails");
    expect(run.code).toBe(254);
    expect(run.stderr).toContain("AccessDenied");
    expect(existsSync(run.db)).toBe(false);
    expect(run.aws).toHaveLength(1);
  }, 60_000);
});

describe("chargeback-final-backup.sh", () => {
  it("backs the store up under a periodic backup's name, which the next prepare restores", async () => {
    const first = await prepare("final", "None\n");
    expect(first.code).toBe(0);
    const started = new Date();
    const run = await prepare("final", "None\n", undefined, FINAL_BACKUP);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const name = /^backup s3:\/\/backups\/chargeback\/(chargeback-\d{8}T\d{6}Z\.db): \d+ bytes/m.exec(
      run.stdout,
    )?.[1];
    expect(name, run.stdout).toBeDefined();
    const taken = new Date(
      (name ?? "").replace(
        /^chargeback-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.db$/,
        "$1-$2-$3T$4:$5:$6Z",
      ),
    );
    expect(taken.getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    const client = await createS3Client({ region: "us-east-1", endpoint: s3.endpoint });
    const names = await s3Place(client, BUCKET, "chargeback/").list();
    client.destroy();
    expect(names).toEqual(expect.arrayContaining([name, `${name}.json`]));
    // A new instance restores it: the same admin key row.
    const restored = await prepare("after-final", `chargeback/${name}.json\n`);
    expect(restored.code).toBe(0);
    expect(keyRows(restored.db)).toEqual(keyRows(first.db));
  }, 120_000);
});
