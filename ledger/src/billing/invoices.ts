/**
 * Invoices: per tenant per calendar month (UTC). The rules, in one place:
 * - usage lines per application × cost center × model × price version × token bucket; each line's
 *   amount is rounded ONCE from exact pico-USD (roundPicoToMicros); the total is the sum of lines;
 * - usage without a tenant is not invoiced (attribution shows it); unpriced usage is listed, never $0;
 * - late usage for a closed month becomes adjustment lines on the first open month after it:
 *   live usage of the closed month minus everything already billed for it, per line key;
 * - a tenant markup/discount (basis points of usage + adjustments) is one more line.
 * Token counts come from `queryUsage`, the one place tokens meet prices.
 */
import { and, eq, inArray } from "drizzle-orm";
import { type PricedBucket, priceCounters, TOKEN_BUCKETS, type TokenBucket } from "../pricing/cost";
import { roundPicoToMicros } from "../pricing/money";
import { type Price, type PriceBook, priceVersion } from "../pricing/price-book";
import { queryUsage } from "../report/usage";
import type { Db } from "../store/db";
import { invoiceLines, invoices, tenantMarkups } from "../store/schema-api";
import { monthBounds, monthDays, previousMonth } from "./months";
import { closedMonthSet, getPeriod, type PeriodStatus } from "./period-status";

/** `true_up`: a share of the month's residual against the AWS bill, added on close when asked (true-up.ts). */
export type InvoiceLineKind = "usage" | "adjustment" | "markup" | "true_up";

export type InvoiceLine = {
  kind: InvoiceLineKind;
  /** The month whose usage this line bills. */
  usageMonth: string;
  application: string | null;
  costCenter: string | null;
  model: string | null;
  tokenBucket: TokenBucket | null;
  quantity: number | null;
  /** Micro-USD per 1M tokens. */
  unitMicros: number | null;
  priceId: number | null;
  priceVersion: string | null;
  /** Region of the price version ("*" = any). */
  priceRegion: string | null;
  basisPoints: number | null;
  amountMicros: bigint;
  description: string;
};

export type Invoice = {
  month: string;
  tenant: string;
  status: PeriodStatus;
  periodStart: string;
  periodEnd: string;
  lines: InvoiceLine[];
  /** Usage + adjustment lines. */
  subtotalMicros: bigint;
  /** All lines; always equal to their sum. */
  totalMicros: bigint;
  requests: number;
  errors: number;
  unpriced: { requests: number; tokens: number; models: string[] };
  closedAt: string | null;
  closedBy: string | null;
};

type TenantStats = {
  requests: number;
  errors: number;
  unpricedRequests: number;
  unpricedTokens: number;
  unpricedModels: Set<string>;
};
type LiveMonth = { lines: Map<string, InvoiceLine[]>; stats: Map<string, TenantStats> };

function lineKey(
  l: Pick<InvoiceLine, "application" | "costCenter" | "model" | "tokenBucket" | "priceId">,
): string {
  return JSON.stringify([l.application, l.costCenter, l.model, l.tokenBucket, l.priceId]);
}

function describe(l: Pick<InvoiceLine, "application" | "model" | "tokenBucket">): string {
  return `${l.model ?? "?"} ${l.tokenBucket ?? ""} tokens, ${l.application ?? "(unattributed)"}`;
}

function usageLine(
  month: string,
  keys: Record<string, string | null>,
  price: Price,
  { bucket, quantity, unitMicros, pico }: PricedBucket,
): InvoiceLine {
  const base = {
    application: keys.application ?? null,
    costCenter: keys.cost_center ?? null,
    model: keys.model ?? null,
    tokenBucket: bucket,
  };
  return {
    kind: "usage",
    usageMonth: month,
    ...base,
    quantity,
    unitMicros,
    priceId: price.id,
    priceVersion: priceVersion(price),
    priceRegion: price.region,
    basisPoints: null,
    amountMicros: roundPicoToMicros(pico),
    description: describe(base),
  };
}

