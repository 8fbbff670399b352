/**
 * The golden set: questions answered through the loopback Bedrock (scripted SQL, the real SDK and
 * wrapper), each compared with figures computed from the store by the report engine
 * (`queryUsage`, `getInvoice`, `listBudgets`) — never by the SQL under test.
 */
import {
  closePeriod,
  createBudget,
  type Db,
  formatMicros,
  getInvoice,
  listBudgets,
  PriceBook,
  priceCounters,
  queryUsage,
  resolveModel,
  roundPicoToMicros,
  type UsageQuery,
  type UsageRow,
} from "@bedrock-chargeback/ledger";
import { beforeAll, describe, expect, test } from "vitest";
import { createAssistant } from "./ask";
import { parseAssistantConfig } from "./config";
import type { Cell } from "./present";
import { assistantTestStore, HAIKU, SONNET, scriptedBedrock, sqlReply } from "./testing";

const NOW = new Date("2026-11-29T10:00:00Z");
const OCT = { from: "2026-10-01", to: "2026-11-01" };
const SEP = { from: "2026-09-01", to: "2026-10-01" };
const NOV = { from: "2026-11-01", to: "2026-12-01" };

let db: Db;
let prices: PriceBook;

const usd = (pico: bigint) => Number(formatMicros(roundPicoToMicros(pico)));
const report = (q: Omit<UsageQuery, "by"> & { by?: UsageQuery["by"] }): UsageRow[] =>
  queryUsage(db, prices, { by: [], ...q });
const total = (rows: UsageRow[], pick: (r: UsageRow) => bigint = (r) => r.costPico) =>
  rows.reduce((s, r) => s + pick(r), 0n);
const byCostDesc = (a: Cell[], b: Cell[]) => Number(b[1]) - Number(a[1]);
/** SQLite's ORDER BY: NULL first, then by text. */
const byKey = (a: Cell[], b: Cell[]) =>
  a[0] === b[0] ? 0 : a[0] === null ? -1 : b[0] === null ? 1 : String(a[0]) < String(b[0]) ? -1 : 1;

type Golden = { question: string; sql: string; columns: string[]; expected: () => Cell[][] };

