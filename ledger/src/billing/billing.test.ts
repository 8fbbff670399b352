import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatMicros } from "../pricing/money";
import { PriceBook } from "../pricing/price-book";
import { attribution } from "./attribution";
import { budgetStatus, createBudget, linearForecastMicros } from "./budgets";
import { parseCsv, readCsvRecords } from "./csv";
import { invoicesToCsv, invoicesToFocusCsv } from "./exports";
import { getInvoice, getInvoices, markupAmount } from "./invoices";
import { setMarkup } from "./markups";
import { getPeriod } from "./period-status";
import { closePeriod } from "./periods";
import { addPrice, repriceOpenPeriods } from "./prices";
import { addUsage, TEST_MODEL, testDb, UNPRICED_MODEL } from "./testing";

const AFTER_OCT = new Date("2026-11-02T00:00:00Z");
const AFTER_NOV = new Date("2026-12-02T00:00:00Z");

function amounts(inv: {
  lines: { kind: string; tokenBucket: string | null; amountMicros: bigint; quantity: number | null }[];
}) {
  return inv.lines.map((l) => [l.kind, l.tokenBucket, l.quantity, l.amountMicros]);
}

describe("invoices", () => {
  it("bills one line per application × model × bucket, total = sum of lines", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 1_000_000, output: 200_000, requests: 10, errors: 1 },
      {
        hour: "2026-10-06T11:00:00Z",
        input: 500_000,
        cacheRead: 1_000_000,
        cacheWrite: 100_000,
        requests: 5,
      },
      { hour: "2026-10-07T00:00:00Z", tenant: "beta", input: 1 },
      { hour: "2026-10-07T00:00:00Z", model: UNPRICED_MODEL, input: 999, requests: 2 },
      { hour: "2026-10-07T00:00:00Z", tenant: null, input: 1_000_000 },
    ]);
    const inv = getInvoice(db, PriceBook.load(db), "2026-10", "acme");
    expect(inv.status).toBe("open");
    expect(amounts(inv)).toEqual([
      ["usage", "input", 1_500_000, 4_500_000n],
      ["usage", "output", 200_000, 3_000_000n],
      ["usage", "cache_read", 1_000_000, 300_000n],
      ["usage", "cache_write", 100_000, 375_000n],
    ]);
    expect(inv.lines[0]?.priceVersion).toMatch(/^p1:anthropic\.claude-test:in_region:\*:2026-01-01$/);
    expect(inv.lines[0]?.unitMicros).toBe(3_000_000);
    expect(inv.totalMicros).toBe(8_175_000n);
    expect(inv.requests).toBe(17);
    expect(inv.errors).toBe(1);
    expect(inv.unpriced).toEqual({ requests: 2, tokens: 999, models: [UNPRICED_MODEL] });
    // Tenant-less usage is not invoiced to anyone.
    expect(getInvoices(db, PriceBook.load(db), "2026-10").map((i) => i.tenant)).toEqual(["acme", "beta"]);
  });

  it("rounds each line once; the total is the sum of rounded lines", () => {
    const db = testDb();
    // 1 cache-read token = 0.3 µUSD per line: two lines round to 0 each (exact sum 0.6 would round to 1).
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", application: "a", cacheRead: 1 },
      { hour: "2026-10-05T10:00:00Z", application: "b", cacheRead: 1 },
      { hour: "2026-10-05T10:00:00Z", application: "c", cacheRead: 2, input: 333_333 },
    ]);
    const inv = getInvoice(db, PriceBook.load(db), "2026-10", "acme");
    expect(inv.lines.map((l) => l.amountMicros)).toEqual([0n, 0n, 999_999n, 1n]);
    expect(inv.totalMicros).toBe(1_000_000n);
    expect(inv.totalMicros).toBe(inv.lines.reduce((s, l) => s + l.amountMicros, 0n));
  });

  it("adds a markup or discount as a separate line on the subtotal", () => {
    const db = testDb();
    addUsage(db, [{ hour: "2026-10-05T10:00:00Z", input: 1_234_567 }]);
    setMarkup(db, { tenant: "acme", basisPoints: 750, description: "Platform fee" });
    const inv = getInvoice(db, PriceBook.load(db), "2026-10", "acme");
    expect(inv.subtotalMicros).toBe(3_703_701n);
    const markup = inv.lines.at(-1);
    expect(markup?.kind).toBe("markup");
    // 3.703701 × 7.5% = 0.277777575 → 0.277778
    expect(markup?.amountMicros).toBe(277_778n);
    expect(inv.totalMicros).toBe(3_981_479n);
    expect(markupAmount(1_000_000n, -1_000)).toBe(-100_000n);
  });
});

