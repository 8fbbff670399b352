/**
 * bench/store-size: how much store `chargeback ingest` leaves per million records, per table and
 * index (SQLite's dbstat), on one of the bench corpora (bench/corpora.ts; the simulator's plain
 * corpus unless --corpus says otherwise), generated here at --records.
 *   pnpm bench:store-size [--records 200000] [--corpus plain|bodies|dense|tenants10x]
 * Prints each table's and index's bytes, the whole file, and both scaled linearly to 1M records.
 */
import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../cli/src/config";
import { runCli } from "../cli/src/run";
import { createDb } from "../ledger/src/store/db";
import { corpus as benchCorpus, CORPORA, type CorpusName, corpusRoot } from "./corpora";

const { values } = parseArgs({
  options: { records: { type: "string", default: "200000" }, corpus: { type: "string", default: "plain" } },
});
const records = Number(values.records);
if (!CORPORA.includes(values.corpus as CorpusName))
  throw new Error(`--corpus: unknown ${values.corpus}; one of ${CORPORA.join(", ")}`);
const { dir: corpus } = await benchCorpus(values.corpus as CorpusName, records);
const store = join(corpusRoot, `store-size-${process.pid}.db`);
for (const suffix of ["", "-wal", "-shm", "-ingest-lock"]) rmSync(store + suffix, { force: true });
const started = Date.now();
let out = "";
const code = await runCli(
  ["ingest", "--source", "dir", "--path", corpus, "--db", store, "--format", "json"],
  {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => void process.stderr.write(t),
    stderrIsTTY: false,
    config: parseConfig({}),
    now: () => new Date(),
  },
);
if (code !== 0) throw new Error(`ingest exited ${code}: ${out}`);
const seconds = (Date.now() - started) / 1000;
const db = createDb(store).$client;
db.pragma("wal_checkpoint(TRUNCATE)");
const rows = db
  .prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC")
  .all() as { name: string; bytes: number }[];
const counts = new Map<string, number>();
for (const t of [
  "usage_hourly_rows",
  "usage_daily_rows",
  "usage_monthly_rows",
  "usage_facts",
  "usage_dims",
  "usage_attrs",
  "seen_requests",
])
  counts.set(t, Number(db.prepare(`SELECT COUNT(*) FROM ${t}`).pluck().get()));
db.close();
const file = statSync(store).size;
for (const suffix of ["", "-wal", "-shm", "-ingest-lock"]) rmSync(store + suffix, { force: true });
const mb = (b: number) => (b / 1e6).toFixed(1);
const perMillion = (b: number) => (b * (1_000_000 / records)) / 1e6;
console.log(`corpus: ${values.corpus}, ${records} records (${corpus}); ingest ${seconds.toFixed(1)} s`);
console.log(`${"table or index".padEnd(34)} ${"MB".padStart(8)} ${"MB per 1M records".padStart(18)} rows`);
for (const r of rows.filter((r) => r.bytes >= 100_000))
  console.log(
    `${r.name.padEnd(34)} ${mb(r.bytes).padStart(8)} ${perMillion(r.bytes).toFixed(1).padStart(18)} ${counts.get(r.name) ?? ""}`,
  );
const facts = rows
  .filter((r) =>
    /^(usage_facts|usage_dims|usage_attrs|sqlite_autoindex_usage_(dims|attrs)|usage_(dims|attrs)_key_unique)/.test(
      r.name,
    ),
  )
  .reduce((s, r) => s + r.bytes, 0);
console.log(
  `${"facts (usage_facts + dictionaries)".padEnd(34)} ${mb(facts).padStart(8)} ${perMillion(facts).toFixed(1).padStart(18)}`,
);
console.log(`${"store file".padEnd(34)} ${mb(file).padStart(8)} ${perMillion(file).toFixed(1).padStart(18)}`);
