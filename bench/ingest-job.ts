/**
 * One measured job, run in its own process so its peak RSS is its own:
 *   tsx bench/ingest-job.ts <job> <corpus dir> [store path] [threads]
 * jobs: gunzip, parse, parse-2, duckdb (scan + GROUP BY in memory), duckdb-full (dedupe + hourly
 * rollup persisted to a database file), chargeback (the built CLI, cli/dist/main.js, ingesting into
 * a fresh store at <store path>; `--threads <threads>` when given; its own process's peak RSS),
 * reingest (the same ingest again into the existing store), sqlite-floor (ours' rows written
 * again into a fresh store with plain INSERTs: see `sqliteFloor`).
 * Prints one JSON line: { job, seconds, maxRssMB, records, bytes, groups, … }. The timer starts
 * after the corpus is listed and covers loading the job's own modules (ours, DuckDB's addon) and
 * its work; store bytes are measured after it stops, once the WAL is checkpointed.
 */
import { createReadStream, rmSync, statSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";

const [job, corpus = "", storePath = "", threads = ""] = process.argv.slice(2);
/** The measured CLI process's own peak RSS (chargeback, reingest), when the job ran one. */
let childRssKiB: number | undefined;

/** What a job reports besides its time: records read, hourly groups, and what it leaves on disk. */
type Outcome = {
  records: number;
  groups: number;
  /** Inflated bytes (gunzip). */
  inflatedBytes?: number;
  /** The store file after a checkpoint (chargeback, duckdb-full). */
  storeBytes?: number;
  /** Objects read and skipped as already ingested (chargeback, reingest). */
  objectsIngested?: number;
  objectsSkipped?: number;
  /** The job's own wall time when it measures more after the timed work (chargeback). */
  seconds?: number;
  /** sqlite-floor: the same rows written by SQLite alone (`sqliteAlone`). */
  nativeSeconds?: number;
};

async function logFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== "data") out.push(...(await logFiles(path)));
    else if (entry.isFile() && entry.name.endsWith(".json.gz")) out.push(path);
  }
  return out.sort();
}

async function compressedBytes(files: string[]): Promise<number> {
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  return total;
}

async function gunzipOnly(files: string[]): Promise<Outcome> {
  let lines = 0;
  let inflatedBytes = 0;
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      const gz = createReadStream(file).pipe(createGunzip());
      gz.on("data", (chunk: Buffer) => {
        inflatedBytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      gz.on("end", resolve);
      gz.on("error", reject);
    });
  }
  return { records: lines, groups: 0, inflatedBytes };
}

/**
 * The floor for any ingest that reads every record as JSON: read each object whole, inflate,
 * split lines, JSON.parse each (nothing kept). On `threads` worker threads, files dealt round-robin.
 */
const PARSE_FLOOR = `
const { readFileSync } = require("node:fs");
const { gunzipSync } = require("node:zlib");
let records = 0;
for (const file of files) {
  const text = gunzipSync(readFileSync(file)).toString("utf8");
  for (let start = 0; start < text.length; ) {
    let nl = text.indexOf("\\n", start);
    if (nl === -1) nl = text.length;
    if (nl > start && JSON.parse(text.slice(start, nl)).schemaType === "ModelInvocationLog") records += 1;
    start = nl + 1;
  }
}
`;

async function parseFloor(files: string[], threads: number): Promise<Outcome> {
  const { Worker } = await import("node:worker_threads");
  const counts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const mine = files.filter((_f, i) => i % threads === t);
      const code = `const { workerData: files, parentPort } = require("node:worker_threads");${PARSE_FLOOR}parentPort.postMessage(records);`;
      return new Promise<number>((resolve, reject) => {
        const worker = new Worker(code, { eval: true, workerData: mine });
        worker.once("message", resolve);
        worker.once("error", reject);
      });
    }),
  );
  return { records: counts.reduce((a, b) => a + b, 0), groups: 0 };
}

/**
 * `chargeback ingest --source dir` into `storePath`, run as users run it: the installable CLI
 * (cli/dist, built by `pnpm bench:ingest`) in its own process, which reports its peak RSS.
 */
