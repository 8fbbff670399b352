/**
 * Reconciliation: the month's ledger beside the AWS bill (the latest `chargeback reconcile`), per
 * day and model: ledger, billed, delta, the lines that do not match and why, and coverage. Money
 * stays the API's exact strings; sums are done in integer micro-USD (lib/money).
 */
import type { ReconciliationResponse } from "@bedrock-chargeback/api";
import { ReconciliationResponse as ReconciliationSchema } from "@bedrock-chargeback/api/schemas";
import { useApi } from "../api/use-api";
import { useNav } from "../components/nav";
import { Empty, ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { formatInstant, formatMonth, shortModelName } from "../lib/format";
import { formatUsdPrecise, microsToDecimal, parseMicros } from "../lib/money";

const STATUS_LABEL: Record<ReconciliationResponse["lines"][number]["status"], string> = {
  matched: "matched",
  price_drift: "price drift",
  missing_in_ledger: "missing in ledger",
  missing_in_bill: "missing in bill",
};

type DayModel = { date: string; model: string; ledger: bigint; billed: bigint; statuses: Set<string> };

/** Lines summed per day × model (accounts, regions and buckets together), exactly. */
export function byDayAndModel(lines: ReconciliationResponse["lines"]): DayModel[] {
  const map = new Map<string, DayModel>();
  for (const l of lines) {
    const key = `${l.date}\u0000${l.model}`;
    const row = map.get(key) ?? {
      date: l.date,
      model: l.model,
      ledger: 0n,
      billed: 0n,
      statuses: new Set<string>(),
    };
    row.ledger += parseMicros(l.ledger_usd);
    row.billed += parseMicros(l.billed_usd);
    if (l.status !== "matched") row.statuses.add(STATUS_LABEL[l.status]);
    map.set(key, row);
  }
  return [...map.values()].sort((a, b) => a.date.localeCompare(b.date) || a.model.localeCompare(b.model));
}

/** The month's reconciliation as the billing page reads it (admin and finance keys only). */
export function useReconciliation(month: string | null) {
  return useApi(
    month === null ? null : `/v1/reconciliation?${new URLSearchParams({ month })}`,
    ReconciliationSchema,
  );
}

/** The bill's total for the month: billed token usage and every other charge (credits negative). */
export function billedTotalUsd(d: ReconciliationResponse): string {
  const micros = d.other_charges.reduce((s, c) => s + parseMicros(c.usd), parseMicros(d.billed_usd ?? "0"));
  return microsToDecimal(micros);
}

/** One line the billing page shows before a period is closed. */
export function ReconciliationStatus({ data: d }: { data: ReconciliationResponse }) {
  const open = d.counts.price_drift + d.counts.missing_in_bill + d.counts.missing_in_ledger;
  return (
    <p className="muted" data-testid="reconciliation-status">
      {d.reconciled
        ? `Reconciled with the AWS bill ${formatInstant(d.compared_at ?? "")}: ledger $${d.ledger_usd}, billed $${d.billed_usd}, delta $${d.delta_usd}; ${open} line(s) to review${d.source?.may_be_restated ? "; AWS may still restate this month" : ""}.`
        : "Not reconciled with the AWS bill yet (chargeback reconcile)."}
    </p>
  );
}

export function ReconciliationPage() {
  const { view, go } = useNav();
  const r = useApi(`/v1/reconciliation?${new URLSearchParams({ month: view.month })}`, ReconciliationSchema);
  return (
    <section className="card" aria-labelledby="reconciliation-h">
      <header>
        <h1 id="reconciliation-h">Reconciliation — {formatMonth(view.month)}</h1>
      </header>
      <div className="form-row" style={{ marginBottom: 8 }}>
        <label>
          Month
          <input
            type="month"
            value={view.month}
            onChange={(e) => e.target.value && go({ ...view, month: e.target.value })}
            data-testid="reconciliation-month"
          />
        </label>
      </div>
      {r.state === "loading" ? <Loading /> : null}
      {r.state === "error" ? <ErrorState error={r.error} /> : null}
      {r.state === "ok" ? <Report data={r.data} /> : null}
    </section>
  );
}

function Report({ data }: { data: ReconciliationResponse }) {
  if (!data.reconciled)
    return (
      <Empty>
        {formatMonth(data.month)} has not been reconciled: run{" "}
        <code>chargeback reconcile --month {data.month} --cur &lt;export&gt;</code> (or{" "}
        <code>--cost-explorer</code>).
      </Empty>
    );
  const rows = byDayAndModel(data.lines);
  const s = data.source;
  return (
    <>
      <section className="kpis" aria-label="Reconciliation figures" data-testid="reconciliation-kpis">
        <div className="kpi">
          <div className="label">Ledger</div>
          <div className="value" data-testid="rec-ledger">
            {formatUsdPrecise(data.ledger_usd ?? "0")}
          </div>
        </div>
        <div className="kpi">
          <div className="label">Billed</div>
          <div className="value" data-testid="rec-billed">
            {formatUsdPrecise(data.billed_usd ?? "0")}
          </div>
        </div>
        <div className="kpi">
          <div className="label">Delta</div>
          <div className="value" data-testid="rec-delta">
            {formatUsdPrecise(data.delta_usd ?? "0")}
          </div>
        </div>
        <div className="kpi">
          <div className="label">Coverage</div>
          <div className="value" data-testid="rec-coverage">
            {data.coverage === null ? "—" : `${(data.coverage * 100).toFixed(2)} %`}
          </div>
        </div>
      </section>
      <p className="muted" data-testid="rec-source">
        Compared with {s?.kind === "cost-explorer" ? "Cost Explorer" : "the CUR 2.0 export"} {s?.location}{" "}
        (version {s?.version}) {data.compared_at ? formatInstant(data.compared_at) : ""}.
        {s?.may_be_restated ? " AWS may still restate this month (two weeks after it ends)." : ""}
        {s && s.not_final_days.length > 0 ? ` Not final yet: ${s.not_final_days.join(", ")}.` : ""}
      </p>
      <p data-testid="rec-counts">
        {data.counts.matched} matched · {data.counts.price_drift} price drift ·{" "}
        {data.counts.missing_in_ledger} missing in ledger · {data.counts.missing_in_bill} missing in bill
      </p>
      {data.other_charges.length > 0 ? (
        <p className="muted" data-testid="rec-other">
          Other charges (not in the deltas):{" "}
          {data.other_charges.map((c) => `${c.line_item_type} ${formatUsdPrecise(c.usd)}`).join(" · ")}
        </p>
      ) : null}
      {data.proposals.length > 0 ? (
        <ul data-testid="rec-proposals">
          {data.proposals.map((p) => (
            <li key={`${p.model}-${p.bucket}`}>
              {shortModelName(p.model)} {p.bucket} from {p.from}: billed ${p.billed_usd_per_million} per 1M
              tokens, ours {p.ledger_usd_per_million === null ? "unpriced" : `$${p.ledger_usd_per_million}`}
            </li>
          ))}
        </ul>
      ) : null}
      <TableScroll label="Ledger vs billed per day and model">
        <table data-testid="reconciliation-table">
          <caption className="muted">Ledger vs billed per day and model</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Ledger
              </th>
              <th scope="col" className="num">
                Billed
              </th>
              <th scope="col" className="num">
                Delta
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr
                key={`${row.date}-${row.model}`}
                className={row.statuses.size > 0 ? "adjustment" : undefined}
              >
                <td>{row.date}</td>
                <td title={row.model}>{shortModelName(row.model)}</td>
                <td className="num">{formatUsdPrecise(microsToDecimal(row.ledger))}</td>
                <td className="num">{formatUsdPrecise(microsToDecimal(row.billed))}</td>
                <td className="num">{formatUsdPrecise(microsToDecimal(row.billed - row.ledger))}</td>
                <td>{row.statuses.size > 0 ? [...row.statuses].join(", ") : "matched"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </>
  );
}