/** Usage lines and counters of one month for every tenant (or one), from live usage. */
function liveMonth(db: Db, prices: PriceBook, month: string, tenant?: string): LiveMonth {
  const rows = queryUsage(db, prices, {
    ...monthDays(month),
    by: ["tenant", "application", "cost_center", "model", "price_id"],
    ...(tenant === undefined ? {} : { filters: { tenant: [tenant] } }),
  });
  const lines = new Map<string, InvoiceLine[]>();
  const stats = new Map<string, TenantStats>();
  for (const row of rows) {
    const t = row.keys.tenant;
    if (t === null || t === undefined) continue;
    let s = stats.get(t);
    if (!s) {
      s = { requests: 0, errors: 0, unpricedRequests: 0, unpricedTokens: 0, unpricedModels: new Set() };
      stats.set(t, s);
    }
    s.requests += row.requests;
    s.errors += row.errors;
    s.unpricedRequests += row.unpricedRequests;
    s.unpricedTokens += row.unpricedTokens;
    for (const m of row.unpricedModels) s.unpricedModels.add(m);
    const priceId = row.keys.price_id;
    const price = priceId === null || priceId === undefined ? undefined : prices.get(Number(priceId));
    if (!price) continue;
    const list = lines.get(t) ?? [];
    // The same pricing as queryUsage's cost of this group, so the lines add up to it.
    for (const priced of priceCounters(row, price).buckets)
      list.push(usageLine(month, row.keys, price, priced));
    lines.set(t, list);
  }
  return { lines, stats };
}

type Billed = { quantity: number; amountMicros: bigint; sample: InvoiceLine };

/** What closed invoices already billed for `usageMonth`, per tenant and line key. */
function billedFor(db: Db, usageMonth: string, tenant?: string): Map<string, Map<string, Billed>> {
  const cond = and(
    eq(invoiceLines.usageMonth, usageMonth),
    inArray(invoiceLines.kind, ["usage", "adjustment"]),
    tenant === undefined ? undefined : eq(invoiceLines.tenantId, tenant),
  );
  const out = new Map<string, Map<string, Billed>>();
  for (const row of db.select().from(invoiceLines).where(cond).all()) {
    const line = lineFromRow(row);
    const byKey = out.get(row.tenantId) ?? new Map<string, Billed>();
    const key = lineKey(line);
    const b = byKey.get(key);
    if (b) {
      b.quantity += line.quantity ?? 0;
      b.amountMicros += line.amountMicros;
    } else byKey.set(key, { quantity: line.quantity ?? 0, amountMicros: line.amountMicros, sample: line });
    out.set(row.tenantId, byKey);
  }
  return out;
}

/** Adjustment lines for an open month: late usage of the closed months right before it. */
function adjustments(
  db: Db,
  prices: PriceBook,
  month: string,
  closed: ReadonlySet<string>,
  tenant?: string,
): Map<string, InvoiceLine[]> {
  const out = new Map<string, InvoiceLine[]>();
  // Closed months whose first open successor is `month`.
  for (let c = previousMonth(month); closed.has(c); c = previousMonth(c)) {
    const live = liveMonth(db, prices, c, tenant).lines;
    const billed = billedFor(db, c, tenant);
    for (const t of new Set([...live.keys(), ...billed.keys()])) {
      const liveByKey = new Map<string, Billed>();
      for (const l of live.get(t) ?? []) {
        const b = liveByKey.get(lineKey(l));
        if (b) {
          b.quantity += l.quantity ?? 0;
          b.amountMicros += l.amountMicros;
        } else
          liveByKey.set(lineKey(l), { quantity: l.quantity ?? 0, amountMicros: l.amountMicros, sample: l });
      }
      const billedByKey = billed.get(t) ?? new Map<string, Billed>();
      const list = out.get(t) ?? [];
      for (const key of new Set([...liveByKey.keys(), ...billedByKey.keys()])) {
        const l = liveByKey.get(key);
        const b = billedByKey.get(key);
        const quantity = (l?.quantity ?? 0) - (b?.quantity ?? 0);
        const amountMicros = (l?.amountMicros ?? 0n) - (b?.amountMicros ?? 0n);
        const sample = l?.sample ?? b?.sample;
        if (!sample || (quantity === 0 && amountMicros === 0n)) continue;
        list.push({
          ...sample,
          kind: "adjustment",
          usageMonth: c,
          quantity,
          amountMicros,
          basisPoints: null,
          description: `Late usage for ${c}: ${describe(sample)}`,
        });
      }
      if (list.length > 0) out.set(t, list);
    }
  }
  return out;
}

function markupsFor(db: Db, tenant?: string): Map<string, { basisPoints: number; description: string }> {
  const q = db.select().from(tenantMarkups);
  const rows = tenant === undefined ? q.all() : q.where(eq(tenantMarkups.tenantId, tenant)).all();
  return new Map(rows.map((r) => [r.tenantId, { basisPoints: r.basisPoints, description: r.description }]));
}

