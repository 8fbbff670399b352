/**
 * Attribution: the usage missing tenant, application or cost center (docs/rules.md rule 9), and the
 * caller identities (identity.arn, a daily facet) behind it.
 */
import type { Dimension } from "../dimensions";
import type { PriceBook } from "../pricing/price-book";
import { queryUsage, totalOf, type UsageTotals } from "../report/usage";
import type { Db } from "../store/db";

export type AttributionQuery = {
  /** Whole UTC days, YYYY-MM-DD (the identity facet is kept per day). */
  from: string;
  to: string;
  filters?: Partial<Record<Dimension, readonly (string | null)[]>>;
  /** How many identities to return. */
  top?: number;
};

export type Attribution = {
  total: UsageTotals;
  unattributed: UsageTotals;
  missing: { tenant: UsageTotals; application: UsageTotals; cost_center: UsageTotals };
  topIdentities: { identity: string | null; totals: UsageTotals }[];
};

const REQUIRED = ["tenant", "application", "cost_center"] as const;

function isUnattributed(keys: Record<string, string | null>): boolean {
  return REQUIRED.some((d) => keys[d] === null);
}

function compareTotals(a: UsageTotals, b: UsageTotals): number {
  return b.costPico > a.costPico ? 1 : b.costPico < a.costPico ? -1 : b.requests - a.requests;
}

/** @example attribution(db, PriceBook.load(db), { from: "2026-10-01", to: "2026-11-01", top: 10 }) */
export function attribution(db: Db, prices: PriceBook, q: AttributionQuery): Attribution {
  const rows = queryUsage(db, prices, { from: q.from, to: q.to, by: [...REQUIRED], filters: q.filters });
  const missing = rows.filter((r) => isUnattributed(r.keys));
  const identityRows = queryUsage(db, prices, {
    from: q.from,
    to: q.to,
    by: ["identity", ...REQUIRED],
    filters: q.filters,
  }).filter((r) => isUnattributed(r.keys));
  const byIdentity = new Map<string | null, UsageTotals[]>();
  for (const r of identityRows) {
    const id = r.keys.identity ?? null;
    byIdentity.set(id, [...(byIdentity.get(id) ?? []), r]);
  }
  const topIdentities = [...byIdentity.entries()]
    .map(([identity, list]) => ({ identity, totals: totalOf(list) }))
    .sort((a, b) => compareTotals(a.totals, b.totals) || String(a.identity).localeCompare(String(b.identity)))
    .slice(0, q.top ?? 10);
  return {
    total: totalOf(rows),
    unattributed: totalOf(missing),
    missing: {
      tenant: totalOf(rows.filter((r) => r.keys.tenant === null)),
      application: totalOf(rows.filter((r) => r.keys.application === null)),
      cost_center: totalOf(rows.filter((r) => r.keys.cost_center === null)),
    },
    topIdentities,
  };
}
