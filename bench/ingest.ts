/**
 * bench/ingest: issue #15's measurements. For each corpus, one markdown table: `chargeback ingest
 * --source dir` into a fresh store (its peak RSS, the store file after a WAL checkpoint and its
 * MB per million records, and a re-ingest of the same folder into that store), DuckDB scanning
 * the files (read_json + the rollup's GROUP BY, in memory), DuckDB doing the whole job (dedupe by
 * requestId, persist the requestIds and the hourly rollup to a database file, checkpoint), the
 * gunzip floor and the JSON floor (inflate + JSON.parse, 1 and 2 threads), the SQLite floor (the
 * rows ours wrote, written again with plain INSERTs from JavaScript, and the same rows copied by
 * SQLite's own INSERT … SELECT: what writing this store costs before any parsing);
 * then each target and our ratio to it. Each job runs in its own process (bench/ingest-job.ts); DuckDB on 2 threads.
 *
 *   pnpm bench:ingest [--corpora plain,bodies,dense,tenants10x] [--records 1000000]
 *     [--bodies-records <records / 5>] [--runs 1] [--jobs gunzip,parse,parse-2,duckdb,duckdb-full,chargeback]
 *     [--threads 1,2]
 *
 * Corpora (bench/corpora.ts): plain (simulator), bodies (simulator with bodies, --bodies-records),
 * dense (issue #15's second corpus: 10 tenants, 4 applications, 9 models, 200 users) and
 * tenants10x (the same with 100 tenants); each --records records unless said.
 * `--threads` runs ours once per value with `chargeback ingest --threads N`; without it ours runs
 * with the CLI's default and no flag. `--runs N` keeps each job's fastest run and the highest peak RSS.
 * Everything printed on stdout is markdown; progress goes to stderr.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CORPORA as ALL_CORPORA, corpus, corpusRoot } from "./corpora";

const ALL_JOBS = ["gunzip", "parse", "parse-2", "duckdb", "duckdb-full", "chargeback"] as const;

const { values } = parseArgs({
  options: {
    corpora: { type: "string", default: ALL_CORPORA.join(",") },
    records: { type: "string", default: "1000000" },
    "bodies-records": { type: "string" },
    runs: { type: "string", default: "1" },
    jobs: { type: "string", default: ALL_JOBS.join(",") },
    threads: { type: "string" },
  },
});

function list<T extends string>(flag: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items)
    if (!allowed.includes(item as T))
      throw new Error(`--${flag}: unknown ${item}; one of ${allowed.join(", ")}`);
  return items as T[];
}
function count(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${raw}`);
  return n;
}

const corpora = list("corpora", values.corpora, ALL_CORPORA);
const jobs = list("jobs", values.jobs, ALL_JOBS);
const records = count("records", values.records);
const bodiesRecords = count(
  "bodies-records",
  values["bodies-records"] ?? String(Math.max(1, Math.round(records / 5))),
);
const runs = count("runs", values.runs);
const threadSettings = values.threads
  ? values.threads.split(",").map((t) => String(count("threads", t)))
  : [""];

const here = new URL(".", import.meta.url).pathname;

type JobResult = {
  job: string;
  seconds: number;
  maxRssMB: number;
  bytes: number;
  records: number;
  groups: number;
  inflatedBytes?: number;
  storeBytes?: number;
  objectsIngested?: number;
  objectsSkipped?: number;
  /** sqlite-floor: the same rows written by SQLite alone, no JavaScript per row. */
  nativeSeconds?: number;
};
type Outcome = { ok: true; result: JobResult } | { ok: false; error: string };

const store = join(corpusRoot, `bench-${process.pid}.db`);
const storeFiles = ["", "-wal", "-shm", "-ingest-lock", ".duckdb", ".duckdb.wal"].map((s) => store + s);
const clean = () => {
  for (const f of storeFiles) rmSync(f, { force: true });
};

function runJob(job: string, dir: string, threads = ""): Outcome {
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(here, "ingest-job.ts"), job, dir, store, threads],
    {
      encoding: "utf8",
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) {
    const error = (result.stderr || result.stdout || `exit ${result.status}`).trim();
    process.stderr.write(`${job} failed:\n${error}\n`);
    const first = error.split("\n").find((l) => /error/i.test(l)) ?? error.split("\n")[0] ?? "";
    return { ok: false, error: first.slice(0, 160) };
  }
  // What the job says beside its result (the floor's split by table) goes with the progress.
  if (result.stderr.trim()) process.stderr.write(`    ${result.stderr.trim().replaceAll("\n", "\n    ")}\n`);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  return { ok: true, result: JSON.parse(line) as JobResult };
}

