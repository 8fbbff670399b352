/**
 * One measured job, run in its own process so its peak RSS is its own:
 *   tsx bench/ingest-job.ts <chargeback|duckdb|gunzip|parse|parse-2> <corpus dir> [store path]
 * Prints one JSON line: { job, seconds, maxRssMB, records, bytes, groups }.
 */
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";

const [job, corpus = "", storePath = ""] = process.argv.slice(2);

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

async function gunzipOnly(files: string[]) {
  let lines = 0;
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      const gz = createReadStream(file).pipe(createGunzip());
      gz.on("data", (chunk: Buffer) => {
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
      });
      gz.on("end", resolve);
      gz.on("error", reject);
    });
  }
  return { records: lines, groups: 0 };
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

async function parseFloor(files: string[], threads: number) {
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

async function chargeback() {
  const { runCli } = await import("../cli/src/run");
  const { parseConfig } = await import("../cli/src/config");
  let out = "";
  const code = await runCli(
    ["ingest", "--source", "dir", "--path", corpus, "--db", storePath, "--format", "json"],
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
  const summary: unknown = JSON.parse(out);
  const records =
    typeof summary === "object" && summary !== null && "records" in summary ? Number(summary.records) : 0;
  const { createDb } = await import("../ledger/src/store/db");
  const db = createDb(storePath);
  const groups = Number(db.$client.prepare("SELECT COUNT(*) FROM usage_hourly").pluck().get());
  db.$client.close();
  return { records, groups };
}

async function duckdb(files: string[]) {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(",")}]`;
  const columns = `{schemaType: 'VARCHAR', "timestamp": 'VARCHAR', accountId: 'VARCHAR', region: 'VARCHAR',
    requestId: 'VARCHAR', modelId: 'VARCHAR', errorCode: 'VARCHAR', requestMetadata: 'MAP(VARCHAR, VARCHAR)',
    input: 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)',
    output: 'STRUCT(outputTokenCount BIGINT)'}`;
  // The same GROUP BY as the rollup: hour × account × region × 5 metadata dims × model.
  const sql = `SELECT substr("timestamp", 1, 13) AS hour, accountId, region,
      requestMetadata['tenant_id'] AS tenant, requestMetadata['application_name'] AS app,
      requestMetadata['cost_center'] AS cc, requestMetadata['environment'] AS env, requestMetadata['team'] AS team,
      modelId,
      count(*) FILTER (WHERE errorCode IS NULL) AS requests, count(*) FILTER (WHERE errorCode IS NOT NULL) AS errors,
      sum(input.inputTokenCount) AS inp, sum(output.outputTokenCount) AS outp,
      sum(input.cacheReadInputTokenCount) AS cr, sum(input.cacheWriteInputTokenCount) AS cw, count(*) AS n
    FROM read_json(${list}, format = 'newline_delimited', columns = ${columns}, compression = 'gzip')
    WHERE schemaType = 'ModelInvocationLog'
    GROUP BY ALL`;
  const reader = await connection.runAndReadAll(`SELECT count(*) AS groups, sum(n) AS records FROM (${sql})`);
  const [row] = reader.getRowObjects();
  return { records: Number(row?.records ?? 0), groups: Number(row?.groups ?? 0) };
}

const files = await logFiles(corpus);
const bytes = await compressedBytes(files);
const started = process.hrtime.bigint();
const result =
  job === "gunzip"
    ? await gunzipOnly(files)
    : job === "duckdb"
      ? await duckdb(files)
      : job === "parse"
        ? await parseFloor(files, 1)
        : job === "parse-2"
          ? await parseFloor(files, 2)
          : await chargeback();
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ job, seconds, maxRssMB, bytes, ...result })}\n`);
