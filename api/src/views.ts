/** Domain results → response JSON (snake_case, money as exact strings plus integer micro-USD). */
import {
  type Budget,
  type BudgetStatus as DomainBudgetStatus,
  type Invoice as DomainInvoice,
  type InvoiceLine as DomainLine,
  type Markup as DomainMarkup,
  type Period as DomainPeriod,
  type RepriceResult as DomainReprice,
  formatMicros,
  invoiceLineRecord,
  type Price,
  parseMicros,
  priceVersion,
  roundPicoToMicros,
  type SavedReconciliation,
  type SourceFreshness,
  type UsageTotals,
} from "@bedrock-chargeback/ledger";
import type { ApiKey } from "./keys";
import type * as T from "./types";

export function money(micros: bigint): { usd: string; micro: number } {
  return { usd: formatMicros(micros), micro: Number(micros) };
}

export function figures(t: UsageTotals): T.UsageFigures {
  const cost = roundPicoToMicros(t.costPico);
  return {
    requests: t.requests,
    errors: t.errors,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    cache_read_input_tokens: t.cacheReadTokens,
    cache_write_input_tokens: t.cacheWriteTokens,
    cost_usd: formatMicros(cost),
    cost_micro_usd: Number(cost),
    unpriced_requests: t.unpricedRequests,
    unpriced_tokens: t.unpricedTokens,
    unpriced_models: [...t.unpricedModels].sort(),
  };
}

export function freshness(sources: SourceFreshness[]): T.Freshness {
  return {
    sources: sources.map((s) => ({
      source: s.source,
      last_finished_at: s.lastFinishedAt,
      last_status: s.lastStatus,
      data_until: s.dataUntil,
    })),
  };
}

export function period(p: DomainPeriod): T.Period {
  return { month: p.month, status: p.status, closed_at: p.closedAt, closed_by: p.closedBy };
}

function line(l: DomainLine): T.InvoiceLine {
  return invoiceLineRecord(l);
}

export function invoice(i: DomainInvoice): T.Invoice {
  return {
    month: i.month,
    tenant: i.tenant,
    status: i.status,
    currency: "USD",
    period_start: i.periodStart,
    period_end: i.periodEnd,
    lines: i.lines.map(line),
    subtotal_usd: formatMicros(i.subtotalMicros),
    subtotal_micro_usd: Number(i.subtotalMicros),
    total_usd: formatMicros(i.totalMicros),
    total_micro_usd: Number(i.totalMicros),
    requests: i.requests,
    errors: i.errors,
    unpriced: { requests: i.unpriced.requests, tokens: i.unpriced.tokens, models: i.unpriced.models },
    closed_at: i.closedAt,
    closed_by: i.closedBy,
  };
}

/** The exact sum of invoices' totals. */
export function invoicesTotal(list: readonly DomainInvoice[]): {
  total_usd: string;
  total_micro_usd: number;
} {
  const total = list.reduce((sum, i) => sum + i.totalMicros, 0n);
  return { total_usd: formatMicros(total), total_micro_usd: Number(total) };
}

/** A month's invoices as `GET /v1/exports/{month}?format=json` sends them (the CLI prints the same). */
export function exportJson(
  month: string,
  tenant: string | undefined,
  list: readonly DomainInvoice[],
): T.ExportJson {
  return { month, tenant: tenant ?? null, invoices: list.map(invoice), ...invoicesTotal(list) };
}

export function invoiceSummary(i: DomainInvoice): T.InvoiceSummary {
  return {
    tenant: i.tenant,
    status: i.status,
    lines: i.lines.length,
    total_usd: formatMicros(i.totalMicros),
    total_micro_usd: Number(i.totalMicros),
    unpriced_requests: i.unpriced.requests,
  };
}

