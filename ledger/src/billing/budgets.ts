/**
 * Monthly budgets per tenant, application or cost center, with alert thresholds (percent).
 * `listBudgets` and `budgetStatus` are the contract the alarms (infra/) build on.
 */
import { eq } from "drizzle-orm";
import { roundPicoToMicros } from "../pricing/money";
import type { PriceBook } from "../pricing/price-book";
import { queryUsage } from "../report/usage";
import type { Db } from "../store/db";
import { budgets } from "../store/schema-api";
import { BillingError } from "./errors";
import { monthBounds, monthOf } from "./months";

export const BUDGET_SCOPES = ["tenant", "application", "cost_center"] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
export const DEFAULT_THRESHOLDS: readonly number[] = [80, 100];

export type Budget = {
  id: number;
  name: string;
  scope: BudgetScope;
  /** The tenant id, application name or cost center the budget covers. */
  scopeValue: string;
  /** Monthly amount, micro-USD. */
  amountMicros: bigint;
  /** Percents of the amount, ascending, e.g. [80, 100]. */
  thresholds: number[];
  createdAt: string;
  updatedAt: string;
};

export type BudgetStatus = {
  month: string;
  /** Priced usage of the month so far (micro-USD, rounded once from pico). */
  spentMicros: bigint;
  /** Linear forecast to month end: spent × month length ÷ time elapsed. */
  forecastMicros: bigint;
  /** spent ÷ amount × 100, two decimals. */
  percentUsed: number;
  forecastPercent: number;
  /** Thresholds the spend has reached, and those the forecast reaches. */
  crossed: number[];
  forecastCrossed: number[];
  unpricedRequests: number;
};

type Row = typeof budgets.$inferSelect;

function isScope(v: string): v is BudgetScope {
  return (BUDGET_SCOPES as readonly string[]).includes(v);
}

function parseThresholds(json: string): number[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === "number") : [...DEFAULT_THRESHOLDS];
}

