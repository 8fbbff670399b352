/**
 * API memory under attack: one admin key and one tenant key send distinct heavy usage queries
 * (distinct hourly ranges × group_by sets, some asking for gzip) to a real `chargeback serve` on
 * 127.0.0.1, while this process samples the server's RSS from /proc. Bounded: at most `--requests`
 * per key and `--seconds` per run. Runs the current code and, with `--old-root <dir>` (a checkout
 * of an earlier commit, e.g. `git worktree add /tmp/cb-old <commit>` with node_modules linked),
 * the earlier code on the same store, and prints peak RSS against the bound.
 *
 *   npx tsx bench/api-memory.ts [--old-root /tmp/cb-old] [--requests 60] [--seconds 120]
 *        [--tenants 1000] [--rows-per-hour 150] [--days 120] [--heap-mb 1536] [--bound-mb 400]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createApiKey } from "../api/src/index";
import { addPrice, addRollupRows, createDb, type HourlyRow, PriceBook } from "../ledger/src/index";

const { values: opts } = parseArgs({
  options: {
    "old-root": { type: "string" },
    requests: { type: "string", default: "60" },
    seconds: { type: "string", default: "120" },
    tenants: { type: "string", default: "1000" },
    "rows-per-hour": { type: "string", default: "150" },
    days: { type: "string", default: "120" },
    "heap-mb": { type: "string", default: "1536" },
    "bound-mb": { type: "string", default: "400" },
  },
});

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const MODELS = [
  { id: "anthropic.claude-bench-v1", input: "3", output: "15" },
  { id: "amazon.nova-bench-v1", input: "0.06", output: "0.24" },
  { id: "meta.llama-bench-v1", input: "0.72", output: "0.72" },
];
const START = Date.parse("2026-01-01T00:00:00Z");
const HOUR_MS = 3_600_000;

/** Hourly rollups for `tenants` tenants, `rowsPerHour` rows an hour, written straight to the store. */
function buildStore(path: string, tenants: number, rowsPerHour: number, days: number): number {
  const db = createDb(path);
  for (const m of MODELS) {
    addPrice(db, {
      model: m.id,
      scopes: ["in_region"],
      effectiveFrom: "2025-01-01",
      input: m.input,
      output: m.output,
      cacheRead: "0",
      cacheWrite: "0",
      source: "bench",
    });
  }
  const book = PriceBook.load(db);
  // Through the writer, as an ingest writes them (usage_hourly is a view over usage_hourly_rows).
  const ctx = { db, source: "raw" as const, prices: book };
  const dims = (tenant: string, app: string, costCenter: string, model: string) => ({
    accountId: "111122223333",
    region: "us-east-1",
    tenantId: tenant,
    applicationName: app,
    costCenter,
    environment: "production",
    team: "team",
    modelId: model,
  });
  let hourRows: HourlyRow[] = [];
  let rows = 0;
  db.$client.transaction(() => {
    for (let h = 0; h < days * 24; h++) {
      const hour = new Date(START + h * HOUR_MS).toISOString().replace(".000Z", "Z");
      for (let i = 0; i < rowsPerHour; i++) {
        const t = (h * rowsPerHour + i) % tenants;
        const tenant = `t${String(t).padStart(4, "0")}`;
        const app = `app-${t % 7}`;
        const mi = (t + i) % MODELS.length;
        const model = MODELS[mi]?.id ?? "";
        const requests = 1 + ((h + i) % 40);
        hourRows.push({
          hour,
          dims: dims(tenant, app, `CC-${t % 40}`, model),
          counters: {
            requests,
            errors: 0,
            inputTokens: requests * 900,
            outputTokens: requests * 200,
            cacheReadTokens: 0,
            cacheWriteTokens: 0,
          },
        });
        rows++;
      }
      // One write per day, as a batch of an ingest would (it rebuilds that day's derived rows).
      if (h % 24 === 23) {
        addRollupRows(ctx, hourRows, []);
        hourRows = [];
      }
    }
  })();
  db.$client.pragma("wal_checkpoint(TRUNCATE)");
  db.$client.close();
  return rows;
}