describe("closing, late usage and reprices", () => {
  it("closes a month, freezes it, and bills late usage as an adjustment on the next open month", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 1_000_000 },
      { hour: "2026-11-03T10:00:00Z", output: 100_000 },
    ]);
    expect(() =>
      closePeriod(db, PriceBook.load(db), "2026-10", {
        closedBy: "t",
        now: new Date("2026-10-31T23:00:00Z"),
      }),
    ).toThrow(/not ended/);
    const closed = closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "finance-1", now: AFTER_OCT });
    expect(closed.invoices).toBe(1);
    expect(closed.totalMicros).toBe(3_000_000n);
    expect(getPeriod(db, "2026-10")).toMatchObject({ status: "closed", closedBy: "finance-1" });
    expect(() => closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "x", now: AFTER_OCT })).toThrow(
      /already closed/,
    );

    // Late usage for October arrives after the close.
    addUsage(db, [
      { hour: "2026-10-30T23:00:00Z", input: 500_000 },
      { hour: "2026-10-30T23:00:00Z", application: "newapp", output: 10_000 },
    ]);
    const oct = getInvoice(db, PriceBook.load(db), "2026-10", "acme");
    expect(oct.status).toBe("closed");
    expect(oct.totalMicros).toBe(3_000_000n);
    expect(amounts(oct)).toEqual([["usage", "input", 1_000_000, 3_000_000n]]);

    const nov = getInvoice(db, PriceBook.load(db), "2026-11", "acme");
    expect(amounts(nov)).toEqual([
      ["usage", "output", 100_000, 1_500_000n],
      ["adjustment", "output", 10_000, 150_000n],
      ["adjustment", "input", 500_000, 1_500_000n],
    ]);
    expect(nov.lines[1]).toMatchObject({ usageMonth: "2026-10", application: "newapp" });
    expect(nov.totalMicros).toBe(3_150_000n);

    // Close November (with its adjustments); more late October usage lands on December.
    closePeriod(db, PriceBook.load(db), "2026-11", { closedBy: "finance-1", now: AFTER_NOV });
    addUsage(db, [{ hour: "2026-10-15T00:00:00Z", input: 1_000 }]);
    const dec = getInvoice(db, PriceBook.load(db), "2026-12", "acme");
    expect(amounts(dec)).toEqual([["adjustment", "input", 1_000, 3_000n]]);
    expect(getInvoice(db, PriceBook.load(db), "2026-11", "acme").totalMicros).toBe(3_150_000n);
  });

  it("a reprice after close changes open months only; the closed invoice stays as billed", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 1_000_000 },
      { hour: "2026-11-05T10:00:00Z", input: 1_000_000 },
    ]);
    closePeriod(db, PriceBook.load(db), "2026-10", { closedBy: "f", now: AFTER_OCT });
    const [p] = addPrice(db, {
      model: TEST_MODEL,
      scopes: ["in_region"],
      effectiveFrom: "2026-10-01",
      input: "4.00",
      output: "20.00",
      cacheRead: "0.40",
      cacheWrite: "5.00",
    });
    expect(p?.origin).toBe("api");
    // Adding a price reprices nothing by itself.
    expect(getInvoice(db, PriceBook.load(db), "2026-11", "acme").totalMicros).toBe(3_000_000n);
    const r = repriceOpenPeriods(db, { fromMonth: "2026-10", toMonth: "2026-11" });
    expect(r).toMatchObject({
      repricedMonths: ["2026-11"],
      skippedClosedMonths: ["2026-10"],
      hourlyRowsChanged: 1,
      facetRowsChanged: 1,
    });
    const book = PriceBook.load(db);
    expect(getInvoice(db, book, "2026-10", "acme").totalMicros).toBe(3_000_000n);
    const nov = getInvoice(db, book, "2026-11", "acme");
    expect(nov.totalMicros).toBe(4_000_000n);
    expect(nov.lines[0]?.priceId).toBe(p?.id);
    // No adjustment: October's rows kept their price version.
    expect(nov.lines.filter((l) => l.kind === "adjustment")).toEqual([]);
  });
});

