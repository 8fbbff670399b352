/**
 * The template matcher (no Bedrock): each kind of question it answers, its rows compared with the
 * report engine's figures for the same period, and the questions it leaves alone.
 */
import {
  type Db,
  formatMicros,
  PriceBook,
  queryUsage,
  roundPicoToMicros,
  type UsageRow,
} from "@bedrock-chargeback/ledger";
import { beforeAll, describe, expect, it } from "vitest";
import { createAssistant } from "./ask";
import { parseAssistantConfig } from "./config";
import { matchTemplate } from "./fallback";
import { assistantTestStore } from "./testing";

const NOW = new Date("2026-11-29T10:00:00Z");
let db: Db;
const usd = (pico: bigint) => Number(formatMicros(roundPicoToMicros(pico)));
const byTenant = (from: string, to: string): Map<string | null, UsageRow> =>
  new Map(
    queryUsage(db, PriceBook.load(db), { from, to, by: ["tenant"] }).map((r) => [r.keys.tenant ?? null, r]),
  );

beforeAll(() => {
  db = assistantTestStore();
});

async function ask(question: string, tenant?: string) {
  const assistant = createAssistant({
    db,
    config: parseAssistantConfig({ CHARGEBACK_ASK_MODE: "fallback" }),
    now: () => NOW,
  });
  return assistant.ask({ question, tenant, user: "test" });
}

describe("template answers equal the report engine's figures", () => {
  it("month-over-month change by tenant, named months: the tenant that grew most", async () => {
    const out = await ask("Which tenant's cost grew most from September to October 2026?");
    expect(out.mode).toBe("fallback");
    expect(out.columns).toEqual(["tenant", "from_cost_usd", "to_cost_usd", "change_usd"]);
    const sep = byTenant("2026-09-01", "2026-10-01");
    const oct = byTenant("2026-10-01", "2026-11-01");
    const changes = [...oct.entries()]
      .map(([t, r]) => ({ t, from: sep.get(t)?.costPico ?? 0n, to: r.costPico }))
      .sort((a, b) => (b.to - b.from > a.to - a.from ? 1 : -1));
    const top = changes[0];
    expect(out.rows).toEqual([
      [top?.t, usd(top?.from ?? 0n), usd(top?.to ?? 0n), usd((top?.to ?? 0n) - (top?.from ?? 0n))],
    ]);
    expect(out.answer).toContain("Cost change by tenant from 2026-09 to 2026-10: initech");
  });

  it("month-over-month without months: last month against this month so far, every tenant", async () => {
    const out = await ask("month over month change in cost by tenant");
    expect(out.sql).toContain("month IN ('2026-10', '2026-11')");
    expect(out.rows).toHaveLength(4);
    expect(out.answer).toContain("from 2026-10 to 2026-11 (this month so far)");
  });

  it("top N by a dimension over last month", async () => {
    const out = await ask("top 2 applications by spend last month");
    const oct = queryUsage(db, PriceBook.load(db), {
      from: "2026-10-01",
      to: "2026-11-01",
      by: ["application"],
    })
      .map((r) => [r.keys.application ?? null, usd(r.costPico), r.requests])
      .sort((a, b) => Number(b[1]) - Number(a[1]))
      .slice(0, 2);
    expect(out.rows).toEqual(oct);
  });

  it("the total over the last 7 days (day rows), for a tenant only its own", async () => {
    const out = await ask("how much did we spend in the last 7 days?", "acme");
    expect(out.sql).toContain("FROM usage_by_day WHERE day >= '2026-11-23' AND day < '2026-11-30'");
    const week = byTenant("2026-11-23", "2026-11-30").get("acme");
    expect(out.rows).toEqual([[usd(week?.costPico ?? 0n), week?.requests ?? 0]]);
  });

  it("cost by cost center in a named month of a past year", async () => {
    const out = await ask("cost per cost center in 2026-09");
    expect(out.sql).toContain("month = '2026-09'");
    expect(out.columns).toEqual(["cost_center", "cost_usd", "requests"]);
  });
});

describe("what the matcher leaves alone", () => {
  it.each(["write me a poem", "who won the match yesterday?", "delete everything"])("%s", (q) => {
    expect(matchTemplate(q, NOW)).toBeUndefined();
  });

  it("a month named without a year is the latest one not after today", () => {
    expect(matchTemplate("cost by model in December", NOW)?.sql).toContain("month = '2025-12'");
    expect(matchTemplate("cost by model in November", NOW)?.sql).toContain("month = '2026-11'");
  });
});
