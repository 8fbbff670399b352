/**
 * The dashboard in Debian chromium against the real API on simulated data: every figure checked
 * here is compared with the same API route fetched by the test.
 */

import { execFileSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  AskResponse,
  AttributionResponse,
  BudgetListResponse,
  CreateApiKeyResponse,
  ExperimentListResponse,
  ExperimentResponse,
  ExportJson,
  InvoiceListResponse,
  InvoiceResponse,
  ReconciliationResponse,
  TopUsersResponse,
  UnpricedResponse,
  UsageResponse,
} from "@bedrock-chargeback/api/schemas";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { formatInt, formatPct } from "../src/lib/format";
import { formatUsd, formatUsdPrecise, parseMicros } from "../src/lib/money";
import { csvColumn } from "./csv";
import { DASHBOARD, months, type Stack, startStack } from "./harness";
import { axeViolations, LAYOUT_SCREENSHOTS, overflow, settle, WIDTHS } from "./layout";

const SCREENSHOTS = join(DASHBOARD, "e2e", "screenshots");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let stack: Stack;
let browser: Browser;
const keys: { admin: string; finance: string; tenantA: string; tenantB: string } = {
  admin: "",
  finance: "",
  tenantA: "",
  tenantB: "",
};
let tenantA = "";
let tenantB = "";
const m = months();

async function api<T>(key: string, path: string, schema: z.ZodType<T>): Promise<T> {
  const res = await fetch(`${stack.url}${path}`, { headers: { Authorization: `Bearer ${key}` } });
  const body: unknown = await res.json();
  const parsed = schema.safeParse(body);
  if (!res.ok || !parsed.success)
    throw new Error(`${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return parsed.data;
}

async function createKey(role: "finance" | "tenant", tenant?: string): Promise<string> {
  const res = await fetch(`${stack.url}/v1/keys`, {
    method: "POST",
    headers: { Authorization: `Bearer ${stack.adminKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ role, name: `e2e ${role}`, ...(tenant ? { tenant } : {}) }),
  });
  const body = CreateApiKeyResponse.safeParse(await res.json());
  if (res.status !== 201 || !body.success) throw new Error(`POST /v1/keys: ${res.status}`);
  return body.data.key;
}

