import { UnpricedResponse } from "@bedrock-chargeback/api/schemas";
import { type Loadable, useApi, useSession } from "../api/use-api";
import { monthRange } from "../lib/dates";
import { formatAge, formatInstant, formatInt } from "../lib/format";
import { filterValue, type Page, type ViewState } from "../lib/view-state";
import { FilterBar } from "./filter-bar";
import { Link, useNav } from "./nav";

const NAV: { page: Page; label: string; tenantSees: boolean }[] = [
  { page: "overview", label: "Overview", tenantSees: true },
  { page: "tenants", label: "Tenants", tenantSees: false },
  { page: "users", label: "Users", tenantSees: true },
  { page: "experiments", label: "Experiments", tenantSees: true },
  { page: "billing", label: "Billing", tenantSees: true },
  { page: "reconciliation", label: "Reconciliation", tenantSees: false },
  { page: "budgets", label: "Budgets", tenantSees: true },
  { page: "ask", label: "Ask", tenantSees: true },
];

/** The range the unpriced warning and freshness speak about, for the page on screen. */
function statusRange(view: ViewState, nowMs: number): { from: string; to: string } {
  if (view.page === "billing" || view.page === "reconciliation") return monthRange(view.month);
  if (view.page === "budgets" || view.page === "ask")
    return monthRange(new Date(nowMs).toISOString().slice(0, 7));
  return { from: view.from, to: view.to };
}

export function Shell({ nowMs, children }: { nowMs: number; children: React.ReactNode }) {
  const { me, signOut } = useSession();
  const { view } = useNav();
  const range = statusRange(view, nowMs);
  const q = new URLSearchParams(range);
  const tenantFilter = filterValue(view, "tenant");
  if (
    me.role !== "tenant" &&
    typeof tenantFilter === "string" &&
    view.page !== "billing" &&
    view.page !== "reconciliation" &&
    view.page !== "budgets" &&
    view.page !== "ask"
  )
    q.set("tenant", tenantFilter);
  const unpriced = useApi(`/v1/prices/unpriced?${q}`, UnpricedResponse);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Bedrock Chargeback</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.filter((n) => me.role !== "tenant" || n.tenantSees).map((n) => (
              <li key={n.page}>
                <Link to={{ ...view, page: n.page }} current={view.page === n.page}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span data-testid="who">
            {me.name ? `${me.name} · ` : ""}
            <span className="badge">{me.role}</span>
            {me.tenant ? (
              <>
                {" "}
                tenant <strong>{me.tenant}</strong>
              </>
            ) : null}
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main">
        <StatusLine unpriced={unpriced} nowMs={nowMs} />
        <UnpricedBanner unpriced={unpriced} />
        {view.page === "overview" ||
        view.page === "tenants" ||
        view.page === "users" ||
        view.page === "experiments" ? (
          <FilterBar nowMs={nowMs} showGranularity={view.page === "overview"} />
        ) : null}
        {children}
      </main>
    </>
  );
}

function StatusLine({ unpriced, nowMs }: { unpriced: Loadable<UnpricedResponse>; nowMs: number }) {
  if (unpriced.state !== "ok") return <div className="statusline">Checking data freshness…</div>;
  const sources = unpriced.data.freshness.sources;
  return (
    <div className="statusline" data-testid="freshness">
      {sources.length === 0 ? (
        <span>No ingest has run yet.</span>
      ) : (
        sources.map((s) => (
          <span key={s.source}>
            Data from <strong>{s.source}</strong> through {s.data_until ? formatInstant(s.data_until) : "—"}
            {"; last ingest "}
            {s.last_finished_at
              ? `${formatAge(s.last_finished_at, nowMs)} (${s.last_status})`
              : s.last_status}
          </span>
        ))
      )}
      <span>All times UTC · amounts USD</span>
    </div>
  );
}

/** Never dismissible: usage without a price is counted but not costed, and everyone must see it. */
function UnpricedBanner({ unpriced }: { unpriced: Loadable<UnpricedResponse> }) {
  if (unpriced.state === "error")
    return (
      <div className="banner error" role="alert">
        Could not check for unpriced usage: {unpriced.error.message}
      </div>
    );
  if (unpriced.state !== "ok" || unpriced.data.models.length === 0) return null;
  const models = unpriced.data.models;
  const requests = models.reduce((n, m) => n + m.unpriced_requests, 0);
  const tokens = models.reduce((n, m) => n + m.unpriced_tokens, 0);
  return (
    <div className="banner" role="alert" data-testid="unpriced-banner">
      <strong>Unpriced usage:</strong> {formatInt(requests)} requests ({formatInt(tokens)} tokens) on{" "}
      {models.length} model
      {models.length === 1 ? "" : "s"} without a price are counted but{" "}
      <strong>not included in any cost</strong>:{" "}
      {models.map((m) => `${m.model} (${formatInt(m.unpriced_requests)})`).join(", ")}.
    </div>
  );
}
