/**
 * bench/ingest: `chargeback ingest` vs DuckDB (read_json + the same GROUP BY) vs a gunzip-only
 * pass and the JSON floor (inflate + JSON.parse of every line, on one and on two threads), on simulator corpora (1M records without bodies; 200k with bodies). Each job runs in its
 * own process; prints wall time, records/s, MB/s (compressed input) and peak RSS.
 *   pnpm bench:ingest [--records 1000000] [--bodies-records 200000] [--runs 1]
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { simulate } from "../collector/src/simulate/simulate";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    "bodies-records": { type: "string", default: "200000" },
    runs: { type: "string", default: "1" },
  },
});
const here = new URL(".", import.meta.url).pathname;
const corpusRoot = join(here, ".corpus");
const runs = Number(values.runs);

type JobResult = {
  job: string;
  seconds: number;
  maxRssMB: number;
  bytes: number;
  records: number;
  groups: number;
};

async function corpus(name: string, records: number, bodies: boolean): Promise<string> {
  const out = join(corpusRoot, `${name}-${records}`);
  if (existsSync(join(out, ".complete"))) return out;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  process.stderr.write(`generating ${records} records${bodies ? " with bodies" : ""} into ${out} …\n`);
  const started = Date.now();
  await simulate({ out, from: "2026-09-01", to: "2026-10-01", records, seed: 7, bodies, writeTruth: false });
  process.stderr.write(`  generated in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  spawnSync("touch", [join(out, ".complete")]);
  return out;
}

function runJob(job: string, dir: string): JobResult {
  const store = join(corpusRoot, `bench-${process.pid}.db`);
  for (const suffix of ["", "-wal", "-shm"]) rmSync(store + suffix, { force: true });
  const result = spawnSync(
    process.execPath,
    ["--import", "tsx", join(here, "ingest-job.ts"), job, dir, store],
    {
      encoding: "utf8",
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  for (const suffix of ["", "-wal", "-shm"]) rmSync(store + suffix, { force: true });
  if (result.status !== 0) throw new Error(`${job} failed: ${result.stderr}`);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  const parsed: JobResult = JSON.parse(line);
  return parsed;
}

function best(job: string, dir: string): JobResult {
  let fastest: JobResult | undefined;
  for (let i = 0; i < runs; i++) {
    const r = runJob(job, dir);
    if (!fastest || r.seconds < fastest.seconds)
      fastest = { ...r, maxRssMB: Math.max(r.maxRssMB, fastest?.maxRssMB ?? 0) };
  }
  if (!fastest) throw new Error("no run");
  return fastest;
}

const rows: string[] = [];
const cpu = cpus()[0]?.model ?? "unknown cpu";
const machine = `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
console.log(`machine: ${machine}`);
for (const [name, records, bodies] of [
  ["plain", Number(values.records), false],
  ["bodies", Number(values["bodies-records"]), true],
] as const) {
  if (records <= 0) continue;
  const dir = await corpus(name, records, bodies);
  const results = ["gunzip", "parse", "parse-2", "duckdb", "chargeback"].map((job) => best(job, dir));
  const duck = results.find((r) => r.job === "duckdb");
  const ours = results.find((r) => r.job === "chargeback");
  console.log(`\ncorpus: ${name}, ${records} records, ${(results[0]?.bytes ?? 0) / 1e6} MB gzip`);
  console.log("job         wall s   records/s     MB/s   peak RSS MB   groups");
  for (const r of results) {
    const line = `${r.job.padEnd(10)} ${r.seconds.toFixed(2).padStart(7)} ${Math.round(r.records / r.seconds)
      .toString()
      .padStart(
        11,
      )} ${(r.bytes / 1e6 / r.seconds).toFixed(1).padStart(8)} ${r.maxRssMB.toFixed(0).padStart(13)} ${String(r.groups).padStart(8)}`;
    console.log(line);
    rows.push(
      `| ${name} (${records.toLocaleString("en-US")}) | ${r.job} | ${r.seconds.toFixed(2)} | ${Math.round(r.records / r.seconds).toLocaleString("en-US")} | ${(r.bytes / 1e6 / r.seconds).toFixed(1)} | ${r.maxRssMB.toFixed(0)} |`,
    );
  }
  const floor = results.find((r) => r.job === "parse-2");
  if (duck && ours && floor)
    console.log(
      `chargeback / duckdb wall time: ${(ours.seconds / duck.seconds).toFixed(2)}× (target ≤ 1.0×); peak RSS ${ours.maxRssMB.toFixed(0)} MB (target ≤ 256 MB)\n` +
        `node floor (read + inflate + JSON.parse only, 2 threads) / duckdb: ${(floor.seconds / duck.seconds).toFixed(2)}×`,
    );
}
console.log(
  "\nmarkdown rows:\n| corpus | job | wall s | records/s | MB/s (gzip) | peak RSS MB |\n|---|---|---|---|---|---|",
);
for (const r of rows) console.log(r);