/** Fastest of `runs` runs, with the highest peak RSS seen. */
function fastest(outcomes: Outcome[]): Outcome {
  let best: JobResult | undefined;
  let rss = 0;
  for (const o of outcomes) {
    if (!o.ok) return o;
    rss = Math.max(rss, o.result.maxRssMB);
    if (!best || o.result.seconds < best.seconds) best = o.result;
  }
  if (!best) throw new Error("no run");
  return { ok: true, result: { ...best, maxRssMB: rss } };
}

function measure(job: string, dir: string): Outcome {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`  ${job} (run ${i + 1}/${runs}) …\n`);
    clean();
    outcomes.push(runJob(job, dir));
  }
  clean();
  return fastest(outcomes);
}

/** An empty folder: ours ingesting it is its start-up (module loading, opening a fresh store). */
const emptyDir = join(corpusRoot, "empty");

/**
 * Ours: a fresh ingest, then the same folder again into that store, then an ingest of an empty
 * folder (start-up alone); `runs` times each.
 */
function measureOurs(
  dir: string,
  threads: string,
): { first: Outcome; again: Outcome; startup: Outcome; floor: Outcome } {
  const first: Outcome[] = [];
  const again: Outcome[] = [];
  const startup: Outcome[] = [];
  const floor: Outcome[] = [];
  mkdirSync(emptyDir, { recursive: true });
  for (let i = 0; i < runs; i++) {
    const label = threads ? ` --threads ${threads}` : "";
    process.stderr.write(`  chargeback${label} (run ${i + 1}/${runs}) …\n`);
    clean();
    const o = runJob("chargeback", dir, threads);
    first.push(o);
    if (!o.ok) break;
    process.stderr.write(`  re-ingest${label} (run ${i + 1}/${runs}) …\n`);
    again.push(runJob("reingest", dir, threads));
    process.stderr.write(`  SQLite floor of that store${label} (run ${i + 1}/${runs}) …\n`);
    floor.push(runJob("sqlite-floor", dir, threads));
    process.stderr.write(`  start-up: ingest of an empty folder${label} (run ${i + 1}/${runs}) …\n`);
    clean();
    startup.push(runJob("chargeback", emptyDir, threads));
  }
  clean();
  const notRun: Outcome = { ok: false, error: "skipped: the first ingest failed" };
  return {
    first: fastest(first),
    again: again.length > 0 ? fastest(again) : notRun,
    startup: startup.length > 0 ? fastest(startup) : notRun,
    floor: floor.length > 0 ? fastest(floor) : notRun,
  };
}