async function chargeback(fresh: boolean): Promise<Outcome> {
  const { spawnSync } = await import("node:child_process");
  const { readFileSync, rmSync } = await import("node:fs");
  const here = new URL(".", import.meta.url).pathname;
  const argv = ["ingest", "--source", "dir", "--path", corpus, "--db", storePath, "--format", "json"];
  if (threads) argv.push("--threads", threads);
  const rssFile = `${storePath}.rss`;
  const child = spawnSync(
    process.execPath,
    ["--import", join(here, "rss-report.mjs"), join(here, "../cli/dist/main.js"), ...argv],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        BENCH_RSS_FILE: rssFile,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    },
  );
  const out = child.stdout;
  if (child.status !== 0) throw new Error(`ingest exited ${child.status}: ${child.stderr}`);
  childRssKiB = Number(readFileSync(rssFile, "utf8"));
  rmSync(rssFile, { force: true });
  const summary = JSON.parse(out) as Record<string, unknown>;
  const outcome = {
    records: Number(summary.records ?? 0),
    objectsIngested: Number(summary.objectsIngested ?? 0),
    objectsSkipped: Number(summary.objectsSkipped ?? 0),
  };
  if (!fresh) return { ...outcome, groups: 0 };
  // After the timer would have stopped in a real run: the checkpoint and counts are not ingest work.
  const seconds = elapsed();
  const { createDb } = await import("../ledger/src/store/db");
  const db = createDb(storePath).$client;
  db.pragma("wal_checkpoint(TRUNCATE)");
  // The hourly rollup's rows, to compare with DuckDB's groups; 0 if the table is renamed.
  let groups = 0;
  try {
    groups = Number(db.prepare("SELECT COUNT(*) FROM usage_hourly").pluck().get());
  } catch (error) {
    process.stderr.write(`bench: hourly groups not counted: ${String(error)}\n`);
  }
  db.close();
  return { ...outcome, groups, storeBytes: statSync(storePath).size, seconds };
}