/** The markup line on a subtotal: bp/10000 of it, rounded once (pico → micro). */
export function markupAmount(subtotalMicros: bigint, basisPoints: number): bigint {
  return roundPicoToMicros(subtotalMicros * BigInt(basisPoints) * 100n);
}

function sortLines(lines: InvoiceLine[]): InvoiceLine[] {
  const kindRank: Record<InvoiceLineKind, number> = { usage: 0, adjustment: 1, markup: 2, true_up: 3 };
  const bucketRank = (b: TokenBucket | null) => (b === null ? 9 : TOKEN_BUCKETS.indexOf(b));
  const s = (v: string | null) => v ?? "\uffff";
  return lines.sort(
    (a, b) =>
      kindRank[a.kind] - kindRank[b.kind] ||
      a.usageMonth.localeCompare(b.usageMonth) ||
      s(a.application).localeCompare(s(b.application)) ||
      s(a.costCenter).localeCompare(s(b.costCenter)) ||
      s(a.model).localeCompare(s(b.model)) ||
      (a.priceId ?? 0) - (b.priceId ?? 0) ||
      bucketRank(a.tokenBucket) - bucketRank(b.tokenBucket),
  );
}

/** Computes the open (live) invoices of a month: every tenant with usage or adjustments, or one. */
export function computeInvoices(db: Db, prices: PriceBook, month: string, tenant?: string): Invoice[] {
  const closed = closedMonthSet(db);
  const live = liveMonth(db, prices, month, tenant);
  const adj = adjustments(db, prices, month, closed, tenant);
  const markups = markupsFor(db, tenant);
  const tenants = new Set([...live.stats.keys(), ...adj.keys()]);
  if (tenant !== undefined) tenants.add(tenant);
  const { start, end } = monthBounds(month);
  const out: Invoice[] = [];
  for (const t of [...tenants].sort()) {
    const lines = sortLines([...(live.lines.get(t) ?? []), ...(adj.get(t) ?? [])]);
    const subtotalMicros = lines.reduce((sum, l) => sum + l.amountMicros, 0n);
    const markup = markups.get(t);
    if (markup && markup.basisPoints !== 0 && lines.length > 0) {
      lines.push({
        kind: "markup",
        usageMonth: month,
        application: null,
        costCenter: null,
        model: null,
        tokenBucket: null,
        quantity: null,
        unitMicros: null,
        priceId: null,
        priceVersion: null,
        priceRegion: null,
        basisPoints: markup.basisPoints,
        amountMicros: markupAmount(subtotalMicros, markup.basisPoints),
        description: `${markup.description} (${markup.basisPoints / 100}%)`,
      });
    }
    const s = live.stats.get(t);
    out.push({
      month,
      tenant: t,
      status: "open",
      periodStart: start,
      periodEnd: end,
      lines,
      subtotalMicros,
      totalMicros: lines.reduce((sum, l) => sum + l.amountMicros, 0n),
      requests: s?.requests ?? 0,
      errors: s?.errors ?? 0,
      unpriced: {
        requests: s?.unpricedRequests ?? 0,
        tokens: s?.unpricedTokens ?? 0,
        models: [...(s?.unpricedModels ?? [])].sort(),
      },
      closedAt: null,
      closedBy: null,
    });
  }
  return out;
}

type LineRow = typeof invoiceLines.$inferSelect;

function isBucket(v: string | null): v is TokenBucket {
  return v !== null && (TOKEN_BUCKETS as readonly string[]).includes(v);
}

function isKind(v: string): v is InvoiceLineKind {
  return v === "usage" || v === "adjustment" || v === "markup" || v === "true_up";
}

function lineFromRow(r: LineRow): InvoiceLine {
  return {
    kind: isKind(r.kind) ? r.kind : "usage",
    usageMonth: r.usageMonth,
    application: r.applicationName,
    costCenter: r.costCenter,
    model: r.model,
    tokenBucket: isBucket(r.tokenBucket) ? r.tokenBucket : null,
    quantity: r.quantity,
    unitMicros: r.unitMicros,
    priceId: r.priceId,
    priceVersion: r.priceVersion,
    priceRegion: r.priceRegion,
    basisPoints: r.basisPoints,
    amountMicros: BigInt(r.amountMicros),
    description: r.description,
  };
}

