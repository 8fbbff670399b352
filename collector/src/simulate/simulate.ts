/**
 * The log simulator: writes a realistic Bedrock model-invocation-log corpus to a folder laid out
 * exactly like the S3 delivery bucket, plus the ground truth it was generated from. Streams hour
 * by hour; memory holds only open objects and the truth rows, never the corpus.
 */
import { mkdir, open, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { buildBodies, TextSource } from "./bodies";
import { type CurFormat, type CurTruth, writeCurExport } from "./cur";
import { DeliveryBuffer, deliverLine } from "./delivery";
import { hourPrefix, PERMISSION_CHECK_MARKER } from "./layout";
import { Rng } from "./prng";
import { drawInvocation, type RecordBodies, renderRecord } from "./records";
import { createWorld, SIMULATED_APPLICATION_PROFILES, simulatedBucket } from "./scenarios";
import { HOUR_MS, planTraffic } from "./traffic";
import { TruthAccumulator, type TruthRow } from "./truth";
import { WriteQueue } from "./write-queue";

const gzipAsync = promisify(gzip);

/** What to simulate and where; see `chargeback simulate --help` for the CLI defaults. */
export type SimulationOptions = {
  /** Output folder; created if missing, and must be empty. */
  out: string;
  /** First UTC day, `YYYY-MM-DD`, inclusive. */
  from: string;
  /** Last UTC day, `YYYY-MM-DD`, exclusive. */
  to: string;
  /** Exact number of unique records with a timestamp in `[from, to)`. */
  records: number;
  seed: number;
  /** Log request/response bodies (text delivery on); bodies over 100 KB go to `data/` sidecars. */
  bodies: boolean;
  /** Write `<out>/ground-truth.json`. */
  writeTruth: boolean;
  /** Also write the matching CUR 2.0 data export (and `cur-truth.json`) into `cur.dir`. */
  cur?: { dir: string; format: CurFormat };
  onProgress?: (progress: SimulationProgress) => void;
};

/** Reported after each simulated hour. */
export type SimulationProgress = {
  hoursDone: number;
  hoursTotal: number;
  /** Unique records generated so far. */
  records: number;
  objects: number;
};

/** What a run wrote. */
export type SimulationSummary = {
  out: string;
  from: string;
  to: string;
  seed: number;
  /** Unique records written. */
  records: number;
  /** Extra lines that re-deliver a record already written (same requestId, another object). */
  duplicateLines: number;
  /** Log objects written (sidecars and the marker not counted). */
  objects: number;
  sidecars: number;
  /** Records that failed (`errorCode`). */
  errors: number;
  /** Records without requestMetadata. */
  unattributed: number;
  /** Records delivered into a later hour folder than their own timestamp's hour. */
  lateRecords: number;
  days: number;
  accounts: string[];
  regions: string[];
  /** Compressed bytes written (log objects and sidecars). */
  bytes: number;
  truthFile: string | null;
  profilesFile: string;
  /** The CUR export's folder and what it plants, when one was asked for. */
  cur: { dir: string; truth: CurTruth } | null;
};

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Ten years of hours is the most a plan holds. */
const MAX_DAYS = 3660;
/** The most unique records one run may generate. */
export const MAX_SIMULATED_RECORDS = 50_000_000;
const DUPLICATE_SHARE = 0.003;
const LATE_SHARE = 0.03;
const MINUTE = 60_000;

/** `YYYY-MM-DD` → UTC midnight in ms, or undefined when it is not a real date. */
export function parseDay(day: string): number | undefined {
  const m = DAY.exec(day);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === day ? ms : undefined;
}

function checkOptions(options: SimulationOptions): { fromMs: number; toMs: number } {
  const fromMs = parseDay(options.from);
  const toMs = parseDay(options.to);
  if (fromMs === undefined)
    throw new RangeError(`from: ${JSON.stringify(options.from)} is not a YYYY-MM-DD date`);
  if (toMs === undefined) throw new RangeError(`to: ${JSON.stringify(options.to)} is not a YYYY-MM-DD date`);
  if (toMs <= fromMs) throw new RangeError(`to (${options.to}) must be after from (${options.from})`);
  if ((toMs - fromMs) / (24 * HOUR_MS) > MAX_DAYS)
    throw new RangeError(`at most ${MAX_DAYS} days can be simulated`);
  if (
    !Number.isSafeInteger(options.records) ||
    options.records < 1 ||
    options.records > MAX_SIMULATED_RECORDS
  ) {
    throw new RangeError(`records must be an integer from 1 to ${MAX_SIMULATED_RECORDS}`);
  }
  if (!Number.isSafeInteger(options.seed) || options.seed < 0)
    throw new RangeError("seed must be a non-negative integer");
  return { fromMs, toMs };
}

async function ensureEmpty(out: string): Promise<void> {
  await mkdir(out, { recursive: true });
  const existing = await readdir(out);
  if (existing.length > 0) {
    throw new Error(
      `${out} is not empty; simulate into a new folder so the corpus and its ground truth match`,
    );
  }
}

/**
 * Writes a simulated Bedrock invocation-log corpus into `options.out`.
 * Same options, byte-identical output.
 * @example
 * const summary = await simulate({ out: "/tmp/logs", from: "2025-10-01", to: "2025-11-01",
 *   records: 20_000, seed: 42, bodies: false, writeTruth: true });
 * summary.objects // log objects under /tmp/logs/AWSLogs/…
 */
export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const { fromMs, toMs } = checkOptions(options);
  const { out, seed } = options;
  await ensureEmpty(out);
  await writeFile(join(out, PERMISSION_CHECK_MARKER), "");
  const profilesFile = join(out, "application-profiles.json");
  await writeFile(profilesFile, `${JSON.stringify(SIMULATED_APPLICATION_PROFILES, null, 2)}\n`);

  const world = createWorld(seed);
  const plan = planTraffic(world, fromMs, toMs, options.records, seed);
  const recordRng = new Rng(seed, 3);
  const deliveryRng = new Rng(seed, 4);
  const layoutRng = new Rng(seed, 5);
  const bodyRng = new Rng(seed, 6);
  const text = options.bodies ? new TextSource(seed) : null;
  const truth = options.writeTruth || options.cur ? new TruthAccumulator() : null;

  const queue = new WriteQueue(8);
  const folders = new Set<string>();
  let bytes = 0;
  const put = (key: string, content: () => Buffer) =>
    queue.push(async () => {
      const dir = key.slice(0, key.lastIndexOf("/"));
      if (!folders.has(dir)) {
        await mkdir(join(out, dir), { recursive: true });
        folders.add(dir);
      }
      const compressed = await gzipAsync(content());
      bytes += compressed.length;
      await writeFile(join(out, key), compressed);
    });
  const buffer = new DeliveryBuffer(layoutRng, (key, entries) =>
    put(key, () => Buffer.from(entries.map((e) => `${e.line}\n`).join(""))),
  );

  let records = 0;
  let duplicateLines = 0;
  let sidecars = 0;
  let errors = 0;
  let unattributed = 0;
  let lateRecords = 0;
  const accounts = new Set<string>();
  const regions = new Set<string>();

  for (let h = 0; h < plan.hours; h++) {
    const hourMs = fromMs + h * HOUR_MS;
    const n = plan.counts[h] ?? 0;
    const mix = plan.mixAt(h);
    const offsets = new Uint32Array(n);
    for (let i = 0; i < n; i++) offsets[i] = recordRng.int(HOUR_MS);
    offsets.sort();
    for (let i = 0; i < n; i++) {
      const invocation = drawInvocation(recordRng, mix.draw(recordRng), hourMs + (offsets[i] ?? 0));
      const { account } = invocation.route;
      const delay = deliveryRng.chance(LATE_SHARE)
        ? deliveryRng.between(20 * MINUTE, 120 * MINUTE)
        : deliveryRng.between(MINUTE, 10 * MINUTE);
      const deliveryMs = invocation.timestampMs + delay;
      const deliveryHour = deliveryMs - (deliveryMs % HOUR_MS);
      const prefix = hourPrefix(account.id, account.region, deliveryHour);

      let bodies: RecordBodies | null = null;
      if (text && !invocation.errorCode) {
        const built = buildBodies(invocation, bodyRng, text);
        bodies = { input: { json: built.input }, output: { json: built.output } };
        if (invocation.large) {
          const side = invocation.large;
          const key = `${prefix}/data/${bodyRng.uuid()}_${side}.json.gz`;
          const body = side === "input" ? built.input : built.output;
          await put(key, () => Buffer.from(JSON.stringify(body)));
          sidecars++;
          const ref = { s3Path: `s3://${simulatedBucket(account.id, account.region)}/${key}` };
          bodies = side === "input" ? { ...bodies, input: ref } : { ...bodies, output: ref };
        }
      }
      const line = renderRecord(invocation, bodies);
      const entry = { line, requestId: invocation.requestId, deliveryMs };
      if (await deliverLine(buffer, account, entry, deliveryRng, DUPLICATE_SHARE)) duplicateLines++;

      records++;
      if (deliveryHour > hourMs) lateRecords++;
      if (invocation.errorCode) errors++;
      if (!invocation.metadata) unattributed++;
      accounts.add(account.id);
      regions.add(account.region);
      truth?.add(invocation);
    }
    // Every later record is delivered after this hour ends, so its folders are complete.
    await buffer.closeThrough(hourMs);
    options.onProgress?.({ hoursDone: h + 1, hoursTotal: plan.hours, records, objects: buffer.objects });
  }
  await buffer.closeAll();
  await queue.drain();

  const summary: SimulationSummary = {
    out,
    from: options.from,
    to: options.to,
    seed,
    records,
    duplicateLines,
    objects: buffer.objects,
    sidecars,
    errors,
    unattributed,
    lateRecords,
    days: Math.round((toMs - fromMs) / (24 * HOUR_MS)),
    accounts: [...accounts].sort(),
    regions: [...regions].sort(),
    bytes,
    truthFile: options.writeTruth ? join(out, "ground-truth.json") : null,
    profilesFile,
    cur: null,
  };
  const rows = truth?.sortedRows() ?? [];
  if (summary.truthFile) await writeTruthFile(summary.truthFile, summary, rows);
  if (options.cur) {
    const curTruth = await writeCurExport({ dir: options.cur.dir, rows, seed, format: options.cur.format });
    summary.cur = { dir: options.cur.dir, truth: curTruth };
  }
  return summary;
}

/** `ground-truth.json`: summary fields first, then one row a line (diffable, streamed). */
async function writeTruthFile(
  path: string,
  summary: SimulationSummary,
  rows: readonly TruthRow[],
): Promise<void> {
  const head = {
    generator: "bedrock-chargeback-simulator",
    version: 1,
    seed: summary.seed,
    from: summary.from,
    to: summary.to,
    records: summary.records,
    duplicateLines: summary.duplicateLines,
    objects: summary.objects,
    sidecars: summary.sidecars,
  };
  const file = await open(path, "w");
  try {
    const fields = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`);
    await file.write(`{\n${fields.join("")}  "rows": [\n`);
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows
        .slice(i, i + 2000)
        .map((row, j) => `    ${JSON.stringify(row)}${i + j < rows.length - 1 ? "," : ""}\n`);
      await file.write(chunk.join(""));
    }
    await file.write("  ]\n}\n");
  } finally {
    await file.close();
  }
}