const GOLDEN: Golden[] = [
  {
    question: "What did each tenant cost in October 2026?",
    sql: "SELECT tenant, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10' GROUP BY tenant ORDER BY cost_pico DESC",
    columns: ["tenant", "cost_usd"],
    expected: () =>
      report({ ...OCT, by: ["tenant"] })
        .map((r) => [r.keys.tenant ?? null, usd(r.costPico)])
        .sort(byCostDesc),
  },
  {
    question: "Top 2 applications by cost in October 2026",
    sql: "SELECT application, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10' GROUP BY application ORDER BY cost_pico DESC LIMIT 2",
    columns: ["application", "cost_usd"],
    expected: () =>
      report({ ...OCT, by: ["application"] })
        .map((r) => [r.keys.application ?? null, usd(r.costPico)])
        .sort(byCostDesc)
        .slice(0, 2),
  },
  {
    question: "What was the total cost in September 2026?",
    sql: "SELECT SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-09'",
    columns: ["cost_usd"],
    expected: () => [[usd(total(report(SEP)))]],
  },
  {
    question: "Cost by model so far this month",
    sql: "SELECT model, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-11' GROUP BY model ORDER BY model",
    columns: ["model", "cost_usd"],
    expected: () =>
      report({ ...NOV, by: ["model"] })
        .map((r) => [r.keys.model ?? null, usd(r.costPico)])
        .sort(byKey),
  },
  {
    question: "Cost by cost center in October 2026",
    sql: "SELECT cost_center, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10' GROUP BY cost_center ORDER BY cost_center",
    columns: ["cost_center", "cost_usd"],
    expected: () =>
      report({ ...OCT, by: ["cost_center"] })
        .map((r) => [r.keys.cost_center ?? null, usd(r.costPico)])
        .sort(byKey),
  },
  {
    question: "Which tenant's cost grew most from September to October 2026?",
    sql: "SELECT tenant, SUM(CASE WHEN month = '2026-09' THEN cost_pico ELSE 0 END) AS september_pico, SUM(CASE WHEN month = '2026-10' THEN cost_pico ELSE 0 END) AS october_pico, SUM(CASE WHEN month = '2026-10' THEN cost_pico ELSE -cost_pico END) AS change_pico FROM usage_by_month WHERE month IN ('2026-09', '2026-10') AND tenant IS NOT NULL GROUP BY tenant ORDER BY change_pico DESC LIMIT 1",
    columns: ["tenant", "september_usd", "october_usd", "change_usd"],
    expected: () => {
      const sep = new Map(report({ ...SEP, by: ["tenant"] }).map((r) => [r.keys.tenant, r.costPico]));
      const rows = report({ ...OCT, by: ["tenant"] })
        .filter((r) => r.keys.tenant !== null)
        .map((r) => {
          const before = sep.get(r.keys.tenant) ?? 0n;
          return { tenant: r.keys.tenant ?? null, before, after: r.costPico, change: r.costPico - before };
        })
        .sort((a, b) => (b.change > a.change ? 1 : -1));
      const top = rows[0];
      return top ? [[top.tenant, usd(top.before), usd(top.after), usd(top.change)]] : [];
    },
  },
  {
    question: "What did the sales assistant spend on Claude on weekends in October 2026?",
    sql: "SELECT SUM(cost_pico) AS cost_pico FROM usage_by_day WHERE application = 'sales-assistant' AND model LIKE 'anthropic.claude%' AND strftime('%w', day) IN ('0', '6') AND day >= '2026-10-01' AND day < '2026-11-01'",
    columns: ["cost_usd"],
    expected: () => {
      const days = report({
        ...OCT,
        by: ["model"],
        granularity: "day",
        filters: { application: ["sales-assistant"] },
      });
      const weekend = days.filter(
        (r) =>
          [0, 6].includes(new Date(`${r.period}T00:00:00Z`).getUTCDay()) &&
          (r.keys.model ?? "").startsWith("anthropic.claude"),
      );
      return [[usd(total(weekend))]];
    },
  },
  {
    question: "How much would October 2026 have cost on Haiku 4.5 instead of Sonnet 4.5?",
    sql: "SELECT SUM(u.input_tokens * p.input_pico_per_token + u.output_tokens * p.output_pico_per_token + u.cache_read_tokens * p.cache_read_pico_per_token + u.cache_write_tokens * p.cache_write_pico_per_token) AS haiku_cost_pico, SUM(u.cost_pico) AS actual_cost_pico FROM usage_by_month u JOIN prices p ON p.model = 'anthropic.claude-haiku-4-5-20251001-v1:0' AND p.scope = u.scope AND p.region = '*' WHERE u.month = '2026-10' AND u.model = 'anthropic.claude-sonnet-4-5-20250929-v1:0'",
    columns: ["haiku_cost_usd", "actual_cost_usd"],
    expected: () => {
      const sonnet = resolveModel(SONNET);
      const haiku = resolveModel(HAIKU);
      const rows = report({ ...OCT, by: ["scope"], filters: { model: [sonnet.baseModel] } });
      let haikuPico = 0n;
      for (const r of rows) {
        const price = prices.find(haiku.baseModel, r.keys.scope ?? "", "us-east-1", "2026-10-31");
        if (!price) throw new Error("no haiku price");
        haikuPico += priceCounters(r, price).pico;
      }
      return [[usd(haikuPico), usd(total(rows))]];
    },
  },
  {
    question: "How many requests did each tenant make in October 2026?",
    sql: "SELECT tenant, SUM(requests) AS requests FROM usage_by_month WHERE month = '2026-10' GROUP BY tenant ORDER BY tenant",
    columns: ["tenant", "requests"],
    expected: () =>
      report({ ...OCT, by: ["tenant"] })
        .map((r) => [r.keys.tenant ?? null, r.requests])
        .sort(byKey),
  },
  {
    question: "Input tokens by model in September 2026",
    sql: "SELECT model, SUM(input_tokens) AS input_tokens FROM usage_by_month WHERE month = '2026-09' GROUP BY model ORDER BY model",
    columns: ["model", "input_tokens"],
    expected: () =>
      report({ ...SEP, by: ["model"] })
        .map((r) => [r.keys.model ?? null, r.inputTokens])
        .sort(byKey),
  },
  {
    question: "How many errors did each application have in October 2026?",
    sql: "SELECT application, SUM(errors) AS errors FROM usage_by_month WHERE month = '2026-10' GROUP BY application ORDER BY application",
    columns: ["application", "errors"],
    expected: () =>
      report({ ...OCT, by: ["application"] })
        .map((r) => [r.keys.application ?? null, r.errors])
        .sort(byKey),
  },
  {
    question: "What did acme spend on 2026-10-05?",
    sql: "SELECT SUM(cost_pico) AS cost_pico FROM usage_by_day WHERE tenant = 'acme' AND day = '2026-10-05'",
    columns: ["cost_usd"],
    expected: () => [
      [usd(total(report({ from: "2026-10-05", to: "2026-10-06", filters: { tenant: ["acme"] } })))],
    ],
  },
  {
    question: "What did calls between 14:00 and 15:00 UTC cost in October 2026, all days together?",
    sql: "SELECT SUM(cost_pico) AS cost_pico FROM usage_by_hour WHERE substr(hour, 12, 2) = '14' AND hour >= '2026-10-01' AND hour < '2026-11-01'",
    columns: ["cost_usd"],
    expected: () => {
      const hours = report({
        from: "2026-10-01T00:00:00Z",
        to: "2026-11-01T00:00:00Z",
        granularity: "hour",
      }).filter((r) => r.period?.slice(11, 13) === "14");
      return [[hours.length === 0 ? null : usd(total(hours))]];
    },
  },
  {
    question: "Who was acme's most expensive user in October 2026?",
    sql: "SELECT user, SUM(cost_pico) AS cost_pico FROM usage_by_user WHERE tenant = 'acme' AND day >= '2026-10-01' AND day < '2026-11-01' GROUP BY user ORDER BY cost_pico DESC LIMIT 1",
    columns: ["user", "cost_usd"],
    expected: () =>
      report({ ...OCT, by: ["user"], filters: { tenant: ["acme"] } })
        .map((r) => [r.keys.user ?? null, usd(r.costPico)])
        .sort(byCostDesc)
        .slice(0, 1),
  },
  {
    question: "Cost by environment in November 2026",
    sql: "SELECT environment, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-11' GROUP BY environment ORDER BY environment",
    columns: ["environment", "cost_usd"],
    expected: () =>
      report({ ...NOV, by: ["environment"] })
        .map((r) => [r.keys.environment ?? null, usd(r.costPico)])
        .sort(byKey),
  },
  {
    question: "How much usage had no tenant in October 2026?",
    sql: "SELECT SUM(cost_pico) AS cost_pico, SUM(requests) AS requests FROM usage_by_month WHERE tenant IS NULL AND month = '2026-10'",
    columns: ["cost_usd", "requests"],
    expected: () => {
      const row = report({ ...OCT, filters: { tenant: [null] } })[0];
      return [[usd(row?.costPico ?? 0n), row?.requests ?? 0]];
    },
  },
  {
    question: "How many requests went to models without a price in October 2026?",
    sql: "SELECT SUM(requests) AS requests FROM usage_by_month WHERE priced = 0 AND month = '2026-10'",
    columns: ["requests"],
    expected: () => [[report(OCT)[0]?.unpricedRequests ?? 0]],
  },
  {
    question: "On how many days did globex use Bedrock in October 2026?",
    sql: "SELECT COUNT(DISTINCT day) AS days FROM usage_by_day WHERE tenant = 'globex' AND day >= '2026-10-01' AND day < '2026-11-01' AND requests > 0",
    columns: ["days"],
    expected: () => [
      [
        report({ ...OCT, granularity: "day", filters: { tenant: ["globex"] } }).filter((r) => r.requests > 0)
          .length,
      ],
    ],
  },
  {
    question: "What was acme invoiced for September 2026?",
    sql: "SELECT total_micros FROM invoices WHERE tenant = 'acme' AND month = '2026-09'",
    columns: ["total_usd"],
    expected: () => [[Number(formatMicros(getInvoice(db, prices, "2026-09", "acme").totalMicros))]],
  },
  {
    question: "What is acme's monthly budget?",
    sql: "SELECT amount_micros FROM budgets WHERE scope = 'tenant' AND scope_value = 'acme'",
    columns: ["amount_usd"],
    expected: () =>
      listBudgets(db, { scope: "tenant", scopeValue: "acme" }).map((b) => [
        Number(formatMicros(b.amountMicros)),
      ]),
  },
  {
    question: "Cost by region in October 2026",
    sql: "SELECT region, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE month = '2026-10' GROUP BY region ORDER BY region",
    columns: ["region", "cost_usd"],
    expected: () =>
      report({ ...OCT, by: ["region"] })
        .map((r) => [r.keys.region ?? null, usd(r.costPico)])
        .sort(byKey),
  },
  {
    question: "Cache read tokens per tenant in October 2026",
    sql: "SELECT tenant, SUM(cache_read_tokens) AS cache_read_tokens FROM usage_by_month WHERE month = '2026-10' GROUP BY tenant ORDER BY tenant",
    columns: ["tenant", "cache_read_tokens"],
    expected: () =>
      report({ ...OCT, by: ["tenant"] })
        .map((r) => [r.keys.tenant ?? null, r.cacheReadTokens])
        .sort(byKey),
  },
  {
    question: "Month by month cost for initech",
    sql: "SELECT month, SUM(cost_pico) AS cost_pico FROM usage_by_month WHERE tenant = 'initech' GROUP BY month ORDER BY month",
    columns: ["month", "cost_usd"],
    expected: () =>
      report({
        from: "2026-09-01",
        to: "2026-12-01",
        granularity: "month",
        filters: { tenant: ["initech"] },
      }).map((r) => [r.period ?? null, usd(r.costPico)]),
  },
];

