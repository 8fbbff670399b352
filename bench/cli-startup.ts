/**
 * `chargeback --help` start-up: wall time of the whole process (median of --runs after --warmup
 * unmeasured runs, interleaved) and its CPU time (user + sys, from GNU time where the machine has
 * it), by the routes a user can take:
 *   - pnpm script: `pnpm -s chargeback --help` in a clone (pnpm started by npx, then tsx)
 *   - tsx: `node --import tsx cli/src/main.ts --help` (the same without npx and pnpm)
 *   - bundled bin: `node cli/dist/main.js --help`, the file the installed `chargeback` runs
 *   - node floor: `node -e 0`, Node's own start-up on this machine
 * The bundle must be built first; `pnpm bench:cli-startup` does both.
 *
 *   npx tsx bench/cli-startup.ts [--runs 15] [--warmup 2]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    warmup: { type: "string", default: "2" },
  },
});
const runs = Number(opts.runs);
const warmup = Number(opts.warmup);

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const BUNDLE = join(ROOT, "cli/dist/main.js");
const PNPM = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).packageManager as string;

if (!existsSync(BUNDLE)) {
  console.error("cli/dist/main.js is missing: run `pnpm bench:cli-startup` (it builds the bundle first)");
  process.exit(2);
}

const routes: { name: string; command: string; args: string[] }[] = [
  {
    name: "pnpm script (`pnpm -s chargeback`)",
    command: "npx",
    args: ["-y", PNPM, "-s", "chargeback", "--help"],
  },
  {
    name: "tsx (`node --import tsx cli/src/main.ts`)",
    command: process.execPath,
    args: ["--import", "tsx", "cli/src/main.ts", "--help"],
  },
  { name: "bundled bin (`node cli/dist/main.js`)", command: process.execPath, args: [BUNDLE, "--help"] },
  { name: "node floor (`node -e 0`)", command: process.execPath, args: ["-e", "0"] },
];

/** GNU time reports the child's CPU seconds, which move far less than wall time on a busy machine. */
const GNU_TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

type Sample = { wallMs: number; cpuMs: number | undefined };

function timeOnce(command: string, args: string[]): Sample {
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ["-f", "cpu %U %S", command, ...args]] : [command, args];
  const started = process.hrtime.bigint();
  const result = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8" });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  if (args.includes("--help") && !result.stdout.includes("usage: chargeback")) {
    throw new Error(`${command} ${args.join(" ")} printed no usage`);
  }
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr);
  return { wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

console.log(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, load ${loadavg()[0]?.toFixed(2)} at start; ` +
    `median of ${runs} runs after ${warmup} warm-up runs`,
);
// Interleaved (one run of each route per round), so a change in the machine's load hits all alike.
for (let i = 0; i < warmup; i++) for (const route of routes) timeOnce(route.command, route.args);
const samples: Sample[][] = routes.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [r, route] of routes.entries()) samples[r]?.push(timeOnce(route.command, route.args));
}
console.log(
  "\n| route | median wall ms | min wall ms | max wall ms | median CPU ms |\n|---|---:|---:|---:|---:|",
);
for (const [r, route] of routes.entries()) {
  const wall = (samples[r] ?? []).map((s) => s.wallMs);
  const cpu = (samples[r] ?? []).flatMap((s) => (s.cpuMs === undefined ? [] : [s.cpuMs]));
  const cpuText = cpu.length > 0 ? median(cpu).toFixed(0) : "n/a";
  console.log(
    `| ${route.name} | ${median(wall).toFixed(0)} | ${Math.min(...wall).toFixed(0)} | ${Math.max(...wall).toFixed(0)} | ${cpuText} |`,
  );
}
console.log(`\nload ${loadavg()[0]?.toFixed(2)} at end`);