/** `chargeback serve` from `root` (this checkout or an older one) on a free loopback port. */
function startServer(
  root: string,
  dbPath: string,
  heapMb: number,
): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(
    process.execPath,
    [
      `--max-old-space-size=${heapMb}`,
      "--import",
      "tsx",
      join(root, "cli/src/main.ts"),
      "serve",
      "--db",
      dbPath,
      "--port",
      "0",
      "--host",
      "127.0.0.1",
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        CHARGEBACK_API_LOG_REQUESTS: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  return new Promise((done, fail) => {
    let seen = "";
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(seen);
      if (m?.[1]) {
        proc.stderr?.off("data", onData);
        // Drain the request log, keeping its tail: why the server died, if it does.
        let tail = "";
        proc.stderr?.on("data", (chunk: Buffer) => {
          tail = (tail + chunk.toString()).slice(-4000);
        });
        done({ proc, url: m[1], tail: () => tail });
      }
      if (seen.length > 100_000) seen = seen.slice(-10_000);
    };
    proc.stderr?.on("data", onData);
    proc.stdout?.resume();
    proc.once("exit", (code) => fail(new Error(`server exited ${code} before listening`)));
  });
}

function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m?.[1] ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

type Outcome = { status: number; bytes: number };

/** One GET, body drained and counted (not kept). status 0 = connection failed (server gone). */
function send(url: string, key: string, gzip: boolean): Promise<Outcome> {
  return new Promise((done) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (gzip) headers["accept-encoding"] = "gzip";
    const req = get(url, { headers, timeout: 60_000 }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => {
        bytes += c.length;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, bytes }));
      res.on("error", () => done({ status: 0, bytes }));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => done({ status: 0, bytes: 0 }));
  });
}

const GROUP_BYS = [
  "tenant,application,cost_center,model",
  "application,tenant,model",
  "cost_center,tenant,application,model",
  "model,tenant,cost_center",
];

/** The i-th distinct heavy query: a 14-day hourly range starting 13 h later each time. */
function adminQuery(i: number, days: number): string {
  const span = 14 * 24;
  const offset = (i * 13) % Math.max(1, days * 24 - span);
  const from = new Date(START + offset * HOUR_MS).toISOString().replace(".000Z", "Z");
  const to = new Date(START + (offset + span) * HOUR_MS).toISOString().replace(".000Z", "Z");
  return `/v1/usage?from=${from}&to=${to}&group_by=${GROUP_BYS[i % GROUP_BYS.length]}&granularity=hour`;
}

function tenantQuery(i: number, days: number): string {
  const span = 30 * 24;
  const offset = (i * 7) % Math.max(1, days * 24 - span);
  const from = new Date(START + offset * HOUR_MS).toISOString().replace(".000Z", "Z");
  const to = new Date(START + (offset + span) * HOUR_MS).toISOString().replace(".000Z", "Z");
  return `/v1/usage/timeseries?from=${from}&to=${to}&group_by=application,model,cost_center&granularity=hour`;
}

type Run = {
  name: string;
  sent: number;
  ok: number;
  limited: number;
  failed: number;
  /** Why the server stopped during the attack, or null. */
  died: string | null;
  peakMb: number;
  startMb: number;
  endMb: number | null;
  maxBodyMb: number;
  seconds: number;
};