export function price(p: Price): T.PriceView {
  return {
    id: p.id,
    version: priceVersion(p),
    model: p.model,
    scope: p.scope,
    region: p.region,
    effective_from: p.effectiveFrom,
    currency: p.currency,
    input_usd_per_mtok: formatMicros(BigInt(p.inputMicros)),
    output_usd_per_mtok: formatMicros(BigInt(p.outputMicros)),
    cache_read_usd_per_mtok: formatMicros(BigInt(p.cacheReadMicros)),
    cache_write_usd_per_mtok: formatMicros(BigInt(p.cacheWriteMicros)),
    source: p.source,
    origin: p.origin,
    added_at: p.addedAt,
  };
}

export function reprice(r: DomainReprice): T.RepriceResult {
  return {
    from_month: r.fromMonth,
    to_month: r.toMonth,
    repriced_months: r.repricedMonths,
    skipped_closed_months: r.skippedClosedMonths,
    hourly_rows_changed: r.hourlyRowsChanged,
    facet_rows_changed: r.facetRowsChanged,
  };
}

export function markup(m: DomainMarkup): T.Markup {
  return {
    tenant: m.tenant,
    basis_points: m.basisPoints,
    description: m.description,
    updated_at: m.updatedAt,
  };
}

export function budget(b: Budget, s: DomainBudgetStatus): T.BudgetView {
  return {
    id: b.id,
    name: b.name,
    scope: b.scope,
    scope_value: b.scopeValue,
    amount_usd: formatMicros(b.amountMicros),
    amount_micro_usd: Number(b.amountMicros),
    thresholds: b.thresholds,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
    status: {
      month: s.month,
      spent_usd: formatMicros(s.spentMicros),
      spent_micro_usd: Number(s.spentMicros),
      forecast_usd: formatMicros(s.forecastMicros),
      forecast_micro_usd: Number(s.forecastMicros),
      percent_used: s.percentUsed,
      forecast_percent: s.forecastPercent,
      crossed: s.crossed,
      forecast_crossed: s.forecastCrossed,
      unpriced_requests: s.unpricedRequests,
    },
  };
}

export function apiKey(k: ApiKey): T.ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    tenant: k.tenant,
    prefix: k.prefix,
    created_at: k.createdAt,
    revoked_at: k.revokedAt,
  };
}

/** A saved reconciliation (numbers with ≤ 6 decimals) as the API's exact decimal strings. */
export function reconciliationView(
  month: string,
  periodStatus: "open" | "closed",
  saved: SavedReconciliation | null,
): T.ReconciliationResponse {
  const usd = (n: number) => formatMicros(parseMicros(n.toFixed(6)));
  const counts = { matched: 0, price_drift: 0, missing_in_ledger: 0, missing_in_bill: 0 };
  if (!saved)
    return {
      month,
      period_status: periodStatus,
      reconciled: false,
      compared_at: null,
      source: null,
      ledger_usd: null,
      billed_usd: null,
      delta_usd: null,
      coverage: null,
      counts,
      lines: [],
      other_charges: [],
      proposals: [],
    };
  const r = saved.result;
  for (const l of r.lines) counts[l.status] += 1;
  return {
    month,
    period_status: periodStatus,
    reconciled: true,
    compared_at: saved.compared_at,
    source: {
      kind: r.source.kind,
      location: r.source.location,
      version: r.source.version,
      as_of: r.source.as_of,
      may_be_restated: r.source.may_be_restated,
      not_final_days: r.source.not_final_days,
      notes: r.source.notes,
    },
    ledger_usd: usd(r.ledger_usd),
    billed_usd: usd(r.billed_usd),
    delta_usd: usd(r.delta_usd),
    coverage: r.coverage,
    counts,
    lines: r.lines.map((l) => ({
      date: l.date,
      account: l.account,
      region: l.region,
      model: l.model,
      bucket: l.bucket,
      ledger_usd: usd(l.ledger_usd),
      billed_usd: usd(l.billed_usd),
      delta_usd: usd(l.delta_usd),
      status: l.status,
      ledger_tokens: l.ledger_tokens,
      billed_tokens: l.billed_tokens,
      unpriced: l.unpriced === true,
    })),
    other_charges: r.other_charges.map((c) => ({ line_item_type: c.line_item_type, usd: usd(c.usd) })),
    proposals: r.proposals,
  };
}
