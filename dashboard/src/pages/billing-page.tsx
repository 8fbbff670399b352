import type { InvoiceLine, Period, ReconciliationResponse } from "@bedrock-chargeback/api";
import {
  ClosePeriodResponse,
  InvoiceListResponse,
  InvoiceResponse,
  PeriodListResponse,
} from "@bedrock-chargeback/api/schemas";
import { useState } from "react";
import type { ApiError } from "../api/client";
import { asApiError, useApi, useSession } from "../api/use-api";
import { saveBlob } from "../components/download";
import { useNav } from "../components/nav";
import { Empty, ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { monthOf } from "../lib/dates";
import { formatInstant, formatInt, formatMonth, shortModelName } from "../lib/format";
import { formatUsdPrecise } from "../lib/money";
import { billedTotalUsd, ReconciliationStatus, useReconciliation } from "./reconciliation-page";

const FORMATS = [
  { id: "csv", label: "CSV" },
  { id: "json", label: "JSON" },
  { id: "focus", label: "FOCUS" },
  { id: "pdf", label: "PDF" },
] as const;

/** Where a format comes from: the exports route, or the invoice PDF (one tenant) / zip of PDFs (all). */
function downloadPath(month: string, tenant: string | null, format: string): string {
  if (format === "pdf")
    return tenant
      ? `/v1/periods/${month}/invoices/${encodeURIComponent(tenant)}.pdf`
      : `/v1/periods/${month}/invoices.zip`;
  const q = new URLSearchParams({ format });
  if (tenant) q.set("tenant", tenant);
  return `/v1/exports/${month}?${q}`;
}

function Downloads({ month, tenant }: { month: string; tenant: string | null }) {
  const { client } = useSession();
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const download = async (format: string) => {
    setError(null);
    setBusy(format);
    try {
      const { blob, filename } = await client.download(downloadPath(month, tenant, format));
      const name =
        format === "json"
          ? `chargeback-${month}${tenant ? `-${tenant.replace(/[^A-Za-z0-9_.-]/g, "_")}` : ""}.json`
          : filename;
      saveBlob(blob, name);
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(null);
    }
  };
  const who = tenant ? `${tenant}'s invoice` : "all invoices";
  return (
    <fieldset className="form-row" style={{ border: "none", padding: 0, margin: 0 }}>
      <legend className="muted" style={{ float: "left", marginRight: 8 }}>
        Download {who}:
      </legend>
      {FORMATS.map((f) => (
        <button
          key={f.id}
          type="button"
          onClick={() => download(f.id)}
          disabled={busy !== null}
          aria-label={`Download ${who} as ${f.id === "pdf" && !tenant ? "PDFs in one zip" : f.label}`}
        >
          {busy === f.id ? "…" : f.id === "pdf" && !tenant ? "PDFs (zip)" : f.label}
        </button>
      ))}
      {error ? <ErrorState error={error} /> : null}
    </fieldset>
  );
}

function ClosePeriod({
  period,
  nowMs,
  reconciliation,
  onClosed,
}: {
  period: Period;
  nowMs: number;
  /** The month's saved reconciliation, when there is one: closing may then true up to the bill. */
  reconciliation: ReconciliationResponse | null;
  onClosed: () => void;
}) {
  const { client, me } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [trueUp, setTrueUp] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  if (me.role === "tenant" || period.status === "closed") return null;
  const ended = period.month < monthOf(nowMs);
  const canTrueUp = reconciliation?.reconciled === true;
  const close = async () => {
    setBusy(true);
    setError(null);
    try {
      const body = canTrueUp && trueUp ? { true_up: true } : undefined;
      await client.send("POST", `/v1/periods/${period.month}/close`, body, ClosePeriodResponse);
      setConfirming(false);
      onClosed();
    } catch (e) {
      setError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="form-row">
      {!confirming ? (
        <button
          type="button"
          className="danger"
          disabled={!ended}
          onClick={() => setConfirming(true)}
          title={ended ? undefined : "a month can be closed once it has ended"}
        >
          Close {formatMonth(period.month)}…
        </button>
      ) : (
        <div role="alertdialog" aria-labelledby="close-q" className="banner" style={{ margin: 0 }}>
          <p id="close-q" style={{ margin: "0 0 6px" }}>
            Closing freezes every tenant's invoice for {formatMonth(period.month)}. Usage that arrives later
            becomes an adjustment on the next open month. This cannot be undone.
          </p>
          {canTrueUp && reconciliation ? (
            <label style={{ display: "block", margin: "0 0 6px" }}>
              <input
                type="checkbox"
                checked={trueUp}
                onChange={(e) => setTrueUp(e.target.checked)}
                disabled={busy}
              />{" "}
              True up to the bill: share the difference to the AWS bill (
              {formatUsdPrecise(billedTotalUsd(reconciliation))} with credits and tax,{" "}
              {reconciliation.source?.kind === "cost-explorer" ? "Cost Explorer" : "CUR 2.0 export"}{" "}
              {reconciliation.source?.version}) among the tenants in proportion to cost, as labelled lines
            </label>
          ) : (
            <p className="muted" style={{ margin: "0 0 6px" }}>
              Not reconciled with the AWS bill: the invoices close at ledger cost (run chargeback reconcile to
              offer a true-up).
            </p>
          )}
          <div className="form-row">
            <button type="button" className="danger" onClick={close} disabled={busy}>
              {busy ? "Closing…" : "Confirm close"}
            </button>
            <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {!ended ? <span className="muted">Open until the month ends.</span> : null}
      {error ? <ErrorState error={error} /> : null}
    </div>
  );
}

export function BillingPage({ nowMs }: { nowMs: number }) {
  const { view, go } = useNav();
  const { me } = useSession();
  const periods = useApi("/v1/periods", PeriodListResponse);
  const invoices = useApi(`/v1/periods/${view.month}/invoices`, InvoiceListResponse);
  const selected = view.invoice ?? (me.role === "tenant" ? me.tenant : null);
  const reload = () => {
    periods.reload();
    invoices.reload();
  };
  const months = periods.state === "ok" ? [...periods.data.periods].reverse() : [];
  const period = months.find((p) => p.month === view.month);
  // Admin and finance see the reconciliation status of an open month, and may true up on close.
  const rec = useReconciliation(me.role !== "tenant" && period?.status === "open" ? view.month : null);
  const reconciliation = rec.state === "ok" ? rec.data : null;
  return (
    <>
      <section className="card" aria-labelledby="billing-h" style={{ marginBottom: 12 }}>
        <header>
          <h1 id="billing-h">Billing — {formatMonth(view.month)}</h1>
          {period ? (
            <span className={`badge ${period.status}`} data-testid="period-status">
              {period.status}
              {period.closed_at ? ` ${formatInstant(period.closed_at)}` : ""}
            </span>
          ) : null}
        </header>
        <div className="form-row" style={{ marginBottom: 8 }}>
          <label>
            Month
            <select
              value={view.month}
              onChange={(e) => go({ ...view, month: e.target.value, invoice: null })}
              data-testid="month-picker"
            >
              {months.length === 0 ? <option value={view.month}>{formatMonth(view.month)}</option> : null}
              {months.map((p) => (
                <option key={p.month} value={p.month}>
                  {formatMonth(p.month)} ({p.status})
                </option>
              ))}
            </select>
          </label>
          {period ? (
            <ClosePeriod
              key={period.month}
              period={period}
              nowMs={nowMs}
              reconciliation={reconciliation}
              onClosed={reload}
            />
          ) : null}
        </div>
        {me.role === "tenant" ? null : <Downloads month={view.month} tenant={null} />}
        {reconciliation && period?.status === "open" ? <ReconciliationStatus data={reconciliation} /> : null}
      </section>
      <div className="grid">
        <section
          className={`card ${me.role === "tenant" ? "span-12" : "span-4 stack-narrow"}`}
          aria-labelledby="inv-h"
        >
          <header>
            <h2 id="inv-h">Invoices</h2>
          </header>
          {invoices.state === "loading" ? (
            <Loading />
          ) : invoices.state === "error" ? (
            <ErrorState error={invoices.error} onRetry={invoices.reload} />
          ) : (
            <InvoiceSummaries
              list={invoices.data}
              selected={selected}
              onSelect={(t) => go({ ...view, invoice: t })}
            />
          )}
        </section>
        <section
          className={`card ${me.role === "tenant" ? "span-12" : "span-8 stack-narrow"}`}
          aria-labelledby="detail-h"
        >
          {selected ? (
            <InvoiceDetail month={view.month} tenant={selected} />
          ) : (
            <>
              <h2 id="detail-h">Invoice</h2>
              <Empty>Choose a tenant to see its invoice lines.</Empty>
            </>
          )}
        </section>
      </div>
    </>
  );
}

function InvoiceSummaries({
  list,
  selected,
  onSelect,
}: {
  list: InvoiceListResponse;
  selected: string | null;
  onSelect: (t: string) => void;
}) {
  if (list.invoices.length === 0) return <Empty>No tenant had usage in {formatMonth(list.month)}.</Empty>;
  const total = list.total_usd;
  return (
    <>
      <p style={{ margin: "0 0 6px" }}>
        {list.invoices.length} invoice{list.invoices.length === 1 ? "" : "s"}, together{" "}
        <strong data-testid="invoices-total">{formatUsdPrecise(total)}</strong>
      </p>
      <TableScroll label={`Invoices for ${formatMonth(list.month)}`}>
        <table aria-label={`Invoices for ${formatMonth(list.month)}`} data-testid="invoice-list">
          <thead>
            <tr>
              <th>Tenant</th>
              <th className="num">Lines</th>
              <th className="num">Total</th>
            </tr>
          </thead>
          <tbody>
            {list.invoices.map((i) => (
              <tr key={i.tenant} className={i.tenant === selected ? "selected" : undefined}>
                <td>
                  <button
                    type="button"
                    className="link"
                    onClick={() => onSelect(i.tenant)}
                    aria-pressed={i.tenant === selected}
                  >
                    {i.tenant}
                  </button>
                  {i.unpriced_requests > 0 ? (
                    <span className="badge adjustment"> {formatInt(i.unpriced_requests)} unpriced</span>
                  ) : null}
                </td>
                <td className="num">{formatInt(i.lines)}</td>
                <td className="num">{formatUsdPrecise(i.total_usd)}</td>
              </tr>
            ))}
            <tr className="total">
              <td>All tenants ({list.invoices.length})</td>
              <td />
              <td className="num">{formatUsdPrecise(total)}</td>
            </tr>
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}

const BUCKET_LABEL: Record<string, string> = {
  input: "input",
  output: "output",
  cache_read: "cache read",
  cache_write: "cache write",
};

function InvoiceDetail({ month, tenant }: { month: string; tenant: string }) {
  const inv = useApi(`/v1/periods/${month}/invoices/${encodeURIComponent(tenant)}`, InvoiceResponse);
  if (inv.state === "loading") return <Loading />;
  if (inv.state === "error") return <ErrorState error={inv.error} onRetry={inv.reload} />;
  return <Invoice inv={inv.data} />;
}

function Invoice({ inv }: { inv: InvoiceResponse }) {
  const adjustments = inv.lines.filter((l) => l.kind === "adjustment");
  return (
    <div data-testid="invoice">
      <header>
        <h2 id="detail-h">
          Invoice: {inv.tenant} — {formatMonth(inv.month)}
        </h2>
        <span className={`badge ${inv.status}`}>{inv.status}</span>
      </header>
      <div className="grid" style={{ marginBottom: 8 }}>
        <dl className="facts span-6">
          <dt>Period</dt>
          <dd>
            {inv.period_start.slice(0, 10)} to {inv.period_end.slice(0, 10)} (exclusive, UTC)
          </dd>
          <dt>Requests</dt>
          <dd>
            {formatInt(inv.requests)} ({formatInt(inv.errors)} errors, not billed)
          </dd>
          <dt>Subtotal</dt>
          <dd>{formatUsdPrecise(inv.subtotal_usd)}</dd>
          <dt>Total ({inv.currency})</dt>
          <dd>
            <strong data-testid="invoice-total">{formatUsdPrecise(inv.total_usd)}</strong>
          </dd>
          {inv.closed_at ? (
            <>
              <dt>Closed</dt>
              <dd>{formatInstant(inv.closed_at)}</dd>
            </>
          ) : null}
        </dl>
        <div className="span-6">
          <Downloads month={inv.month} tenant={inv.tenant} />
        </div>
      </div>
      {inv.unpriced.requests > 0 ? (
        <div className="banner" role="note">
          <strong>Unpriced usage not billed:</strong> {formatInt(inv.unpriced.requests)} requests,{" "}
          {formatInt(inv.unpriced.tokens)} tokens on {inv.unpriced.models.join(", ")}. Add prices and reprice
          to bill it.
        </div>
      ) : null}
      {adjustments.length > 0 ? (
        <p className="banner" data-testid="adjustments-note">
          <strong>
            {adjustments.length} adjustment line{adjustments.length === 1 ? "" : "s"}
          </strong>
          : late usage for closed months ({[...new Set(adjustments.map((a) => a.usage_month))].join(", ")})
          billed on this invoice.
        </p>
      ) : null}
      <TableScroll label={`Invoice lines for ${inv.tenant}`}>
        <table aria-label={`Invoice lines for ${inv.tenant}`}>
          <thead>
            <tr>
              <th>Kind</th>
              <th>Month</th>
              <th>Application</th>
              <th>Model</th>
              <th>Bucket</th>
              <th className="num">Tokens</th>
              <th className="num">USD / 1M</th>
              <th className="num">Amount</th>
            </tr>
          </thead>
          <tbody>
            {inv.lines.length === 0 ? (
              <tr>
                <td colSpan={8} className="muted">
                  No billable lines.
                </td>
              </tr>
            ) : (
              inv.lines.map((l, i) => <LineRow key={`${i}:${l.description}`} line={l} />)
            )}
            <tr className="total">
              <td colSpan={7}>Total</td>
              <td className="num">{formatUsdPrecise(inv.total_usd)}</td>
            </tr>
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}

function LineRow({ line }: { line: InvoiceLine }) {
  return (
    <tr
      className={line.kind === "usage" ? undefined : line.kind}
      title={line.price_version ? `price ${line.price_version}` : line.description}
    >
      <td>{line.kind === "usage" ? "usage" : <span className={`badge ${line.kind}`}>{line.kind}</span>}</td>
      <td>{line.usage_month}</td>
      <td>
        {line.application ?? (line.kind === "markup" || line.kind === "true_up" ? "—" : "(unattributed)")}
      </td>
      <td title={line.model ?? undefined}>
        {line.kind === "markup"
          ? `${line.basis_points ?? 0} bp ${line.description}`
          : line.kind === "true_up"
            ? line.description
            : line.model
              ? shortModelName(line.model)
              : "—"}
      </td>
      <td>{line.token_bucket ? BUCKET_LABEL[line.token_bucket] : "—"}</td>
      <td className="num">{line.quantity === null ? "—" : formatInt(line.quantity)}</td>
      <td className="num">
        {line.unit_price_usd_per_mtok === null ? "—" : formatUsdPrecise(line.unit_price_usd_per_mtok)}
      </td>
      <td className="num">{formatUsdPrecise(line.amount_usd)}</td>
    </tr>
  );
}
