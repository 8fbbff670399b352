/**
 * Ask benchmark: what a question costs on our side (Bedrock's own time is not ours to measure
 * here). On a store — by default the simulator's demo-sized corpus — it times the SQL guard, the
 * semantic image for every tenant and for one tenant, cached and not, and one query through the
 * worker thread, with and without a spare worker already started. Prints medians over --runs.
 *
 *   npx tsx bench/ask.ts --db .demo/chargeback.db [--runs 10]
 */
import { parseArgs } from "node:util";
import {
  buildSemanticImage,
  checkSql,
  runQuery,
  SEMANTIC_VIEWS,
  SemanticImageCache,
} from "../assistant/src/index";
import { createDb } from "../ledger/src/index";

const { values: opts } = parseArgs({
  options: {
    db: { type: "string", default: ".demo/chargeback.db" },
    runs: { type: "string", default: "10" },
  },
});
const runs = Number(opts.runs);
const db = createDb(opts.db, { readonly: true });
const tenant = db.$client
  .prepare(
    "SELECT tenant_id FROM usage_monthly WHERE tenant_id IS NOT NULL GROUP BY tenant_id ORDER BY SUM(requests) DESC LIMIT 1",
  )
  .pluck()
  .get() as string;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function time(label: string, fn: () => unknown | Promise<unknown>, settleMs = 0): Promise<void> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    if (settleMs > 0) await new Promise((r) => setTimeout(r, settleMs));
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  console.log(`${label.padEnd(58)} ${median(ms).toFixed(1).padStart(8)} ms`);
}

const sql =
  "SELECT tenant, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month >= '2000-01' GROUP BY tenant ORDER BY cost_pico DESC LIMIT 10";
const rows = (table: string) => db.$client.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
console.log(
  `store ${opts.db}: usage_hourly ${rows("usage_hourly")}, usage_daily ${rows("usage_daily")}, usage_monthly ${rows("usage_monthly")}, facets ${rows("usage_daily_facets")} rows; tenant ${tenant}`,
);
await time("SQL guard (parse + check)", () => checkSql(sql));
for (const view of SEMANTIC_VIEWS) {
  await time(`image of ${view.name}, every tenant`, () => buildSemanticImage(db, undefined, [view.name]));
  await time(`image of ${view.name}, one tenant`, () => buildSemanticImage(db, tenant, [view.name]));
}
const cache = new SemanticImageCache(db);
cache.get(undefined, ["usage_by_month"]);
await time("image of usage_by_month from the cache (store unchanged)", () =>
  cache.get(undefined, ["usage_by_month"]),
);
const image = buildSemanticImage(db, undefined, ["usage_by_month"]);
const query = () => runQuery(image, sql, { timeoutMs: 30_000, maxRows: 500 });
await time("query, no spare worker ready (thread start + run)", query);
// Questions come seconds apart: by then the spare worker has started and loaded SQLite.
await time("query with the spare worker ready (run only)", query, 3_000);
db.$client.close();