/** The floor job's second figure, SQLite writing the same rows alone, as an outcome of its own. */
function sqliteAlone(floor: Outcome): Outcome | undefined {
  if (!floor.ok || floor.result.nativeSeconds === undefined) return undefined;
  return { ok: true, result: { ...floor.result, seconds: floor.result.nativeSeconds } };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => bytes / 1e6;

function commit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: here, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

const cpu = cpus()[0]?.model ?? "unknown cpu";
console.log(`# bench/ingest — ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`);
console.log();
console.log(
  `Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}; ` +
    `load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}; commit ${commit()}. ` +
    `\`pnpm bench:ingest ${process.argv.slice(2).join(" ")}\`; best of ${runs} run(s) per job, the highest peak RSS of them.`,
);

const LABELS: Record<string, string> = {
  gunzip: "gunzip floor: stream-inflate every object, count lines (1 thread)",
  parse: "JSON floor: inflate + JSON.parse every line (1 thread)",
  "parse-2": "JSON floor: inflate + JSON.parse every line (2 worker threads)",
  duckdb:
    "DuckDB scan: read_json + the rollup's GROUP BY, in memory, no dedupe, nothing persisted (2 threads)",
  "duckdb-full":
    "DuckDB whole job: dedupe by requestId, requestIds + hourly rollup persisted to a database file, checkpointed (2 threads)",
};

for (const name of corpora) {
  const info = await corpus(name, name === "bodies" ? bodiesRecords : records);
  process.stderr.write(`corpus ${name} (${info.dir})\n`);
  const others = new Map<string, Outcome>();
  for (const job of jobs) if (job !== "chargeback") others.set(job, measure(job, info.dir));
  const ours = jobs.includes("chargeback")
    ? threadSettings.map((t) => ({ threads: t, ...measureOurs(info.dir, t) }))
    : [];

  const any = [...others.values(), ...ours.map((o) => o.first)].find((o) => o.ok);
  const gzipBytes = any?.ok ? any.result.bytes : 0;
  const gunzip = others.get("gunzip");
  const inflated = gunzip?.ok ? gunzip.result.inflatedBytes : undefined;
  console.log();
  console.log(`## ${name}: ${fmt(info.records)} records`);
  console.log();
  console.log(
    `${info.description}; ${fmt(mb(gzipBytes), 1)} MB gzip` +
      (inflated ? `, ${fmt(mb(inflated), 0)} MB of JSON lines` : "") +
      (info.duplicateLines !== undefined ? `; ${fmt(info.duplicateLines)} redelivered duplicate lines` : "") +
      ".",
  );
  console.log();
  console.log(
    "| job | wall s | records/s | MB/s (gzip) | peak RSS MB | hourly groups | store file MB (checkpointed) | store MB per 1M records |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|");
  const row = (label: string, o: Outcome | undefined, perSecondRecords?: number) => {
    if (!o) return;
    if (!o.ok) {
      console.log(`| ${label} | failed: ${o.error.replaceAll("|", "\\|")} | | | | | | |`);
      return;
    }
    const r = o.result;
    const recs = perSecondRecords ?? r.records;
    const store =
      r.storeBytes !== undefined
        ? `${fmt(mb(r.storeBytes), 1)} | ${r.records > 0 ? fmt((mb(r.storeBytes) * 1e6) / r.records, 1) : "–"}`
        : " | ";
    console.log(
      `| ${label} | ${r.seconds.toFixed(2)} | ${recs > 0 ? fmt(recs / r.seconds) : "–"} | ${fmt(mb(r.bytes) / r.seconds, 1)} | ${fmt(r.maxRssMB)} | ${r.groups > 0 ? fmt(r.groups) : ""} | ${store} |`,
    );
  };
  for (const [job, o] of others) row(`${job} — ${LABELS[job]}`, o);
  for (const o of ours) {
    const flag = o.threads ? ` --threads ${o.threads}` : "";
    row(`**ours** — \`chargeback ingest --source dir${flag}\` into a fresh store`, o.first);
    const skipped = o.again.ok ? o.again.result.objectsSkipped : undefined;
    row(
      `ours re-ingest — the same folder into that store again${flag}${skipped !== undefined ? ` (${fmt(skipped)} objects skipped, ${fmt(o.again.ok ? (o.again.result.objectsIngested ?? 0) : 0)} read)` : ""}`,
      o.again,
      0,
    );
    row(`ours start-up — the same ingest of an empty folder${flag}`, o.startup, 0);
    row(
      `SQLite floor — the rows that ingest wrote, prebuilt, plain INSERTs into a fresh store, as many transactions${flag}`,
      o.floor,
    );
    const alone = sqliteAlone(o.floor);
    row(
      `SQLite alone — the same rows copied by SQLite's own INSERT … SELECT (no JavaScript per row), as many transactions, 64 MB page cache, checkpoint every 10,000 pages${flag}`,
      alone,
    );
  }

  // Targets (issue #15).
  const duckFull = others.get("duckdb-full");
  const duckScan = others.get("duckdb");
  const wallLimit = name === "bodies" ? 1.3 : 1.5;
  const lines: string[] = [];
  const verdict = (value: number, limit: number) =>
    `${(value / limit).toFixed(2)} | ${value <= limit ? "yes" : "**no**"}`;
  for (const o of ours) {
    if (!o.first.ok) continue;
    const r = o.first.result;
    const who = o.threads ? `ours --threads ${o.threads}` : "ours";
    if (duckFull?.ok) {
      const x = r.seconds / duckFull.result.seconds;
      lines.push(
        `| wall time / DuckDB whole job (**the target's like-for-like**) | ${who} | ${r.seconds.toFixed(2)} s / ${duckFull.result.seconds.toFixed(2)} s = ${x.toFixed(2)}× | ≤ ${wallLimit}× | ${verdict(x, wallLimit)} |`,
      );
    }
    if (duckScan?.ok) {
      const x = r.seconds / duckScan.result.seconds;
      lines.push(
        `| wall time / DuckDB scan (reference: no dedupe, nothing persisted) | ${who} | ${r.seconds.toFixed(2)} s / ${duckScan.result.seconds.toFixed(2)} s = ${x.toFixed(2)}× | – | – | – |`,
      );
    }
    if (duckFull?.ok && o.floor.ok) {
      const x = o.floor.result.seconds / duckFull.result.seconds;
      lines.push(
        `| SQLite floor / DuckDB whole job (writing ours' rows alone, no parse) | ${who} | ${o.floor.result.seconds.toFixed(2)} s / ${duckFull.result.seconds.toFixed(2)} s = ${x.toFixed(2)}× | – | – | – |`,
      );
    }
    const alone = sqliteAlone(o.floor);
    if (duckFull?.ok && alone?.ok) {
      const x = alone.result.seconds / duckFull.result.seconds;
      lines.push(
        `| SQLite alone / DuckDB whole job (the same rows written by SQLite's C code alone) | ${who} | ${alone.result.seconds.toFixed(2)} s / ${duckFull.result.seconds.toFixed(2)} s = ${x.toFixed(2)}× | – | – | – |`,
      );
    }
    lines.push(`| peak RSS | ${who} | ${fmt(r.maxRssMB)} MB | ≤ 256 MB | ${verdict(r.maxRssMB, 256)} |`);
    if (r.storeBytes !== undefined && r.records > 0) {
      const perM = (mb(r.storeBytes) * 1e6) / r.records;
      lines.push(
        `| store MB per 1M records${info.records < 1_000_000 ? " (scaled linearly from a smaller corpus: overstates)" : ""} | ${who} | ${fmt(perM, 1)} (file ${fmt(mb(r.storeBytes), 1)} MB) | ≤ 250 | ${verdict(perM, 250)} |`,
      );
    }
    if (o.again.ok) {
      const share = o.again.result.seconds / r.seconds;
      lines.push(
        `| re-ingest / first ingest | ${who} | ${o.again.result.seconds.toFixed(2)} s / ${r.seconds.toFixed(2)} s = ${(share * 100).toFixed(1)} % | ≤ 5 % | ${verdict(share * 100, 5)} |`,
      );
      if (o.startup.ok) {
        const base = o.startup.result.seconds;
        lines.push(
          `| re-ingest / first ingest, both net of start-up (${base.toFixed(2)} s) | ${who} | ${(o.again.result.seconds - base).toFixed(2)} s / ${(r.seconds - base).toFixed(2)} s = ${(((o.again.result.seconds - base) / (r.seconds - base)) * 100).toFixed(1)} % | – | – | – |`,
        );
      }
    }
  }
  const okOurs = ours.filter((o) => o.first.ok);
  const one = okOurs.find((o) => o.threads === "1");
  if (one?.first.ok && okOurs.length > 1)
    for (const o of okOurs)
      if (o !== one && o.first.ok)
        lines.push(
          `| scaling: speed-up of --threads ${o.threads} over --threads 1 | ours | ${one.first.result.seconds.toFixed(2)} s / ${o.first.result.seconds.toFixed(2)} s = ${(one.first.result.seconds / o.first.result.seconds).toFixed(2)}× | – | – | – |`,
        );
  if (lines.length > 0) {
    console.log();
    console.log(
      `Targets (issue #15; wall time against DuckDB's whole job, both on 2 threads; ≤ ${wallLimit}× ${name === "bodies" ? "with" : "without"} bodies):`,
    );
    console.log();
    console.log("| target | who | measured | limit | measured / limit | met |");
    console.log("|---|---|---|---|---:|---|");
    for (const l of lines) console.log(l);
  }
  const groups = [duckFull, ...ours.map((o) => o.first)].filter((o) => o?.ok);
  const counts = new Set(groups.map((o) => (o?.ok ? o.result.groups : 0)));
  if (counts.size > 1)
    console.log(
      `\nNote: hourly group counts differ between ours and DuckDB's whole job (${[...counts].map((c) => fmt(c)).join(" vs ")}).`,
    );
  // Both dedupe by requestId: the records they count must agree, or one of them is wrong.
  const counted = new Set(groups.map((o) => (o?.ok ? o.result.records : 0)));
  if (counted.size > 1)
    console.log(
      `\n**Records counted differ** between ours and DuckDB's whole job (${[...counted].map((c) => fmt(c)).join(" vs ")}): a dedupe fault.`,
    );
}
clean();
