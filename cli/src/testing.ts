/**
 * Running the CLI in tests: in-process with an in-memory Io (`runCaptured`), or as the real
 * process a user starts (`spawnCli`, `runCliProcess`) where signals, exit codes, pipes and file
 * permissions are the point. And what `chargeback report` must print for the simulator's ground
 * truth (`expectedReport`).
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { aggregateTruth, type parseGroundTruth } from "@bedrock-chargeback/collector";
import { childProcessEnv } from "@bedrock-chargeback/collector/testing";
import { SHIPPED_CATALOG_PATH } from "@bedrock-chargeback/ledger";
import { parseConfig } from "./config";
import type { Io } from "./io";
import { runCli } from "./run";

/** `stdout` is the text written; `stdoutBytes` everything written, text and binary, in order. */
export type Captured = { code: number; stdout: string; stdoutBytes: Buffer; stderr: string };

export async function runCaptured(argv: string[], now = new Date("2026-11-15T12:00:00Z")): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const chunks: Buffer[] = [];
  const io: Io = {
    stdout: (t) => {
      if (typeof t === "string") stdout += t;
      chunks.push(Buffer.from(t));
    },
    stderr: (t) => {
      stderr += t;
    },
    stderrIsTTY: false,
    config: parseConfig({}),
    now: () => now,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stdoutBytes: Buffer.concat(chunks), stderr };
}

const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

/**
 * Root ignores file modes. With `obeyFileModes`, a test running as root starts the CLI still as
 * root (the owner of the test's files) but without the two capabilities that override file modes
 * (`setpriv`, util-linux), so a 000 file or a 555 folder stops it as it stops a user. Unlike
 * switching to another user, this works wherever the clone is, also inside a 0700 `mktemp -d`.
 */
const DROP_FILE_MODE_OVERRIDE = [
  "--bounding-set=-dac_override,-dac_read_search",
  "--inh-caps=-dac_override,-dac_read_search",
  "--",
];

/** Starts `chargeback <args>` as its own process (through tsx, as `pnpm chargeback` does). */
export function spawnCli(
  args: string[],
  options: SpawnOptions & { obeyFileModes?: boolean } = {},
): ChildProcess {
  const { obeyFileModes, ...spawnOptions } = options;
  const node = [process.execPath, "--import", "tsx", MAIN, ...args];
  const [command = "", ...argv] =
    obeyFileModes && process.getuid?.() === 0 ? ["setpriv", ...DROP_FILE_MODE_OVERRIDE, ...node] : node;
  return spawn(command, argv, { env: childProcessEnv(), ...spawnOptions });
}

export type ProcessRun = { code: number | null; stdout: string; stderr: string };

/** Runs `chargeback <args>` as its own process to the end; `closeStdout` leaves its reader at once. */
export function runCliProcess(
  args: string[],
  options: SpawnOptions & { closeStdout?: boolean; obeyFileModes?: boolean } = {},
): Promise<ProcessRun> {
  const { closeStdout, ...spawnOptions } = options;
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, { ...spawnOptions, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    if (closeStdout) child.stdout?.destroy();
    else
      child.stdout?.on("data", (c: Buffer) => {
        stdout += c.toString();
      });
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const MEASURES = [
  "requests",
  "errors",
  "input_tokens",
  "output_tokens",
  "cache_read_input_tokens",
  "cache_write_input_tokens",
];

export type TruthRow = ReturnType<typeof parseGroundTruth>["rows"][number];

/** "0.00875" (USD per 1M tokens) → 8750n: micro-USD per 1M tokens, which is pico-USD per token. */
function picoPerToken(usdPerMillion: string): bigint {
  const [whole = "0", frac = ""] = usdPerMillion.split(".");
  if (frac.length > 6) throw new Error(`price ${usdPerMillion} has more than 6 decimals`);
  return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, "0"));
}

type CatalogPrice = {
  model: string;
  scopes: string[];
  regions?: string[];
  effective_from: string;
  input: string;
  output: string;
  cache_read: string;
  cache_write: string;
};
let catalog: CatalogPrice[] | undefined;

/**
 * The scope a logged model id is billed at: `global.` profiles, geographic profiles, or in-region.
 * `profiles`: application inference profile ARN → the model or profile id it routes to.
 */
function scopeOf(modelId: string, profiles: Record<string, string>): string {
  const target = modelId.startsWith("arn:") ? (profiles[modelId] ?? "") : modelId;
  if (target.startsWith("global.")) return "global";
  return /^(us|eu|apac|jp|au|us-gov|ca|in)\./.test(target) ? "geographic" : "in_region";
}

/**
 * A truth row's exact cost in pico-USD at the catalog price in force on its day (0 when unpriced):
 * the row for its region if the catalog has one, else the "*" row (regions default to "*").
 */
function truthCostPico(row: TruthRow, profiles: Record<string, string>): bigint {
  catalog ??= JSON.parse(readFileSync(SHIPPED_CATALOG_PATH, "utf8")).prices as CatalogPrice[];
  const prices = catalog;
  const scope = scopeOf(row.model_id, profiles);
  const inForce = (region: string) =>
    prices
      .filter(
        (p) =>
          p.model === row.model &&
          p.scopes.includes(scope) &&
          (p.regions ?? ["*"]).includes(region) &&
          p.effective_from <= row.day,
      )
      .sort((a, b) => b.effective_from.localeCompare(a.effective_from))[0];
  const price = inForce(row.region) ?? inForce("*");
  if (!price) return 0n;
  return (
    BigInt(row.input_tokens) * picoPerToken(price.input) +
    BigInt(row.output_tokens) * picoPerToken(price.output) +
    BigInt(row.cache_read_input_tokens) * picoPerToken(price.cache_read) +
    BigInt(row.cache_write_input_tokens) * picoPerToken(price.cache_write)
  );
}

/** pico-USD → USD rounded once to the micro-dollar (half away from zero), as a JSON number. */
function usdOf(pico: bigint): number {
  const micros = (pico + 500_000n) / 1_000_000n;
  return Number(`${micros / 1_000_000n}.${String(micros % 1_000_000n).padStart(6, "0")}`);
}

/**
 * The report rows the ground truth implies, summed by `by`, with each group's cost priced straight
 * from the catalog JSON (not through the collector's pricing code) and rounded once.
 */
export function expectedReport(rows: readonly TruthRow[], profiles: Record<string, string>, by: string[]) {
  const cost = new Map<string, bigint>();
  const key = (r: Record<string, unknown>) => JSON.stringify(by.map((k) => r[k] ?? null));
  for (const r of rows) cost.set(key(r), (cost.get(key(r)) ?? 0n) + truthCostPico(r, profiles));
  return aggregateTruth(rows, by).map((g) => ({ ...g, cost_usd: usdOf(cost.get(key(g)) ?? 0n) }));
}

/** Report rows (or expected ones) reduced to the dimensions, measures and cost, in one order. */
export function comparable(rows: Record<string, unknown>[], by: string[]) {
  return rows
    .map((r) => Object.fromEntries([...by, ...MEASURES, "cost_usd"].map((k) => [k, r[k] ?? null])))
    .sort((a, b) => JSON.stringify(by.map((k) => a[k])).localeCompare(JSON.stringify(by.map((k) => b[k]))));
}