/** The columns both DuckDB jobs read, and the hourly rollup's GROUP BY over `source`. */
function duckdbSql(files: string[]) {
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(",")}]`;
  const columns = `{schemaType: 'VARCHAR', "timestamp": 'VARCHAR', accountId: 'VARCHAR', region: 'VARCHAR',
    requestId: 'VARCHAR', modelId: 'VARCHAR', errorCode: 'VARCHAR', requestMetadata: 'MAP(VARCHAR, VARCHAR)',
    input: 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)',
    output: 'STRUCT(outputTokenCount BIGINT)'}`;
  const read = `read_json(${list}, format = 'newline_delimited', columns = ${columns}, compression = 'gzip')`;
  // The same GROUP BY as the rollup: hour × account × region × 5 metadata dims × model.
  const rollup = (source: string) => `SELECT substr("timestamp", 1, 13) AS hour, accountId, region,
      requestMetadata['tenant_id'] AS tenant, requestMetadata['application_name'] AS app,
      requestMetadata['cost_center'] AS cc, requestMetadata['environment'] AS env, requestMetadata['team'] AS team,
      modelId,
      count(*) FILTER (WHERE errorCode IS NULL) AS requests, count(*) FILTER (WHERE errorCode IS NOT NULL) AS errors,
      sum(input.inputTokenCount) AS inp, sum(output.outputTokenCount) AS outp,
      sum(input.cacheReadInputTokenCount) AS cr, sum(input.cacheWriteInputTokenCount) AS cw, count(*) AS n
    FROM ${source}
    GROUP BY ALL`;
  return { read, rollup };
}

/** DuckDB's scan: read_json + the rollup's GROUP BY, in memory, no dedupe, nothing persisted. */
async function duckdb(files: string[]): Promise<Outcome> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("SET threads = 2");
  const { read, rollup } = duckdbSql(files);
  const reader = await connection.runAndReadAll(
    `SELECT count(*) AS groups, sum(n) AS records FROM (${rollup(`${read} WHERE schemaType = 'ModelInvocationLog'`)})`,
  );
  const [row] = reader.getRowObjects();
  return { records: Number(row?.records ?? 0), groups: Number(row?.groups ?? 0) };
}

/**
 * DuckDB doing our whole job (issue #15's "same whole job"): into a database file, keep one row
 * per requestId, persist the requestIds (our dedupe table) and the hourly rollup, checkpoint.
 */
async function duckdbFull(files: string[]): Promise<Outcome> {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const path = `${storePath}.duckdb`;
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run("SET threads = 2");
  const { read, rollup } = duckdbSql(files);
  await connection.run(
    `CREATE TEMP TABLE records AS SELECT * FROM ${read} WHERE schemaType = 'ModelInvocationLog'
     QUALIFY row_number() OVER (PARTITION BY requestId) = 1`,
  );
  await connection.run("CREATE TABLE seen_requests AS SELECT requestId FROM records");
  await connection.run(`CREATE TABLE usage_hourly AS ${rollup("records")}`);
  await connection.run("CHECKPOINT");
  const reader = await connection.runAndReadAll(
    "SELECT count(*) AS groups, sum(n) AS records FROM usage_hourly",
  );
  const [row] = reader.getRowObjects();
  connection.closeSync();
  instance.closeSync();
  return {
    records: Number(row?.records ?? 0),
    groups: Number(row?.groups ?? 0),
    storeBytes: statSync(path).size,
  };
}

/**
 * The SQLite floor: what writing ours' result costs SQLite alone. The rows the ingest left in
 * `storePath` (hourly, facts, day and month tables: every compact table the ingest writes) and one
 * requestId per record (36 characters, spread over the data's hours, as `seen_requests` keeps
 * them) are read into memory first; then, timed, they are written with plain INSERTs (no upsert,
 * no JS work per row beyond binding) into a fresh store with the same migrations, indexes and
 * foreign keys, in as many transactions as ours commits (one per 20,000 records). No parse, no
 * dedupe lookups, no accumulation: a lower bound for any ingest that keeps this store.
 */
async function sqliteFloor(): Promise<Outcome> {
  const { createDb } = await import("../ledger/src/store/db");
  const source = createDb(storePath).$client;
  const target = `${storePath}.floor.db`;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  const db = createDb(target).$client;
  const isTable = (name: string) =>
    source.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const copy = (table: string) => {
    const rows = source.prepare(`SELECT * FROM ${table}`).raw().all() as unknown[][];
    const width = rows[0]?.length ?? 0;
    const insert = db.prepare(`INSERT INTO ${table} VALUES (${Array(width).fill("?").join(", ")})`);
    return { table, rows, insert };
  };
  // Untimed: the dictionaries and prices the rows point at (small; the ingest writes them too).
  db.pragma("foreign_keys = OFF");
  db.transaction(() => {
    db.exec("DELETE FROM prices");
    for (const t of ["prices", "usage_dims", "usage_attrs"]) {
      const { rows, insert } = copy(t);
      for (const r of rows) insert.run(r);
    }
  })();
  db.pragma("foreign_keys = ON");
  const written = [
    "usage_hourly_rows",
    "usage_facts",
    "usage_daily_rows",
    "usage_monthly_rows",
    "usage_daily",
    "usage_monthly",
  ]
    .filter(isTable)
    .map(copy);
  const records = Number(
    source.prepare("SELECT SUM(requests + errors) FROM usage_hourly_rows").pluck().get(),
  );
  const hours = source
    .prepare("SELECT DISTINCT hour FROM usage_facts ORDER BY hour")
    .pluck()
    .all() as number[];
  source.close();
  const ids: [number, string][] = [];
  for (let i = 0; i < records; i++)
    ids.push([hours[Math.floor((i * hours.length) / records)] ?? 0, crypto.randomUUID()]);
  const seen = db.prepare("INSERT INTO seen_requests (hour, request_id) VALUES (?, ?)");
  const batches = Math.max(1, Math.ceil(records / 20_000));
  const tables = [...written, { table: "seen_requests", rows: ids, insert: seen }];
  const perTable = new Map<string, number>();
  const now = () => Number(process.hrtime.bigint()) / 1e9;
  const start = now();
  for (let b = 0; b < batches; b++) {
    db.exec("BEGIN");
    for (const { table, rows, insert } of tables) {
      const from = Math.floor((rows.length * b) / batches);
      const to = Math.floor((rows.length * (b + 1)) / batches);
      const t = now();
      for (let i = from; i < to; i++) insert.run(rows[i]);
      perTable.set(table, (perTable.get(table) ?? 0) + now() - t);
    }
    const t = now();
    db.exec("COMMIT");
    perTable.set("commits", (perTable.get("commits") ?? 0) + now() - t);
  }
  const seconds = now() - start;
  // Where the floor goes, for the note beside the table (stderr: the table is stdout).
  process.stderr.write(
    `sqlite-floor: ${batches} transactions, ${seconds.toFixed(2)} s: ${tables
      .map((w) => `${w.table} ${w.rows.length} rows ${(perTable.get(w.table) ?? 0).toFixed(2)} s`)
      .join(", ")}, commits ${(perTable.get("commits") ?? 0).toFixed(2)} s\n`,
  );
  db.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  const nativeSeconds = sqliteAlone((path) => createDb(path).$client, ids, hours);
  return { records, groups: written[0]?.rows.length ?? 0, seconds, nativeSeconds };
}

/**
 * SQLite alone: the same rows copied by SQLite's own C code, `INSERT … SELECT` from the ingest's
 * store attached (a WHERE clause keeps SQLite from copying pages whole), so no row crosses into
 * JavaScript; the same requestIds from a temporary table; the same migrations, indexes and
 * foreign keys; the hours split into as many transactions as the floor's; a 64 MB page cache
 * (the store's default is 2 MB; the larger cache took the hourly table's copy from 6.3 s to 3.0 s
 * on dense), then a checkpoint. What any ingest that keeps these rows in SQLite pays even with
 * parsing, rolling up and binding all free: the lower bound under the floor.
 */
function sqliteAlone(
  open: (path: string) => import("better-sqlite3").Database,
  ids: [number, string][],
  hours: number[],
): number {
  const target = `${storePath}.alone.db`;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  const db = open(target);
  db.pragma("cache_size = -65536");
  db.pragma("wal_autocheckpoint = 10000");
  db.prepare("ATTACH ? AS src").run(storePath);
  db.pragma("foreign_keys = OFF");
  db.transaction(() => {
    db.exec("DELETE FROM prices");
    for (const t of ["prices", "usage_dims", "usage_attrs"])
      db.exec(`INSERT INTO ${t} SELECT * FROM src.${t}`);
  })();
  db.pragma("foreign_keys = ON");
  db.exec("CREATE TEMP TABLE ids (hour INTEGER NOT NULL, request_id TEXT NOT NULL)");
  db.exec("CREATE INDEX temp.ids_hour ON ids (hour)");
  const addId = db.prepare("INSERT INTO temp.ids VALUES (?, ?)");
  db.transaction(() => {
    for (const id of ids) addId.run(id);
  })();
  const copy = (table: string, from = "src") => {
    const insert = db.prepare(
      `INSERT INTO ${table} SELECT * FROM ${from}.${from === "src" ? table : "ids"} WHERE hour >= ? AND hour < ?`,
    );
    return { table, insert, seconds: 0 };
  };
  const copies = [copy("usage_hourly_rows"), copy("usage_facts"), copy("seen_requests", "temp")];
  const batches = Math.max(1, Math.ceil(ids.length / 20_000));
  const at = (b: number) =>
    b >= batches ? Number.MAX_SAFE_INTEGER : (hours[Math.floor((hours.length * b) / batches)] ?? 0);
  // usage_hourly_rows keys its hours as ISO text, the others as hours since 1970.
  const iso = (hour: number) =>
    hour === Number.MAX_SAFE_INTEGER
      ? "9999"
      : `${new Date(hour * 3_600_000).toISOString().slice(0, 13)}:00:00Z`;
  const now = () => Number(process.hrtime.bigint()) / 1e9;
  const start = now();
  for (let b = 0; b < batches; b++) {
    const [from, to] = [at(b), at(b + 1)];
    db.exec("BEGIN");
    for (const c of copies) {
      const t = now();
      if (c.table === "usage_hourly_rows") c.insert.run(iso(from), iso(to));
      else c.insert.run(from, to);
      c.seconds += now() - t;
    }
    if (b === batches - 1)
      for (const [t, period] of [
        ["usage_daily_rows", "day"],
        ["usage_monthly_rows", "month"],
      ])
        db.exec(`INSERT INTO ${t} SELECT * FROM src.${t} WHERE ${period} >= ''`);
    db.exec("COMMIT");
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  const seconds = now() - start;
  const count = (t: string) => Number(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get());
  const [copied, expected] = [
    count("main.usage_facts") + count("main.usage_hourly_rows"),
    count("src.usage_facts") + count("src.usage_hourly_rows"),
  ];
  db.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  if (copied !== expected) throw new Error(`SQLite alone copied ${copied} rows of ${expected}`);
  process.stderr.write(
    `sqlite alone: ${batches} transactions, ${seconds.toFixed(2)} s: ${copies.map((c) => `${c.table} ${c.seconds.toFixed(2)} s`).join(", ")}, the rest (day and month tables, commits, checkpoint) ${(seconds - copies.reduce((a, c) => a + c.seconds, 0)).toFixed(2)} s\n`,
  );
  return seconds;
}

const files = await logFiles(corpus);
const bytes = await compressedBytes(files);
const started = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
const jobs: Record<string, () => Promise<Outcome>> = {
  gunzip: () => gunzipOnly(files),
  parse: () => parseFloor(files, 1),
  "parse-2": () => parseFloor(files, 2),
  duckdb: () => duckdb(files),
  "duckdb-full": () => duckdbFull(files),
  chargeback: () => chargeback(true),
  reingest: () => chargeback(false),
  "sqlite-floor": sqliteFloor,
};
const run = jobs[job ?? ""];
if (!run) throw new Error(`unknown job ${job}; one of ${Object.keys(jobs).join(", ")}`);
const result = await run();
const seconds = result.seconds ?? elapsed();
const maxRssMB = (childRssKiB ?? process.resourceUsage().maxRSS) / 1024;
process.stdout.write(`${JSON.stringify({ job, maxRssMB, bytes, ...result, seconds })}\n`);