function toBudget(r: Row): Budget {
  return {
    id: r.id,
    name: r.name,
    scope: isScope(r.scope) ? r.scope : "tenant",
    scopeValue: r.scopeValue,
    amountMicros: BigInt(r.amountMicros),
    thresholds: parseThresholds(r.thresholds),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function normalizeThresholds(t: readonly number[]): number[] {
  if (t.length === 0 || t.length > 10 || t.some((p) => !Number.isFinite(p) || p <= 0 || p > 1000)) {
    throw new BillingError("bad_request", "thresholds: 1 to 10 percents, each > 0 and ≤ 1000");
  }
  return [...new Set(t)].sort((a, b) => a - b);
}

function checkAmount(amountMicros: bigint): void {
  if (amountMicros <= 0n || amountMicros > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new BillingError("bad_request", "amount: must be positive");
  }
}

/**
 * Every budget (optionally those of one scope value), by id.
 * @example listBudgets(db) // => [{ id: 1, scope: "tenant", scopeValue: "acme", amountMicros: 1_000_000_000n, thresholds: [80, 100], … }]
 */
export function listBudgets(db: Db, filter?: { scope: BudgetScope; scopeValue: string }): Budget[] {
  const rows = db.select().from(budgets).orderBy(budgets.id).all();
  return rows
    .map(toBudget)
    .filter((b) => !filter || (b.scope === filter.scope && b.scopeValue === filter.scopeValue));
}

export function getBudget(db: Db, id: number): Budget {
  const row = db.select().from(budgets).where(eq(budgets.id, id)).get();
  if (!row) throw new BillingError("not_found", `budget ${id} not found`);
  return toBudget(row);
}

export type NewBudget = {
  name?: string;
  scope: BudgetScope;
  scopeValue: string;
  amountMicros: bigint;
  thresholds?: readonly number[];
};

export function createBudget(db: Db, input: NewBudget, now = new Date()): Budget {
  checkAmount(input.amountMicros);
  const thresholds = normalizeThresholds(input.thresholds ?? DEFAULT_THRESHOLDS);
  const exists = listBudgets(db, { scope: input.scope, scopeValue: input.scopeValue });
  if (exists.length > 0)
    throw new BillingError(
      "conflict",
      `${input.scope} ${input.scopeValue} already has budget ${exists[0]?.id}`,
    );
  const at = now.toISOString();
  const row = db
    .insert(budgets)
    .values({
      name: input.name ?? `${input.scope} ${input.scopeValue}`,
      scope: input.scope,
      scopeValue: input.scopeValue,
      amountMicros: Number(input.amountMicros),
      thresholds: JSON.stringify(thresholds),
      createdAt: at,
      updatedAt: at,
    })
    .returning()
    .get();
  return toBudget(row);
}

export function updateBudget(
  db: Db,
  id: number,
  patch: { name?: string; amountMicros?: bigint; thresholds?: readonly number[] },
  now = new Date(),
): Budget {
  getBudget(db, id);
  if (patch.amountMicros !== undefined) checkAmount(patch.amountMicros);
  const set: Partial<Row> = { updatedAt: now.toISOString() };
  if (patch.name !== undefined) set.name = patch.name;
  if (patch.amountMicros !== undefined) set.amountMicros = Number(patch.amountMicros);
  if (patch.thresholds !== undefined) set.thresholds = JSON.stringify(normalizeThresholds(patch.thresholds));
  db.update(budgets).set(set).where(eq(budgets.id, id)).run();
  return getBudget(db, id);
}

export function deleteBudget(db: Db, id: number): void {
  getBudget(db, id);
  db.delete(budgets).where(eq(budgets.id, id)).run();
}

function percent(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0;
  return Number((part * 10_000n) / whole) / 100;
}

/** Whether `spent` is at least `pct` percent of `amount` (exact, pct to 2 decimals). */
function reached(spent: bigint, amount: bigint, pct: number): boolean {
  return spent * 10_000n >= amount * BigInt(Math.round(pct * 100));
}

/**
 * Linear forecast of spend to the end of a range: spent × range length ÷ time elapsed, exact in
 * micro-USD (rounded half up). The spend itself once the range has ended; null before it starts.
 * The one forecast rule: budgets and the usage API's `forecast` both use it.
 * @example linearForecastMicros(100n, 0, 10, 5) // => 200n
 */
export function linearForecastMicros(
  spentMicros: bigint,
  startMs: number,
  endMs: number,
  nowMs: number,
): bigint | null {
  if (nowMs <= startMs || endMs <= startMs) return null;
  if (nowMs >= endMs) return spentMicros;
  const elapsed = BigInt(Math.floor(nowMs - startMs));
  const length = BigInt(Math.floor(endMs - startMs));
  return (spentMicros * length + elapsed / 2n) / elapsed;
}

/**
 * Month-to-date spend of a budget's scope, a linear forecast to month end and the thresholds
 * crossed. "Now" is a parameter so alarms and tests decide the clock.
 * @example budgetStatus(db, PriceBook.load(db), budget, new Date("2026-10-16T00:00:00Z"))
 */
export function budgetStatus(db: Db, prices: PriceBook, budget: Budget, now = new Date()): BudgetStatus {
  const month = monthOf(now);
  const { start, end } = monthBounds(month);
  // Up to the end of the current hour: rollups are hourly.
  const hourEnd = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 + 3_600_000)
    .toISOString()
    .replace(".000Z", "Z");
  const to = hourEnd.localeCompare(end) < 0 ? hourEnd : end;
  const [total] = queryUsage(db, prices, {
    from: start,
    to,
    by: [],
    filters: { [budget.scope]: [budget.scopeValue] },
  });
  const spentMicros = roundPicoToMicros(total?.costPico ?? 0n);
  const forecastMicros =
    linearForecastMicros(spentMicros, Date.parse(start), Date.parse(end), now.getTime()) ?? spentMicros;
  const percentUsed = percent(spentMicros, budget.amountMicros);
  const forecastPercent = percent(forecastMicros, budget.amountMicros);
  return {
    month,
    spentMicros,
    forecastMicros,
    percentUsed,
    forecastPercent,
    crossed: budget.thresholds.filter((t) => reached(spentMicros, budget.amountMicros, t)),
    forecastCrossed: budget.thresholds.filter((t) => reached(forecastMicros, budget.amountMicros, t)),
    unpricedRequests: total?.unpricedRequests ?? 0,
  };
}
