/**
 * The reconciliation: the bill's cost per day × account × Region × model × token bucket beside
 * the ledger's priced cost for the same key (docs/rules.md rule 12). Exact: both sides are summed
 * in pico-USD and rounded once to the micro-dollar per line.
 */
import { and, gte, lt } from "drizzle-orm";
import { monthDays } from "../billing/months";
import { TOKEN_BUCKETS, type TokenBucket } from "../pricing/cost";
import { costPico, formatMicros, microsToNumber, roundPicoToMicros } from "../pricing/money";
import type { PriceBook } from "../pricing/price-book";
import type { Db } from "../store/db";
import { usageDaily } from "../store/schema";
import type { MappedBillItem } from "./bill";

export type LineStatus = "matched" | "price_drift" | "missing_in_ledger" | "missing_in_bill";

export type ReconciliationLine = {
  date: string;
  account: string | null;
  region: string;
  model: string;
  bucket: TokenBucket;
  ledger_usd: number;
  billed_usd: number;
  delta_usd: number;
  status: LineStatus;
  ledger_tokens: number;
  billed_tokens: number;
  /** Set when the ledger has tokens for this key but no price for them (docs/rules.md rule 3). */
  unpriced?: true;
};

/** A price the bill implies where it differs from ours: what `chargeback prices add` should get. */
export type PriceProposal = {
  model: string;
  bucket: TokenBucket;
  /** First day the billed rate was seen. */
  from: string;
  /** USD per 1M tokens, exact to the micro-dollar. */
  ledger_usd_per_million: string | null;
  billed_usd_per_million: string;
};

/** Which bill was compared, so a re-run after a restatement can be told apart. */
export type BillSource = {
  kind: "cur" | "cost-explorer";
  location: string;
  /** The export's execution id / manifest time, or the Cost Explorer query time. */
  version: string;
  /** When the bill data was produced or fetched (ISO), as far as the source says. */
  as_of: string;
  /** AWS may still restate this month (it does so for about two weeks after it ends). */
  may_be_restated: boolean;
  /** Days the source marks as not final (Cost Explorer `Estimated`, or the last two days). */
  not_final_days: string[];
  notes: string[];
  /** Cost Explorer: requests made at $0.01 each (docs/billing-facts.md §3). */
  requests?: number;
  cost_usd?: number;
};

export type Reconciliation = {
  month: string;
  ledger_usd: number;
  billed_usd: number;
  delta_usd: number;
  lines: ReconciliationLine[];
  other_charges: { line_item_type: string; usd: number }[];
  /** Bedrock token usage on the bill whose model is in no table (ledger/prices/model-names.json). */
  unmapped: {
    date: string;
    account: string | null;
    region: string;
    name: string;
    bucket: TokenBucket | null;
    usd: number;
  }[];
  proposals: PriceProposal[];
  /** ledger ÷ billed over the month's token usage (1 = every billed dollar is in the ledger). */
  coverage: number | null;
  source: BillSource;
};

type Side = { tokens: bigint; pico: bigint; unpriced: boolean };
type Acc = {
  date: string;
  account: string | null;
  region: string;
  model: string;
  bucket: TokenBucket;
  ledger?: Side;
  bill?: Side;
};

/** |Δ| ≤ max($0.01, 0.5 % of the larger side): matched (docs/rules.md rule 12). */
export function withinTolerance(ledgerMicros: bigint, billedMicros: bigint): boolean {
  const abs = (x: bigint) => (x < 0n ? -x : x);
  const delta = abs(billedMicros - ledgerMicros);
  // 0.5 % of the larger side, compared without division: delta × 1000 ≤ side × 5.
  return (
    delta <= 10_000n || delta * 1000n <= abs(billedMicros) * 5n || delta * 1000n <= abs(ledgerMicros) * 5n
  );
}

/** The ledger's priced usage of a month per day × account × Region × base model × bucket. */
export function ledgerUsage(
  db: Db,
  prices: PriceBook,
  month: string,
  options: { mergeAccounts?: boolean } = {},
): Map<string, Acc> {
  const { from, to } = monthDays(month);
  const rows = db
    .select()
    .from(usageDaily)
    .where(and(gte(usageDaily.day, from), lt(usageDaily.day, to)))
    .all();
  const out = new Map<string, Acc>();
  for (const row of rows) {
    const price = row.priceId === null ? undefined : prices.get(row.priceId);
    const account = options.mergeAccounts ? null : row.accountId;
    const counts: Record<TokenBucket, number> = {
      input: row.inputTokens,
      output: row.outputTokens,
      cache_read: row.cacheReadTokens,
      cache_write: row.cacheWriteTokens,
    };
    const rates: Record<TokenBucket, number> = {
      input: price?.inputMicros ?? 0,
      output: price?.outputMicros ?? 0,
      cache_read: price?.cacheReadMicros ?? 0,
      cache_write: price?.cacheWriteMicros ?? 0,
    };
    for (const bucket of TOKEN_BUCKETS) {
      if (counts[bucket] === 0) continue;
      const acc = entry(out, row.day, account, row.region ?? "(unknown)", row.baseModel, bucket);
      acc.ledger ??= { tokens: 0n, pico: 0n, unpriced: false };
      const side = acc.ledger;
      side.tokens += BigInt(counts[bucket]);
      side.pico += costPico(counts[bucket], rates[bucket]);
      if (!price) side.unpriced = true;
    }
  }
  return out;
}