async function attack(
  name: string,
  root: string,
  dbPath: string,
  keys: { admin: string; tenant: string },
): Promise<Run> {
  const heapMb = Number(opts["heap-mb"]);
  const requests = Number(opts.requests);
  const deadline = performance.now() + Number(opts.seconds) * 1000;
  const days = Number(opts.days);
  const { proc, url, tail } = await startServer(root, dbPath, heapMb);
  const pid = proc.pid ?? 0;
  let died: string | null = null;
  // "close", not "exit": by then stderr (where V8 reports a heap OOM) is read to the end.
  proc.once("close", (code, signal) => {
    died = /heap out of memory/i.test(tail()) ? "heap out of memory" : `exit ${code ?? signal}`;
  });
  const startMb = rssMb(pid) ?? 0;
  let peakMb = startMb;
  const sampler = setInterval(() => {
    const r = rssMb(pid);
    if (r !== null) peakMb = Math.max(peakMb, r);
  }, 50);
  const run: Run = {
    name,
    sent: 0,
    ok: 0,
    limited: 0,
    failed: 0,
    died: null,
    peakMb: 0,
    startMb,
    endMb: null,
    maxBodyMb: 0,
    seconds: 0,
  };
  const t0 = performance.now();
  const loop = async (key: string, query: (i: number, days: number) => string) => {
    for (let i = 0; i < requests && !died && performance.now() < deadline; i++) {
      const out = await send(`${url}${query(i, days)}`, key, i % 2 === 1);
      run.sent++;
      if (out.status === 200) run.ok++;
      else if (out.status === 429) run.limited++;
      else run.failed++;
      run.maxBodyMb = Math.max(run.maxBodyMb, out.bytes / 1_048_576);
    }
  };
  await Promise.all([loop(keys.admin, adminQuery), loop(keys.tenant, tenantQuery)]);
  run.seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  run.endMb = rssMb(pid);
  run.died = died;
  run.peakMb = Math.max(peakMb, run.endMb ?? 0);
  if (!died) {
    await new Promise<void>((done) => {
      proc.once("close", () => done());
      proc.kill("SIGTERM");
    });
  }
  return run;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "cb-api-memory-"));
  const dbPath = join(dir, "store.db");
  const built = performance.now();
  const rows = buildStore(dbPath, Number(opts.tenants), Number(opts["rows-per-hour"]), Number(opts.days));
  const db = createDb(dbPath);
  const keys = {
    admin: createApiKey(db, { role: "admin", tenant: null }).key,
    tenant: createApiKey(db, { role: "tenant", tenant: "t0007" }).key,
  };
  db.$client.close();
  process.stdout.write(
    `store: ${rows.toLocaleString("en-US")} hourly rows (${opts.tenants} tenants, ${opts.days} days) in ${((performance.now() - built) / 1000).toFixed(1)} s\n`,
  );
  const loadBefore = loadavg()[0] ?? 0;
  const runs: Run[] = [];
  const oldRoot = opts["old-root"];
  if (oldRoot) runs.push(await attack(`before (${oldRoot})`, resolve(oldRoot), dbPath, keys));
  runs.push(await attack("after (this checkout)", ROOT, dbPath, keys));
  // The same attack with the rate limit off: memory must stay bounded by the cache and the pages
  // alone, not by the limiter turning requests away.
  process.env.CHARGEBACK_API_RATE_LIMIT_RPS = "0";
  runs.push(await attack("after, rate limit off", ROOT, dbPath, keys));
  delete process.env.CHARGEBACK_API_RATE_LIMIT_RPS;
  rmSync(dir, { recursive: true, force: true });

  const bound = Number(opts["bound-mb"]);
  const lines = [
    `| run | requests sent | 200 | 429 | failed | server died | largest body MB | start RSS MB | peak RSS MB | s |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.sent} | ${r.ok} | ${r.limited} | ${r.failed} | ${r.died ? `yes: ${r.died}` : "no"} | ${r.maxBodyMb.toFixed(1)} | ${r.startMb.toFixed(0)} | ${r.peakMb.toFixed(0)} | ${r.seconds.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const after = runs.filter((r) => r.name.startsWith("after"));
  const worst = Math.max(...after.map((r) => r.peakMb));
  const met = worst <= bound && after.every((r) => !r.died);
  process.stdout.write(
    `\nBound: peak RSS ≤ ${bound} MB for the current code: ${met ? "met" : "NOT met"} (worst ${worst.toFixed(0)} MB).\n` +
      `Machine: ${cpus().length} vCPU, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; server heap limit ${opts["heap-mb"]} MB; ` +
      `per key at most ${opts.requests} requests and ${opts.seconds} s; 1-min load ${loadBefore.toFixed(1)} at start, ${(loadavg()[0] ?? 0).toFixed(1)} at end.\n`,
  );
}

await main();