async function signedIn(
  key: string,
  viewport = { width: 1366, height: 768 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport,
    locale: "en-US",
    timezoneId: "UTC",
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(stack.url);
  await page.getByLabel("API key").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("who").waitFor();
  expect(errors).toEqual([]);
  return { context, page };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const kpi = (page: Page, id: string) => page.getByTestId(`kpi-${id}-value`);
const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Pages" }).getByRole("link", { name, exact: true });

/** Entries in a zip, from its end-of-central-directory record (fflate writes no comment). */
function zipEntries(zip: Buffer): number {
  const eocd = zip.length - 22;
  if (zip.readUInt32LE(eocd) !== 0x06054b50) throw new Error("not a zip without comment");
  return zip.readUInt16LE(eocd + 10);
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Each page at every width: loaded once (every load costs the key ~10 API requests under the
 * API's rate limit), then resized through the widths, as a window or a rotated phone would be.
 * At each width: no horizontal page scroll (the elements sticking out are named), a full-page
 * screenshot, and axe-core at 390, 1,024 and 1,440 px. Returns every problem found.
 */
async function checkPages(page: Page, who: string, pages: [name: string, path: string][]): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, path] of pages) {
    await page.setViewportSize({ width: WIDTHS[0], height: 900 });
    await page.goto(`${stack.url}${path}`);
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await settle(page);
      const o = await overflow(page);
      if (o.scrollWidth > o.innerWidth)
        problems.push(
          `${name} at ${width} px: scrollWidth ${o.scrollWidth} > ${o.innerWidth}: ${o.culprits.join(", ")}`,
        );
      await page.screenshot({
        path: join(LAYOUT_SCREENSHOTS, `${who}-${name}-${width}.png`),
        fullPage: true,
      });
      if (width === 390 || width === 1024 || width === 1440)
        for (const v of await axeViolations(page)) problems.push(`${name} at ${width} px: ${v}`);
    }
  }
  return problems;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await mkdir(LAYOUT_SCREENSHOTS, { recursive: true });
  const [s, b] = await Promise.all([
    startStack(),
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
      ],
    }),
  ]);
  stack = s;
  browser = b;
  keys.admin = stack.adminKey;
  // Two named tenants that used Bedrock this month and last month.
  const byTenant = await api(
    keys.admin,
    `/v1/usage?${q({ from: m.lastFrom, to: m.thisTo, group_by: "tenant" })}`,
    UsageResponse,
  );
  const named = byTenant.rows.map((r) => r.keys.tenant).filter((t): t is string => typeof t === "string");
  [tenantA = "", tenantB = ""] = named;
  expect(tenantA).not.toBe("");
  expect(tenantB).not.toBe("");
  [keys.finance, keys.tenantA, keys.tenantB] = await Promise.all([
    createKey("finance"),
    createKey("tenant", tenantA),
    createKey("tenant", tenantB),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("dashboard in chromium against the real API", () => {
  it("overview: the headline figures are the API's, formatted; unpriced usage is flagged; fits a laptop", async () => {
    const { context, page } = await signedIn(keys.admin);
    const range = { from: m.thisFrom, to: m.thisTo };
    const usage = await api(keys.admin, `/v1/usage?${q(range)}`, UsageResponse);
    const attribution = await api(keys.admin, `/v1/attribution?${q(range)}`, AttributionResponse);
    const unpriced = await api(keys.admin, `/v1/prices/unpriced?${q(range)}`, UnpricedResponse);

    await expect.poll(() => page.url()).toContain(`from=${m.thisFrom}&to=${m.thisTo}`);
    await expect.poll(() => kpi(page, "cost").textContent()).toBe(formatUsd(usage.total.cost_usd));
    expect(await kpi(page, "requests").textContent()).toBe(formatInt(usage.total.requests));
    const t = usage.total;
    expect(await kpi(page, "tokens").textContent()).toBe(
      formatInt(t.input_tokens + t.output_tokens + t.cache_read_input_tokens + t.cache_write_input_tokens),
    );
    await expect.poll(() => kpi(page, "coverage").textContent()).toBe(formatPct(attribution.coverage_pct));
    // This month is live: the forecast is the API's (it moves with the clock, so compare fresh pairs).
    expect(usage.forecast).not.toBeNull();
    await expect
      .poll(async () => {
        const live = await api(keys.admin, `/v1/usage?${q(range)}`, UsageResponse);
        const shown = await kpi(page, "forecast").textContent();
        return live.forecast !== null && shown === formatUsd(live.forecast.cost_usd);
      })
      .toBe(true);
    // The simulator always includes models without a price: the warning must be there, with the count.
    expect(unpriced.models.length).toBeGreaterThan(0);
    const unpricedRequests = unpriced.models.reduce((n, x) => n + x.unpriced_requests, 0);
    const banner = page.getByTestId("unpriced-banner");
    await banner.waitFor();
    expect(await banner.textContent()).toContain(`${formatInt(unpricedRequests)} requests`);
    // The application legend lists the API's per-application figures.
    const byApp = await api(
      keys.admin,
      `/v1/usage?${q({ ...range, group_by: "application" })}`,
      UsageResponse,
    );
    // The API orders rows by key; the legend, like every breakdown, by cost (then requests, name).
    const top = [...byApp.rows].sort(
      (x, y) =>
        y.cost_micro_usd - x.cost_micro_usd ||
        y.requests - x.requests ||
        (x.keys.application ?? "(unattributed)").localeCompare(y.keys.application ?? "(unattributed)"),
    )[0];
    if (!top) throw new Error("no application usage");
    await expect
      .poll(() => page.getByTestId("apps-legend").getByRole("button").first().getAttribute("aria-label"))
      .toBe(`Filter by application ${top.keys.application ?? "(unattributed)"}: ${formatUsd(top.cost_usd)}`);
    // Keyboard: the first Tab lands on the skip link.
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Skip to content");
    // No horizontal scrolling at 1366×768 …
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, "overview-1366x768");
    // … nor at 1440×900.
    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await shot(page, "overview-1440x900");
    // The key is in sessionStorage, never in the URL or localStorage.
    expect(page.url()).not.toContain("cb_");
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem("chargeback.apiKey"))).toBe(keys.admin);
    await context.close();
  });

  it("drill-down: clicking an application filters every figure to the API's filtered totals, and the URL carries it", async () => {
    const { context, page } = await signedIn(keys.admin);
    const range = { from: m.thisFrom, to: m.thisTo };
    const byApp = await api(
      keys.admin,
      `/v1/usage?${q({ ...range, group_by: "application" })}`,
      UsageResponse,
    );
    const app = byApp.rows.map((r) => r.keys.application).find((a): a is string => typeof a === "string");
    if (!app) throw new Error("no named application");
    const all = await api(keys.admin, `/v1/usage?${q(range)}`, UsageResponse);
    const filtered = await api(keys.admin, `/v1/usage?${q({ ...range, application: app })}`, UsageResponse);
    expect(filtered.total.cost_micro_usd).toBeLessThan(all.total.cost_micro_usd);

    await page
      .getByTestId("apps-legend")
      .getByRole("button", { name: `Filter by application ${app}:` })
      .click();
    await expect.poll(() => new URL(page.url()).searchParams.get("application")).toBe(app);
    await expect.poll(() => kpi(page, "cost").textContent()).toBe(formatUsd(filtered.total.cost_usd));
    expect(await kpi(page, "requests").textContent()).toBe(formatInt(filtered.total.requests));
    expect(await page.getByTestId("filter-chip").textContent()).toContain(app);
    // Every breakdown follows the filter: the application donut now has exactly that application.
    await expect.poll(() => page.getByTestId("apps-legend").getByRole("button").count()).toBe(1);
    // Then a tenant: both filters apply.
    const byTenant = await api(
      keys.admin,
      `/v1/usage?${q({ ...range, application: app, group_by: "tenant" })}`,
      UsageResponse,
    );
    const tenantRow = byTenant.rows.find((r) => r.keys.tenant !== null);
    if (tenantRow?.keys.tenant) {
      const tenant = tenantRow.keys.tenant;
      await page.getByTestId("tenant-row").getByRole("link", { name: tenant, exact: true }).click();
      const both = await api(
        keys.admin,
        `/v1/usage?${q({ ...range, application: app, tenant })}`,
        UsageResponse,
      );
      await expect.poll(() => new URL(page.url()).searchParams.get("tenant")).toBe(tenant);
      await expect.poll(() => kpi(page, "cost").textContent()).toBe(formatUsd(both.total.cost_usd));
    }
    await shot(page, "overview-drilldown");
    // The URL is the view: a fresh load of it shows the same figures.
    const shared = page.url();
    await page.goto(shared);
    await expect.poll(() => kpi(page, "cost").textContent()).not.toBe(formatUsd(all.total.cost_usd));
    // Removing the filters returns to the unfiltered totals.
    await page.getByRole("button", { name: "Clear all" }).click();
    await expect.poll(() => kpi(page, "cost").textContent()).toBe(formatUsd(all.total.cost_usd));
    expect(new URL(page.url()).searchParams.get("application")).toBeNull();
    await context.close();
  });

  it("tenants: searchable, sortable table with the API's figures", async () => {
    const { context, page } = await signedIn(keys.admin);
    await nav(page, "Tenants").click();
    await page.getByRole("table", { name: "Tenants by cost" }).waitFor();
    const totals = await api(
      keys.admin,
      `/v1/usage?${q({ from: m.thisFrom, to: m.thisTo, group_by: "tenant" })}`,
      UsageResponse,
    );
    const rows = page.getByTestId("tenant-row");
    await expect.poll(() => rows.count()).toBe(Math.min(50, totals.rows.length));
    // Default order is by cost, biggest first: the first row is the API's most expensive tenant
    // (the API itself orders rows by key).
    const first = [...totals.rows].sort((x, y) => y.cost_micro_usd - x.cost_micro_usd)[0];
    if (!first) throw new Error("no tenants");
    expect(await rows.first().locator("td").nth(1).textContent()).toBe(formatUsdPrecise(first.cost_usd));
    await page.getByLabel("Search tenants").fill(tenantA);
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(1);
    const match = totals.rows.find((r) => r.keys.tenant === tenantA);
    expect(await rows.filter({ hasText: tenantA }).first().locator("td").nth(2).textContent()).toBe(
      formatInt(match?.requests ?? -1),
    );
    await page.getByLabel("Search tenants").fill("");
    await page.getByRole("button", { name: /^Requests/ }).click();
    const most = [...totals.rows].sort((a, b) => b.requests - a.requests)[0];
    expect(await rows.first().locator("td").nth(2).textContent()).toBe(formatInt(most?.requests ?? -1));
    await shot(page, "tenants");
    await context.close();
  });

  it("experiments and users: the API's variants, verdict and top users on their pages", async () => {
    const { context, page } = await signedIn(keys.admin);
    const range = { from: m.thisFrom, to: m.thisTo };
    const list = await api(keys.admin, `/v1/experiments?${q(range)}`, ExperimentListResponse);
    const id = list.experiments[0]?.experiment_id ?? "";
    expect(id).not.toBe("");
    const report = await api(
      keys.admin,
      `/v1/experiments/${encodeURIComponent(id)}?${q(range)}`,
      ExperimentResponse,
    );
    await nav(page, "Experiments").click();
    const table = page.getByRole("table", { name: `Variants of ${id}` });
    await table.waitFor();
    for (const v of report.variants) {
      const row = table.getByRole("row").filter({ hasText: formatUsdPrecise(v.cost_usd) });
      expect(await row.count(), String(v.variant)).toBe(1);
      expect(await row.textContent()).toContain(formatInt(v.calls));
    }
    const verdict = report.comparisons[0]?.welch?.significant ? "larger than the noise" : "within the noise";
    await expect.poll(() => page.getByText(verdict).count()).toBe(1);
    await shot(page, "experiments");

    const users = await api(
      keys.admin,
      `/v1/users?${q({ ...range, per: "tenant,application", top: "10" })}`,
      TopUsersResponse,
    );
    await nav(page, "Users").click();
    const first = users.groups[0];
    const caption = `${first?.keys.tenant ?? "(unattributed)"} · ${first?.keys.application ?? "(unattributed)"}`;
    const usersTable = page.getByRole("table", { name: `Top users of ${caption}` });
    await usersTable.waitFor();
    expect(await usersTable.getByRole("row").count()).toBe((first?.users.length ?? 0) + 1);
    expect(await usersTable.locator("caption").textContent()).toContain(
      formatUsdPrecise(first?.total.cost_usd ?? ""),
    );
    await context.close();
  });

  it("billing: the invoice shows the API's total and each export's lines add up to it", async () => {
    const { context, page } = await signedIn(keys.admin);
    const list = await api(keys.admin, `/v1/periods/${m.lastMonth}/invoices`, InvoiceListResponse);
    const invoice = await api(keys.admin, `/v1/periods/${m.lastMonth}/invoices/${tenantA}`, InvoiceResponse);
    expect(invoice.lines.length).toBeGreaterThan(0);
    await nav(page, "Billing").click();
    await expect.poll(() => page.getByTestId("month-picker").inputValue()).toBe(m.lastMonth);
    await page.getByTestId("invoice-list").getByRole("button", { name: tenantA, exact: true }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get("invoice")).toBe(tenantA);
    await expect
      .poll(() => page.getByTestId("invoice-total").textContent())
      .toBe(formatUsdPrecise(invoice.total_usd));
    const allTotal = list.invoices.reduce((n, i) => n + BigInt(i.total_micro_usd), 0n);
    expect(await page.getByTestId("invoices-total").textContent()).toBe(
      formatUsdPrecise(`${allTotal / 1_000_000n}.${String(allTotal % 1_000_000n).padStart(6, "0")}`),
    );

    const download = async (name: RegExp) => {
      const [file] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("button", { name }).click(),
      ]);
      const path = await file.path();
      return { name: file.suggestedFilename(), text: await readFile(path, "utf8") };
    };
    const sum = (values: string[]) => values.reduce((n, v) => n + parseMicros(v.replace(/^'/, "")), 0n);
    const who = `${tenantA}'s invoice`;

    const csv = await download(new RegExp(`^Download ${who} as CSV$`));
    expect(csv.name).toBe(`chargeback-${m.lastMonth}-${tenantA}.csv`);
    expect(sum(csvColumn(csv.text, "amount_usd"))).toBe(BigInt(invoice.total_micro_usd));

    const json = await download(new RegExp(`^Download ${who} as JSON$`));
    const parsed = ExportJson.parse(JSON.parse(json.text));
    expect(parsed.total_micro_usd).toBe(invoice.total_micro_usd);
    expect(parsed.total_usd).toBe(invoice.total_usd);
    const lines = parsed.invoices.flatMap((i) => i.lines);
    expect(lines.length).toBe(invoice.lines.length);
    expect(lines.reduce((n, l) => n + BigInt(l.amount_micro_usd), 0n)).toBe(BigInt(invoice.total_micro_usd));

    const focus = await download(new RegExp(`^Download ${who} as FOCUS$`));
    expect(sum(csvColumn(focus.text, "BilledCost"))).toBe(BigInt(invoice.total_micro_usd));

    // All tenants' CSV adds up to the sum of the API's invoice totals shown as "All tenants".
    const everyone = await download(/^Download all invoices as CSV$/);
    expect(sum(csvColumn(everyone.text, "amount_usd"))).toBe(allTotal);
    await shot(page, "billing");
    await context.close();
  });

  it("reconciliation: ledger vs billed per day and model are the API's; the open billing month says it was reconciled", async () => {
    const { context, page } = await signedIn(keys.admin);
    const r = await api(keys.admin, `/v1/reconciliation?month=${m.lastMonth}`, ReconciliationResponse);
    expect(r.reconciled).toBe(true);
    // The simulator plants price drift, unpriced models and a logging gap: there is something to show.
    expect(r.counts.price_drift).toBeGreaterThan(0);
    expect(r.counts.missing_in_ledger).toBeGreaterThan(0);
    await nav(page, "Reconciliation").click();
    await expect.poll(() => new URL(page.url()).searchParams.get("month")).toBe(m.lastMonth);
    await expect
      .poll(() => page.getByTestId("rec-ledger").textContent())
      .toBe(formatUsdPrecise(r.ledger_usd ?? ""));
    expect(await page.getByTestId("rec-billed").textContent()).toBe(formatUsdPrecise(r.billed_usd ?? ""));
    expect(await page.getByTestId("rec-delta").textContent()).toBe(formatUsdPrecise(r.delta_usd ?? ""));
    // Coverage (ledger ÷ billed over token usage) is the API's ratio, as a percentage.
    if (r.coverage === null) throw new Error("no coverage");
    expect(await page.getByTestId("rec-coverage").textContent()).toBe(`${(r.coverage * 100).toFixed(2)} %`);
    expect(await page.getByTestId("rec-counts").textContent()).toContain(
      `${r.counts.price_drift} price drift`,
    );
    const dayModels = new Set(r.lines.map((l) => `${l.date} ${l.model}`));
    await expect
      .poll(() => page.getByTestId("reconciliation-table").locator("tbody tr").count())
      .toBe(dayModels.size);
    // The table's deltas add up to the API's delta, exactly.
    const deltas = await page
      .getByTestId("reconciliation-table")
      .locator("tbody tr td:nth-child(5)")
      .allTextContents();
    expect(deltas.reduce((n, v) => n + parseMicros(v.replace(/[$,]/g, "")), 0n)).toBe(
      parseMicros(r.delta_usd ?? ""),
    );
    await shot(page, "reconciliation");
    await page.goto(`${stack.url}/billing?month=${m.lastMonth}`);
    await expect
      .poll(() => page.getByTestId("reconciliation-status").textContent())
      .toContain(`Reconciled with the AWS bill`);
    expect(await page.getByTestId("reconciliation-status").textContent()).toContain(`delta $${r.delta_usd}`);
    await context.close();
  });

  it("budgets: finance creates and edits a budget; the status is the API's; the overview shows it for that scope", async () => {
    const { context, page } = await signedIn(keys.finance);
    const range = { from: m.thisFrom, to: m.thisTo };
    const byApp = await api(
      keys.finance,
      `/v1/usage?${q({ ...range, group_by: "application" })}`,
      UsageResponse,
    );
    const app = byApp.rows.map((r) => r.keys.application).find((a): a is string => typeof a === "string");
    if (!app) throw new Error("no application");
    await nav(page, "Budgets").click();
    await page.getByLabel("Scope").selectOption("application");
    await page.getByLabel("Applies to").fill(app);
    await page.getByLabel("Monthly amount (USD)").fill("5");
    await page.getByLabel("Name (optional)").fill("E2E app budget");
    await page.getByRole("button", { name: "Create budget" }).click();
    const row = page.getByTestId("budget-row").filter({ hasText: "E2E app budget" });
    await row.waitFor();
    let listed = await api(keys.finance, "/v1/budgets", BudgetListResponse);
    let budget = listed.budgets.find((b) => b.name === "E2E app budget");
    if (!budget) throw new Error("budget not created");
    expect(await row.locator("td").nth(2).textContent()).toBe("$5.00");
    expect(await row.locator("td").nth(3).textContent()).toContain(formatUsd(budget.status.spent_usd));

    await page.getByRole("button", { name: "Edit budget E2E app budget" }).click();
    await page.getByLabel("Monthly amount (USD)").first().fill("1,250.5");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => row.locator("td").nth(2).textContent()).toBe("$1,250.50");
    listed = await api(keys.finance, "/v1/budgets", BudgetListResponse);
    budget = listed.budgets.find((b) => b.name === "E2E app budget");
    expect(budget?.amount_usd).toBe("1250.500000");
    expect(await row.getByRole("progressbar").getAttribute("aria-valuetext")).toBe(
      `${budget?.status.percent_used}% used`,
    );
    await shot(page, "budgets");

    // The overview filtered to that application shows the budget's figure.
    await page.goto(`${stack.url}/?${q({ ...range, application: app })}`);
    await expect
      .poll(() => kpi(page, "budget").textContent())
      .toBe(`${budget?.status.percent_used.toFixed(1)}%`);
    await context.close();
  });

  it("billing: finance closes last month trued up to the bill; late usage then shows as adjustments on this month's invoice", async () => {
    const { context, page } = await signedIn(keys.finance);
    const r = await api(keys.finance, `/v1/reconciliation?month=${m.lastMonth}`, ReconciliationResponse);
    const bill = r.other_charges.reduce((n, c) => n + parseMicros(c.usd), parseMicros(r.billed_usd ?? ""));
    // The tenant with the largest cost before the close (a tenant with none gets no true-up line).
    const open = await api(keys.finance, `/v1/periods/${m.lastMonth}/invoices`, InvoiceListResponse);
    const largest = [...open.invoices].sort((a, b) => b.total_micro_usd - a.total_micro_usd)[0];
    if (!largest || largest.total_micro_usd <= 0) throw new Error("no invoice with a cost");
    await page.goto(`${stack.url}/billing?month=${m.lastMonth}`);
    await page.getByRole("button", { name: /^Close / }).click();
    // The month was reconciled, so the close offers the true-up (off unless ticked).
    const trueUp = page.getByRole("checkbox", { name: /^True up to the bill/ });
    expect(await trueUp.isChecked()).toBe(false);
    await trueUp.check();
    await page.getByRole("button", { name: "Confirm close" }).click();
    await expect.poll(() => page.getByTestId("period-status").textContent()).toMatch(/^closed/);
    const period = await fetch(`${stack.url}/v1/periods/${m.lastMonth}`, {
      headers: { Authorization: `Bearer ${keys.finance}` },
    });
    expect(await period.json()).toMatchObject({ status: "closed" });
    // Trued up: the closed invoices (no markups in this stack) sum to the bill, credits and tax in.
    const closed = await api(keys.finance, `/v1/periods/${m.lastMonth}/invoices`, InvoiceListResponse);
    expect(BigInt(closed.total_micro_usd)).toBe(bill);
    const inv = await api(
      keys.finance,
      `/v1/periods/${m.lastMonth}/invoices/${encodeURIComponent(largest.tenant)}`,
      InvoiceResponse,
    );
    const trued = inv.lines.filter((l) => l.kind === "true_up");
    expect(trued).toHaveLength(1);
    expect(BigInt(inv.total_micro_usd)).toBe(
      BigInt(largest.total_micro_usd) + BigInt(trued[0]?.amount_micro_usd ?? 0),
    );

    // Late records for the closed month arrive; they must bill on this month's invoices.
    await stack.ingestLate();
    const findAdjusted = async (): Promise<InvoiceResponse | undefined> => {
      const current = await api(keys.finance, `/v1/periods/${m.thisMonth}/invoices`, InvoiceListResponse);
      for (const s of current.invoices) {
        const inv = await api(
          keys.finance,
          `/v1/periods/${m.thisMonth}/invoices/${encodeURIComponent(s.tenant)}`,
          InvoiceResponse,
        );
        if (inv.lines.some((l) => l.kind === "adjustment")) return inv;
      }
      return undefined;
    };
    // Another process wrote the store: the API may answer from its cache for up to
    // CHARGEBACK_API_CACHE_MAX_STALE_MS (100 ms) more, so look again briefly before failing.
    let adjusted = await findAdjusted();
    for (let tries = 0; !adjusted && tries < 10; tries++) {
      await new Promise((r) => setTimeout(r, 200));
      adjusted = await findAdjusted();
    }
    if (!adjusted) throw new Error("no adjustment lines after late data");
    await page.goto(
      `${stack.url}/billing?month=${m.thisMonth}&invoice=${encodeURIComponent(adjusted.tenant)}`,
    );
    await expect
      .poll(() => page.getByTestId("invoice-total").textContent())
      .toBe(formatUsdPrecise(adjusted.total_usd));
    const count = adjusted.lines.filter((l) => l.kind === "adjustment").length;
    expect(await page.getByTestId("adjustments-note").textContent()).toContain(`${count} adjustment line`);
    expect(await page.locator("tr.adjustment").count()).toBe(count);
    await shot(page, "billing-adjustments");
    await context.close();
  });

  it("tenant key: sees only its own tenant; another tenant in the URL is a 403 error state", async () => {
    const { context, page } = await signedIn(keys.tenantA);
    const range = { from: m.thisFrom, to: m.thisTo };
    const own = await api(keys.tenantA, `/v1/usage?${q(range)}`, UsageResponse);
    const asAdmin = await api(keys.admin, `/v1/usage?${q({ ...range, tenant: tenantA })}`, UsageResponse);
    expect(own.total.cost_usd).toBe(asAdmin.total.cost_usd);
    expect(await page.getByTestId("who").textContent()).toContain(tenantA);
    await expect.poll(() => kpi(page, "cost").textContent()).toBe(formatUsd(own.total.cost_usd));
    // No other-tenant UI: no Tenants page, no top-tenants table.
    expect(await nav(page, "Tenants").count()).toBe(0);
    expect(await page.locator("#top-tenants").count()).toBe(0);
    await shot(page, "tenant-overview");

    await nav(page, "Billing").click();
    const invoiceButtons = page.getByTestId("invoice-list").getByRole("button");
    await expect.poll(() => invoiceButtons.count()).toBe(1);
    expect(await invoiceButtons.first().textContent()).toBe(tenantA);
    await expect.poll(() => page.getByText(`Download all invoices`).count()).toBe(0);

    // Editing the URL to another tenant: the API refuses (403) and the page says so.
    await page.goto(`${stack.url}/?${q({ ...range, tenant: tenantB })}`);
    // Every panel that asked shows the refusal (one or several, as their requests return).
    await expect.poll(() => page.getByTestId("error-state").first().getAttribute("data-status")).toBe("403");
    expect(await page.getByTestId("kpi-cost").count()).toBe(0);
    await shot(page, "tenant-forbidden");
    await page.goto(`${stack.url}/billing?month=${m.lastMonth}&invoice=${encodeURIComponent(tenantB)}`);
    await expect.poll(() => page.getByTestId("error-state").first().getAttribute("data-status")).toBe("403");
    expect(await page.getByTestId("invoice").count()).toBe(0);
    await context.close();
  });

  it("empty range shows zeros and empty states; hourly buckets fill every hour of the range", async () => {
    const { context, page } = await signedIn(keys.admin);
    const empty = { from: "2020-01-01", to: "2020-01-02" };
    const usage = await api(keys.admin, `/v1/usage?${q(empty)}`, UsageResponse);
    expect(usage.total.requests).toBe(0);
    await page.goto(`${stack.url}/?${q(empty)}`);
    await expect.poll(() => kpi(page, "cost").textContent()).toBe("$0.00");
    expect(await kpi(page, "requests").textContent()).toBe("0");
    expect(await kpi(page, "forecast").textContent()).toBe("—");
    await page.getByText("No usage in this range.").waitFor();
    await shot(page, "overview-empty");

    await page.goto(`${stack.url}/?${q({ from: m.thisFrom, to: m.thisTo, granularity: "hour" })}`);
    const card = page.locator("#cost-over-time");
    await card.locator(".recharts-area").first().waitFor();
    await card.getByText("Data table and source").click();
    const hours = (Date.parse(`${m.thisTo}T00:00:00Z`) - Date.parse(`${m.thisFrom}T00:00:00Z`)) / 3_600_000;
    await expect.poll(() => card.locator("tbody tr").count()).toBe(hours);
    expect(await card.locator("code").textContent()).toContain("granularity=hour");
    await shot(page, "overview-hourly");
    await context.close();
  });

  it("ask: the answer, SQL and rows on screen are the API's; a tenant's answer holds only its own tenant", async () => {
    const question = "cost by tenant last month";
    const askApi = async (key: string) => {
      const res = await fetch(`${stack.url}/v1/ask`, {
        method: "POST",
        headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
        body: JSON.stringify({ question }),
      });
      const body: unknown = await res.json();
      const parsed = AskResponse.safeParse(body);
      if (!res.ok || !parsed.success) throw new Error(`POST /v1/ask: ${res.status}`);
      return parsed.data;
    };
    for (const [key, who] of [
      [keys.finance, "finance"],
      [keys.tenantA, "tenant"],
    ] as const) {
      const expected = await askApi(key);
      const { context, page } = await signedIn(key);
      await nav(page, "Ask").click();
      await page.getByTestId("ask-input").fill(question);
      await page.getByRole("button", { name: "Ask", exact: true }).click();
      const answer = page.getByTestId("ask-answer");
      await answer.waitFor();
      expect(await answer.getAttribute("data-mode")).toBe("fallback");
      expect(await page.getByTestId("ask-sql").textContent()).toBe(expected.sql);
      const sentence = (await page.getByTestId("ask-sentence").textContent()) ?? "";
      expect(sentence.replace(/\s+/g, " ")).toBe(expected.answer.replace(/\s+/g, " "));
      const cells = await page
        .getByTestId("ask-rows")
        .locator("tbody tr")
        .evaluateAll((rows) =>
          rows.map((r) => Array.from(r.querySelectorAll("td")).map((td) => td.textContent ?? "")),
        );
      expect(cells).toEqual(
        expected.rows.map((row) => row.map((c) => (c === null ? "(unattributed)" : String(c)))),
      );
      if (who === "tenant") expect(cells.map((r) => r[0])).toEqual([tenantA]);
      else expect(cells.length).toBeGreaterThan(1);
      await shot(page, `ask-${who}`);
      await context.close();
    }
  });

  it("sign-in: a wrong key is refused with a message, and nothing is stored", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(stack.url);
    await page.getByLabel("API key").fill("cb_not_a_real_key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not accepted");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await shot(page, "sign-in");
    await context.close();
  });

  it("billing: the invoice PDF and the zip of every tenant's PDFs download; the PDF's total is the API's", async () => {
    const { context, page } = await signedIn(keys.finance);
    const invoice = await api(
      keys.finance,
      `/v1/periods/${m.thisMonth}/invoices/${encodeURIComponent(tenantA)}`,
      InvoiceResponse,
    );
    const list = await api(keys.finance, `/v1/periods/${m.thisMonth}/invoices`, InvoiceListResponse);
    await page.goto(`${stack.url}/billing?month=${m.thisMonth}&invoice=${encodeURIComponent(tenantA)}`);
    await expect
      .poll(() => page.getByTestId("invoice-total").textContent())
      .toBe(formatUsdPrecise(invoice.total_usd));
    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: `Download ${tenantA}'s invoice as PDF` }).click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(
      new RegExp(`^INV-${m.thisMonth.replace("-", "")}-[0-9A-F]{12}-${escapeRe(tenantA)}\\.pdf$`),
    );
    const text = execFileSync("pdftotext", ["-layout", await pdf.path(), "-"], { encoding: "utf8" });
    expect(text).toMatch(new RegExp(`Total USD\\s+${escapeRe(invoice.total_usd)}\\s*$`, "m"));
    expect(text).toMatch(
      new RegExp(`Subtotal \\(usage \\+ adjustments\\)\\s+${escapeRe(invoice.subtotal_usd)}\\s*$`, "m"),
    );
    expect(text).toContain(invoice.status === "closed" ? "FINAL" : "DRAFT");
    expect(text).toContain(`Tenant id: ${tenantA}`);

    const [zip] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download all invoices as PDFs in one zip" }).click(),
    ]);
    expect(zip.suggestedFilename()).toBe(`invoices-${m.thisMonth}.zip`);
    const bytes = await readFile(await zip.path());
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
    expect(zipEntries(bytes)).toBe(list.invoices.length);
    await context.close();
  }, 180_000);

  it("every page from 360 to 1,920 px wide, signed out and as admin: no sideways page scroll, no serious or critical axe violation", async () => {
    const context = await browser.newContext({ locale: "en-US", timezoneId: "UTC" });
    const signIn = await checkPages(await context.newPage(), "signed-out", [["sign-in", "/"]]);
    await context.close();
    const { context: admin, page } = await signedIn(keys.admin);
    const problems = await checkPages(page, "admin", [
      ["overview", "/"],
      ["tenants", "/tenants"],
      ["users", "/users"],
      ["experiments", "/experiments"],
      ["billing", `/billing?month=${m.thisMonth}&invoice=${encodeURIComponent(tenantA)}`],
      ["reconciliation", `/reconciliation?month=${m.lastMonth}`],
      ["budgets", "/budgets"],
      ["ask", "/ask"],
    ]);
    expect([...signIn, ...problems]).toEqual([]);
    await admin.close();
  }, 300_000);

  it("every page from 360 to 1,920 px wide as a tenant: no sideways page scroll, no serious or critical axe violation", async () => {
    const { context, page } = await signedIn(keys.tenantA);
    const problems = await checkPages(page, "tenant", [
      ["overview", "/"],
      ["users", "/users"],
      ["experiments", "/experiments"],
      ["billing", `/billing?month=${m.thisMonth}`],
      ["budgets", "/budgets"],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  }, 300_000);
});