describe("exports", () => {
  it("CSV and FOCUS totals equal the invoices' totals", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 1_000_001, output: 3 },
      { hour: "2026-10-05T10:00:00Z", tenant: "beta", application: "=cmd|' /C calc'!A0", cacheWrite: 7 },
    ]);
    setMarkup(db, { tenant: "beta", basisPoints: -1_000 });
    const list = getInvoices(db, PriceBook.load(db), "2026-10");
    const csv = readCsvRecords(invoicesToCsv(list));
    for (const inv of list) {
      const sum = csv
        .filter((r) => r.tenant === inv.tenant)
        .reduce((s, r) => s + Math.round(Number(r.amount_usd) * 1e6), 0);
      expect(sum).toBe(Number(inv.totalMicros));
    }
    expect(csv.find((r) => r.tenant === "beta")?.application).toBe("=cmd|' /C calc'!A0");
    expect(invoicesToCsv(list)).toContain(`"'=cmd|' /C calc'!A0"`);
    const focus = readCsvRecords(invoicesToFocusCsv(list));
    const billed = focus.reduce((s, r) => s + Math.round(Number(r.BilledCost) * 1e6), 0);
    expect(billed).toBe(Number(list.reduce((s, i) => s + i.totalMicros, 0n)));
    expect(focus[0]).toMatchObject({
      BillingCurrency: "USD",
      ChargeCategory: "Usage",
      SubAccountId: "acme",
      ServiceName: "Amazon Bedrock",
      PublisherName: "Anthropic",
      ConsumedUnit: "Tokens",
      PricingUnit: "1000000 Tokens",
      ListUnitPrice: "3.000000",
      PricingQuantity: "1.000001",
      BillingPeriodStart: "2026-10-01T00:00:00Z",
      BillingPeriodEnd: "2026-11-01T00:00:00Z",
      Tags: JSON.stringify({ application: "support", cost_center: "CC-1" }),
    });
    expect(focus.at(-1)?.ChargeCategory).toBe("Adjustment");
    expect(formatMicros(list[0]?.totalMicros ?? 0n)).toBe("3.000048");
  });

  it("property: any metadata string survives the CSV export and never starts a formula", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (tenant, app) => {
          const db = testDb();
          addUsage(db, [{ hour: "2026-10-05T10:00:00Z", tenant, application: app, input: 10 }]);
          const text = invoicesToCsv(getInvoices(db, PriceBook.load(db), "2026-10"));
          const rows = readCsvRecords(text);
          expect(rows).toHaveLength(1);
          expect(rows[0]?.tenant).toBe(tenant);
          expect(rows[0]?.application).toBe(app);
          for (const field of parseCsv(text).flat()) {
            if (!/^-?\d+(\.\d+)?$/.test(field)) expect(field).not.toMatch(/^[=+\-@\t\r]/);
          }
          db.$client.close();
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("budgets and attribution", () => {
  it("reports month-to-date spend, a linear forecast and crossed thresholds", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-11-01T00:00:00Z", input: 1_000_000 },
      { hour: "2026-11-10T00:00:00Z", input: 1_000_000, application: "other" },
      { hour: "2026-11-20T00:00:00Z", input: 1_000_000 },
    ]);
    const b = createBudget(db, { scope: "tenant", scopeValue: "acme", amountMicros: 10_000_000n });
    expect(b.thresholds).toEqual([80, 100]);
    // 15 of 30 days elapsed: $6 spent (the 20th is in the future), forecast $12.
    const s = budgetStatus(db, PriceBook.load(db), b, new Date("2026-11-16T00:00:00Z"));
    expect(s).toMatchObject({
      month: "2026-11",
      spentMicros: 6_000_000n,
      forecastMicros: 12_000_000n,
      percentUsed: 60,
      forecastPercent: 120,
      crossed: [],
      forecastCrossed: [80, 100],
    });
    const app = createBudget(db, {
      scope: "application",
      scopeValue: "other",
      amountMicros: 3_000_000n,
      thresholds: [50, 100],
    });
    expect(budgetStatus(db, PriceBook.load(db), app, new Date("2026-11-16T00:00:00Z")).crossed).toEqual([
      50, 100,
    ]);
    expect(() => createBudget(db, { scope: "tenant", scopeValue: "acme", amountMicros: 1n })).toThrow(
      /already has/,
    );
  });

  it("shows the unattributed share and the identities behind it", () => {
    const db = testDb();
    addUsage(db, [
      { hour: "2026-10-05T10:00:00Z", input: 3_000_000, requests: 6 },
      {
        hour: "2026-10-05T10:00:00Z",
        tenant: null,
        input: 1_000_000,
        requests: 3,
        identity: "arn:aws:iam::1:role/batch",
      },
      {
        hour: "2026-10-06T10:00:00Z",
        costCenter: null,
        input: 1_000_000 / 2,
        requests: 1,
        identity: "arn:aws:iam::1:role/dev",
      },
    ]);
    const a = attribution(db, PriceBook.load(db), { from: "2026-10-01", to: "2026-11-01" });
    expect(a.total.costPico).toBe(13_500_000_000_000n);
    expect(a.unattributed.costPico).toBe(4_500_000_000_000n);
    expect(a.unattributed.requests).toBe(4);
    expect(a.missing.tenant.requests).toBe(3);
    expect(a.missing.cost_center.requests).toBe(1);
    expect(a.topIdentities.map((i) => [i.identity, i.totals.requests])).toEqual([
      ["arn:aws:iam::1:role/batch", 3],
      ["arn:aws:iam::1:role/dev", 1],
    ]);
  });
});

describe("linear forecast (budgets and the usage API)", () => {
  it("projects spend over the elapsed share of the range; the spend once it ended; none before", () => {
    expect(linearForecastMicros(100n, 0, 10, 5)).toBe(200n);
    expect(linearForecastMicros(100n, 0, 30, 20)).toBe(150n);
    expect(linearForecastMicros(1n, 0, 3, 2)).toBe(2n); // 1.5 rounds half up
    expect(linearForecastMicros(0n, 0, 10, 5)).toBe(0n);
    expect(linearForecastMicros(100n, 0, 10, 0)).toBeNull();
    expect(linearForecastMicros(100n, 0, 10, 20)).toBe(100n);
  });
});