/** The frozen invoices of a closed month (every tenant, or one). */
export function loadSnapshots(db: Db, month: string, tenant?: string): Invoice[] {
  const heads = db
    .select()
    .from(invoices)
    .where(and(eq(invoices.month, month), tenant === undefined ? undefined : eq(invoices.tenantId, tenant)))
    .orderBy(invoices.tenantId)
    .all();
  if (heads.length === 0) return [];
  const byInvoice = new Map<number, InvoiceLine[]>();
  const rows =
    tenant === undefined
      ? db
          .select()
          .from(invoiceLines)
          .where(
            inArray(
              invoiceLines.invoiceId,
              db.select({ id: invoices.id }).from(invoices).where(eq(invoices.month, month)),
            ),
          )
          .orderBy(invoiceLines.invoiceId, invoiceLines.position)
          .all()
      : db
          .select()
          .from(invoiceLines)
          .where(
            inArray(
              invoiceLines.invoiceId,
              heads.map((h) => h.id),
            ),
          )
          .orderBy(invoiceLines.invoiceId, invoiceLines.position)
          .all();
  for (const r of rows) {
    const list = byInvoice.get(r.invoiceId) ?? [];
    list.push(lineFromRow(r));
    byInvoice.set(r.invoiceId, list);
  }
  const { start, end } = monthBounds(month);
  return heads.map((h) => ({
    month,
    tenant: h.tenantId,
    status: "closed",
    periodStart: start,
    periodEnd: end,
    lines: byInvoice.get(h.id) ?? [],
    subtotalMicros: BigInt(h.subtotalMicros),
    totalMicros: BigInt(h.totalMicros),
    requests: h.requests,
    errors: h.errors,
    unpriced: {
      requests: h.unpricedRequests,
      tokens: h.unpricedTokens,
      models: parseStringArray(h.unpricedModels),
    },
    closedAt: h.closedAt,
    closedBy: h.closedBy,
  }));
}

function parseStringArray(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Writes a closed month's invoices. Call inside the closing transaction. */
export function saveSnapshots(db: Db, list: readonly Invoice[], closedAt: string, closedBy: string): void {
  for (const inv of list) {
    const head = db
      .insert(invoices)
      .values({
        month: inv.month,
        tenantId: inv.tenant,
        subtotalMicros: Number(inv.subtotalMicros),
        totalMicros: Number(inv.totalMicros),
        requests: inv.requests,
        errors: inv.errors,
        unpricedRequests: inv.unpriced.requests,
        unpricedTokens: inv.unpriced.tokens,
        unpricedModels: JSON.stringify(inv.unpriced.models),
        closedAt,
        closedBy,
      })
      .returning({ id: invoices.id })
      .get();
    inv.lines.forEach((l, position) => {
      db.insert(invoiceLines)
        .values({
          invoiceId: head.id,
          tenantId: inv.tenant,
          position,
          kind: l.kind,
          usageMonth: l.usageMonth,
          applicationName: l.application,
          costCenter: l.costCenter,
          model: l.model,
          tokenBucket: l.tokenBucket,
          quantity: l.quantity,
          unitMicros: l.unitMicros,
          priceId: l.priceId,
          priceVersion: l.priceVersion,
          priceRegion: l.priceRegion,
          basisPoints: l.basisPoints,
          amountMicros: Number(l.amountMicros),
          description: l.description,
        })
        .run();
    });
  }
}

/**
 * The invoices of a month: frozen snapshots when it is closed, live figures when open.
 * @example getInvoices(db, PriceBook.load(db), "2026-10", "acme")
 */
export function getInvoices(db: Db, prices: PriceBook, month: string, tenant?: string): Invoice[] {
  if (closedMonthSet(db).has(month)) {
    const snaps = loadSnapshots(db, month, tenant);
    if (tenant !== undefined && snaps.length === 0) return [emptyClosedInvoice(db, month, tenant)];
    return snaps;
  }
  return computeInvoices(db, prices, month, tenant);
}

/** One tenant's invoice (an empty one when it had no usage). */
export function getInvoice(db: Db, prices: PriceBook, month: string, tenant: string): Invoice {
  const [inv] = getInvoices(db, prices, month, tenant);
  return inv ?? emptyClosedInvoice(db, month, tenant);
}

function emptyClosedInvoice(db: Db, month: string, tenant: string): Invoice {
  const { start, end } = monthBounds(month);
  const p = getPeriod(db, month);
  const period = p.status === "closed" ? p : null;
  return {
    month,
    tenant,
    status: period ? "closed" : "open",
    periodStart: start,
    periodEnd: end,
    lines: [],
    subtotalMicros: 0n,
    totalMicros: 0n,
    requests: 0,
    errors: 0,
    unpriced: { requests: 0, tokens: 0, models: [] },
    closedAt: period?.closedAt ?? null,
    closedBy: period?.closedBy ?? null,
  };
}