function entry(
  map: Map<string, Acc>,
  date: string,
  account: string | null,
  region: string,
  model: string,
  bucket: TokenBucket,
): Acc {
  const key = JSON.stringify([date, account, region, model, bucket]);
  let acc = map.get(key);
  if (!acc) {
    acc = { date, account, region, model, bucket };
    map.set(key, acc);
  }
  return acc;
}

function statusOf(
  ledger: Side | undefined,
  bill: Side | undefined,
  ledgerMicros: bigint,
  billedMicros: bigint,
): LineStatus {
  if (!ledger || ledger.tokens === 0n) return bill && bill.pico !== 0n ? "missing_in_ledger" : "matched";
  if (!bill) return "missing_in_bill";
  if (!ledger.unpriced && withinTolerance(ledgerMicros, billedMicros)) return "matched";
  // Same tokens, different money: the rate differs. Different tokens: usage is missing on one side.
  if (bill.tokens === ledger.tokens) return "price_drift";
  return bill.tokens > ledger.tokens ? "missing_in_ledger" : "missing_in_bill";
}

/** pico per token = micro-USD per 1M tokens; rounded half away from zero to the micro-dollar. */
function ratePerMillion(pico: bigint, tokens: bigint): string {
  const q = pico / tokens;
  const r = pico % tokens;
  return formatMicros(2n * r >= tokens ? q + 1n : q);
}

/**
 * Compares mapped bill items with the ledger.
 * @example reconcile({ month: "2026-10", bill: items, ledger: ledgerUsage(db, prices, "2026-10"), source })
 */
export function reconcile(input: {
  month: string;
  bill: readonly MappedBillItem[];
  ledger: Map<string, Acc>;
  source: BillSource;
}): Reconciliation {
  const map = input.ledger;
  const other = new Map<string, bigint>();
  const unmapped: Reconciliation["unmapped"] = [];
  const { from, to } = monthDays(input.month);
  for (const item of input.bill) {
    if (item.kind === "other") {
      other.set(item.lineItemType, (other.get(item.lineItemType) ?? 0n) + item.pico);
      continue;
    }
    if (item.kind === "unmapped") {
      unmapped.push({
        date: item.date,
        account: item.account,
        region: item.region,
        name: item.name,
        bucket: item.bucket,
        usd: microsToNumber(roundPicoToMicros(item.pico)),
      });
      continue;
    }
    if (item.date < from || item.date >= to) continue;
    const acc = entry(map, item.date, item.account, item.region, item.model, item.bucket);
    acc.bill ??= { tokens: 0n, pico: 0n, unpriced: false };
    const side = acc.bill;
    side.tokens += item.tokens;
    side.pico += item.pico;
  }

  const lines: ReconciliationLine[] = [];
  const proposals = new Map<string, PriceProposal>();
  let ledgerTotal = 0n;
  let billedTotal = 0n;
  const sorted = [...map.values()].sort(
    (a, b) =>
      a.date.localeCompare(b.date) ||
      (a.account ?? "").localeCompare(b.account ?? "") ||
      a.region.localeCompare(b.region) ||
      a.model.localeCompare(b.model) ||
      TOKEN_BUCKETS.indexOf(a.bucket) - TOKEN_BUCKETS.indexOf(b.bucket),
  );
  for (const acc of sorted) {
    const ledgerMicros = roundPicoToMicros(acc.ledger?.pico ?? 0n);
    const billedMicros = roundPicoToMicros(acc.bill?.pico ?? 0n);
    if (
      ledgerMicros === 0n &&
      billedMicros === 0n &&
      !acc.ledger?.unpriced &&
      (acc.bill?.tokens ?? 0n) === (acc.ledger?.tokens ?? 0n)
    )
      continue;
    ledgerTotal += ledgerMicros;
    billedTotal += billedMicros;
    const status = statusOf(acc.ledger, acc.bill, ledgerMicros, billedMicros);
    lines.push({
      date: acc.date,
      account: acc.account,
      region: acc.region,
      model: acc.model,
      bucket: acc.bucket,
      ledger_usd: microsToNumber(ledgerMicros),
      billed_usd: microsToNumber(billedMicros),
      delta_usd: microsToNumber(billedMicros - ledgerMicros),
      status,
      ledger_tokens: Number(acc.ledger?.tokens ?? 0n),
      billed_tokens: Number(acc.bill?.tokens ?? 0n),
      ...(acc.ledger?.unpriced ? { unpriced: true as const } : {}),
    });
    if (status === "price_drift" && acc.bill && acc.ledger && acc.bill.tokens > 0n) {
      const key = `${acc.model}\u0000${acc.bucket}`;
      if (!proposals.has(key))
        proposals.set(key, {
          model: acc.model,
          bucket: acc.bucket,
          from: acc.date,
          ledger_usd_per_million: acc.ledger.unpriced
            ? null
            : ratePerMillion(acc.ledger.pico, acc.ledger.tokens),
          billed_usd_per_million: ratePerMillion(acc.bill.pico, acc.bill.tokens),
        });
    }
  }
  return {
    month: input.month,
    ledger_usd: microsToNumber(ledgerTotal),
    billed_usd: microsToNumber(billedTotal),
    delta_usd: microsToNumber(billedTotal - ledgerTotal),
    lines,
    other_charges: [...other.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, pico]) => ({ line_item_type: type, usd: microsToNumber(roundPicoToMicros(pico)) })),
    unmapped,
    proposals: [...proposals.values()],
    coverage: billedTotal === 0n ? null : Number((ledgerTotal * 1_000_000n) / billedTotal) / 1_000_000,
    source: input.source,
  };
}