/** The scripted model's sentence: the expected figures, so the figure check passes only when the rows hold them. */
function sentenceFor(expected: Cell[][]): string {
  if (expected.length === 0) return "No usage matches.";
  return `The answer: ${expected
    .map((row) =>
      row.map((c) => (typeof c === "number" && !Number.isInteger(c) ? c.toFixed(2) : String(c))).join(" "),
    )
    .join("; ")}.`;
}

beforeAll(() => {
  db = assistantTestStore();
  prices = PriceBook.load(db);
  closePeriod(db, prices, "2026-09", { closedBy: "test", now: NOW });
  createBudget(
    db,
    {
      name: "acme monthly",
      scope: "tenant",
      scopeValue: "acme",
      amountMicros: 250_000_000n,
      thresholds: [80, 100],
    },
    NOW,
  );
});

describe("golden questions through the loopback Bedrock", () => {
  test("the set has at least 20 questions, each with its own SQL", () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(20);
    expect(new Set(GOLDEN.map((g) => g.sql)).size).toBe(GOLDEN.length);
  });

  test.each(GOLDEN)("$question", async (golden) => {
    const expected = golden.expected();
    expect(expected.length).toBeGreaterThan(0);
    const fake = scriptedBedrock({ sql: () => sqlReply(golden.sql), answer: () => sentenceFor(expected) });
    const assistant = createAssistant({
      db,
      config: parseAssistantConfig({ AWS_REGION: "us-east-1" }),
      now: () => NOW,
      bedrockTransport: fake.transport,
    });
    const outcome = await assistant.ask({ question: golden.question, tenant: undefined, user: "key_admin" });
    expect(outcome.mode).toBe("bedrock");
    expect(outcome.sql).toBe(golden.sql);
    expect(outcome.columns).toEqual(golden.columns);
    expect(outcome.rows).toEqual(expected);
    // The scripted sentence passed the figure check: it is the answer, not the template.
    expect(outcome.notice).toBeUndefined();
    expect(outcome.answer).toBe(sentenceFor(expected));
    // Two calls (SQL, answer), each 1,200 in / 80 out at Haiku 4.5's geographic price: $0.00176 per call.
    expect(fake.calls.map((c) => c.kind)).toEqual(["sql", "answer"]);
    expect(outcome.tokens).toEqual({ input: 2400, output: 160, calls: 2 });
    expect(outcome.cost_usd).toBe(0.00352);
  });
});
