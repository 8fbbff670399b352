import type { BudgetView } from "@bedrock-chargeback/api";
import { AttributionResponse, BudgetListResponse, UsageResponse } from "@bedrock-chargeback/api/schemas";
import { type Loadable, useApi, useSession } from "../api/use-api";
import { BudgetBar } from "../components/budget-bar";
import { ChartCard } from "../components/chart-card";
import { BucketBar, Donut, HorizontalBars, StackedCostChart } from "../components/charts";
import { Link, useNav } from "../components/nav";
import { Empty, ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { TenantTable } from "../components/tenant-table";
import { cacheReadShare, type Slice, tokenBuckets, toSlices } from "../lib/breakdown";
import { dayMs, monthRange, rangeMonth } from "../lib/dates";
import { dimensionLabel, formatInt, formatPct, shortModelName, totalTokens } from "../lib/format";
import { formatUsd, formatUsdPrecise, microsToDecimal } from "../lib/money";
import { type SeriesKey, toStackedSeries } from "../lib/series";
import { type FilterDimension, filterValue, usageQuery, type ViewState, withFilter } from "../lib/view-state";

function Kpi(props: {
  label: string;
  value: string;
  sub?: React.ReactNode;
  href: string;
  testId: string;
  warn?: boolean;
}) {
  return (
    <div className={`kpi${props.warn ? " warn" : ""}`} data-testid={props.testId}>
      <div className="label">{props.label}</div>
      <div className="value">
        <a
          href={props.href}
          title={`Show the chart behind ${props.label.toLowerCase()}`}
          data-testid={`${props.testId}-value`}
        >
          {props.value}
        </a>
      </div>
      {props.sub ? <div className="sub">{props.sub}</div> : null}
    </div>
  );
}

/** Renders `ok` when loaded, else the loading or error state. */
function Load<T>(props: {
  data: Loadable<T> & { reload: () => void };
  ok: (data: T) => React.ReactNode;
  tall?: boolean;
}) {
  const d = props.data;
  if (d.state === "loading") return <Loading tall={props.tall} />;
  if (d.state === "error") return <ErrorState error={d.error} onRetry={d.reload} />;
  return <>{props.ok(d.data)}</>;
}

function SliceTable({ slices, what }: { slices: Slice[]; what: string }) {
  return (
    <table>
      <thead>
        <tr>
          <th>{what}</th>
          <th className="num">Cost</th>
          <th className="num">Share</th>
          <th className="num">Requests</th>
        </tr>
      </thead>
      <tbody>
        {slices.map((s) => (
          <tr key={s.id}>
            <td>{s.label}</td>
            <td className="num">{formatUsdPrecise(s.costUsd)}</td>
            <td className="num">{s.sharePct.toFixed(1)}%</td>
            <td className="num">{formatInt(s.requests)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function OverviewPage({ nowMs }: { nowMs: number }) {
  const { view, go } = useNav();
  const { me } = useSession();
  const isTenant = me.role === "tenant";
  const q = usageQuery(view);
  const total = useApi(`/v1/usage?${q}`, UsageResponse);
  const attribution = useApi(`/v1/attribution?${q}`, AttributionResponse);
  const seriesPath = `/v1/usage/timeseries?${usageQuery(view, { group_by: "application", granularity: view.granularity })}`;
  const series = useApi(seriesPath, UsageResponse);
  const byApp = useApi(`/v1/usage?${usageQuery(view, { group_by: "application" })}`, UsageResponse);
  const byCc = useApi(`/v1/usage?${usageQuery(view, { group_by: "cost_center" })}`, UsageResponse);
  const byModel = useApi(`/v1/usage?${usageQuery(view, { group_by: "model" })}`, UsageResponse);
  const tenantsPath = `/v1/usage?${usageQuery(view, { group_by: "tenant" })}`;
  const tenants = useApi(isTenant ? null : tenantsPath, UsageResponse);
  const tenantDaily = useApi(
    isTenant ? null : `/v1/usage/timeseries?${usageQuery(view, { group_by: "tenant", granularity: "day" })}`,
    UsageResponse,
  );
  const budgets = useApi("/v1/budgets", BudgetListResponse);

  const drill = (dimension: FilterDimension) => (s: { value: string | null | undefined }) => {
    if (s.value !== undefined) go(withFilter(view, { dimension, value: s.value }));
  };

  // The page stands or falls with its headline query: a 403 (another tenant) is the whole page.
  if (total.state === "error") return <ErrorState error={total.error} onRetry={total.reload} />;

  return (
    <>
      <h1 className="sr-only">Overview</h1>
      {total.state === "loading" ? (
        <Loading label="Loading usage…" />
      ) : (
        <Kpis view={view} usage={total.data} attribution={attribution} budgets={budgets} nowMs={nowMs} />
      )}
      <div className="grid">
        <ChartCard
          id="cost-over-time"
          className="span-8"
          title="Cost over time by application"
          description={`${view.granularity === "hour" ? "Hourly" : "Daily"}, UTC. Click a series to filter.`}
          source={seriesPath}
          chartLabel="Stacked cost over time by application; the data table below lists every value"
          chart={
            <Load
              data={series}
              tall
              ok={(d) =>
                d.rows.length === 0 ? (
                  <Empty>No usage in this range.</Empty>
                ) : (
                  <StackedCostChart
                    series={toStackedSeries(d.rows, "application", view)}
                    onSelect={(k: SeriesKey) => drill("application")(k)}
                  />
                )
              }
            />
          }
          table={
            <Load
              data={series}
              ok={(d) => {
                const s = toStackedSeries(d.rows, "application", view);
                return (
                  <table>
                    <thead>
                      <tr>
                        <th>Period</th>
                        {s.keys.map((k) => (
                          <th key={k.id} className="num">
                            {k.label}
                          </th>
                        ))}
                        <th className="num">Total</th>
                      </tr>
                    </thead>
                    <tbody>
                      {s.points.map((p) => (
                        <tr key={p.period}>
                          <td>{p.period}</td>
                          {s.keys.map((k) => (
                            <td key={k.id} className="num">
                              {formatUsdPrecise(microsToDecimal(BigInt(p.micros[k.id] ?? 0)))}
                            </td>
                          ))}
                          <td className="num">{formatUsdPrecise(p.totalUsd)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                );
              }}
            />
          }
        />
        <ChartCard
          id="by-application"
          className="span-4"
          title="Cost by application"
          description="Click to filter."
          source={`/v1/usage?${usageQuery(view, { group_by: "application" })}`}
          chartLabel="Donut of cost by application"
          chart={
            <Load
              data={byApp}
              tall
              ok={(d) =>
                d.rows.length === 0 ? (
                  <Empty>No usage.</Empty>
                ) : (
                  <Donut
                    slices={toSlices(d.rows, "application")}
                    onSelect={drill("application")}
                    what="application"
                    testId="apps-legend"
                  />
                )
              }
            />
          }
          table={
            <Load
              data={byApp}
              ok={(d) => <SliceTable slices={toSlices(d.rows, "application", 1000)} what="Application" />}
            />
          }
        />
        <ChartCard
          id="by-cost-center"
          className="span-4"
          title="Cost by cost center"
          source={`/v1/usage?${usageQuery(view, { group_by: "cost_center" })}`}
          chartLabel="Bar chart of cost by cost center"
          chart={
            <Load
              data={byCc}
              tall
              ok={(d) =>
                d.rows.length === 0 ? (
                  <Empty>No usage.</Empty>
                ) : (
                  <HorizontalBars
                    slices={toSlices(d.rows, "cost_center")}
                    onSelect={drill("cost_center")}
                    what="cost center"
                    testId="cc-bars"
                  />
                )
              }
            />
          }
          table={
            <Load
              data={byCc}
              ok={(d) => <SliceTable slices={toSlices(d.rows, "cost_center", 1000)} what="Cost center" />}
            />
          }
        />
        <ChartCard
          id="by-model"
          className="span-4"
          title="Cost by model"
          source={`/v1/usage?${usageQuery(view, { group_by: "model" })}`}
          chartLabel="Bar chart of cost by model"
          chart={
            <Load
              data={byModel}
              tall
              ok={(d) =>
                d.rows.length === 0 ? (
                  <Empty>No usage.</Empty>
                ) : (
                  <HorizontalBars
                    slices={toSlices(d.rows, "model", 6).map((s) => ({
                      ...s,
                      label: s.value ? shortModelName(s.value) : s.label,
                    }))}
                    onSelect={drill("model")}
                    what="model"
                    testId="model-bars"
                  />
                )
              }
            />
          }
          table={<Load data={byModel} ok={(d) => <ModelTable usage={d} />} />}
        />
        <ChartCard
          id="token-mix"
          className="span-4"
          title="Token mix and cache share"
          description="The four token buckets, never merged."
          source={`/v1/usage?${q}`}
          chartLabel="Share of input, output, cache read and cache write tokens"
          chart={
            <Load
              data={total}
              ok={(d) => {
                const share = cacheReadShare(d.total);
                return (
                  <>
                    <p style={{ margin: "0 0 8px" }}>
                      Cache reads are{" "}
                      <strong data-testid="cache-share">
                        {share === null ? "—" : `${share.toFixed(1)}%`}
                      </strong>{" "}
                      of input-side tokens.
                    </p>
                    <BucketBar buckets={tokenBuckets(d.total)} />
                  </>
                );
              }}
            />
          }
          table={
            <Load
              data={total}
              ok={(d) => (
                <table>
                  <tbody>
                    {tokenBuckets(d.total).map((b) => (
                      <tr key={b.id}>
                        <td>{b.label}</td>
                        <td className="num">{formatInt(b.tokens)}</td>
                        <td className="num">{b.sharePct.toFixed(2)}%</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            />
          }
        />
        {isTenant ? null : (
          <section id="top-tenants" className="card span-8" aria-labelledby="top-tenants-h">
            <header>
              <h2 id="top-tenants-h">Top tenants</h2>
              <p>
                Click a tenant to filter. <Link to={{ ...view, page: "tenants" }}>All tenants</Link>
              </p>
            </header>
            {tenants.state === "error" ? (
              <ErrorState error={tenants.error} onRetry={tenants.reload} />
            ) : tenantDaily.state === "error" ? (
              <ErrorState error={tenantDaily.error} onRetry={tenantDaily.reload} />
            ) : tenants.state === "ok" && tenantDaily.state === "ok" ? (
              <TenantTable view={view} totals={tenants.data} daily={tenantDaily.data} pageSize={8} />
            ) : (
              <Loading />
            )}
          </section>
        )}
        <section
          id="budgets"
          className={`card ${isTenant ? "span-6" : "span-4"}`}
          aria-labelledby="budgets-h"
        >
          <header>
            <h2 id="budgets-h">Spend against budget</h2>
            <p>
              This month. <Link to={{ ...view, page: "budgets" }}>Budgets</Link>
            </p>
          </header>
          <Load data={budgets} ok={(d) => <BudgetList budgets={rankBudgets(d.budgets, view)} />} />
        </section>
        <section
          id="attribution"
          className={`card ${isTenant ? "span-6" : "span-12"}`}
          aria-labelledby="attr-h"
        >
          <header>
            <h2 id="attr-h">Attribution</h2>
            <p>Usage missing tenant, application or cost center metadata.</p>
          </header>
          <Load data={attribution} ok={(a) => <AttributionDetail a={a} view={view} />} />
        </section>
      </div>
    </>
  );
}

function ModelTable({ usage }: { usage: UsageResponse }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Model</th>
          <th className="num">Cost</th>
          <th className="num">Requests</th>
          <th className="num">Unpriced requests</th>
        </tr>
      </thead>
      <tbody>
        {usage.rows.map((r) => (
          <tr key={r.keys.model ?? "null"}>
            <td>{dimensionLabel(r.keys.model ?? null)}</td>
            <td className="num">
              {r.unpriced_requests > 0 && r.cost_micro_usd === 0 ? "unpriced" : formatUsdPrecise(r.cost_usd)}
            </td>
            <td className="num">{formatInt(r.requests)}</td>
            <td className="num">{formatInt(r.unpriced_requests)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Kpis(props: {
  view: ViewState;
  usage: UsageResponse;
  attribution: Loadable<AttributionResponse>;
  budgets: Loadable<{ budgets: BudgetView[] }>;
  nowMs: number;
}) {
  const t = props.usage.total;
  const month = rangeMonth(props.view.from, props.view.to);
  const currentMonth =
    month !== null &&
    monthRange(month).from <= new Date(props.nowMs).toISOString().slice(0, 10) &&
    props.nowMs < dayMs(props.view.to);
  // The API's own forecast (the budgets' rule), shown for the current month's view.
  const forecast = currentMonth ? props.usage.forecast : null;
  const costLabel = currentMonth ? "Cost, month to date" : "Cost in range";
  const budget =
    props.budgets.state === "ok" ? rankBudgets(props.budgets.data.budgets, props.view)[0] : undefined;
  const scoped = budget !== undefined && budgetMatches(budget, props.view);
  return (
    <section className="kpis" aria-label="Headline figures">
      <Kpi
        testId="kpi-cost"
        label={costLabel}
        value={formatUsd(t.cost_usd)}
        href="#cost-over-time"
        warn={t.unpriced_requests > 0}
        sub={
          t.unpriced_requests > 0
            ? `+ ${formatInt(t.unpriced_requests)} unpriced requests not costed`
            : "priced usage"
        }
      />
      <Kpi
        testId="kpi-requests"
        label="Requests"
        value={formatInt(t.requests)}
        href="#by-application"
        sub={`${formatInt(t.errors)} errors`}
      />
      <Kpi
        testId="kpi-tokens"
        label="Tokens"
        value={formatInt(totalTokens(t))}
        href="#token-mix"
        sub={`${formatInt(t.input_tokens)} in · ${formatInt(t.output_tokens)} out`}
      />
      <Kpi
        testId="kpi-forecast"
        label="Forecast to month end"
        value={forecast === null ? "—" : formatUsd(forecast.cost_usd)}
        href="#cost-over-time"
        sub={forecast === null ? "for the current month only" : "linear, from spend so far"}
      />
      <Kpi
        testId="kpi-budget"
        label={scoped && budget ? `Budget: ${budget.name}` : "Budgets"}
        value={
          props.budgets.state !== "ok"
            ? "…"
            : scoped && budget
              ? `${budget.status.percent_used.toFixed(1)}%`
              : props.budgets.data.budgets.length === 0
                ? "None"
                : `${props.budgets.data.budgets.filter((b) => b.status.crossed.length > 0).length} of ${props.budgets.data.budgets.length}`
        }
        href="#budgets"
        warn={scoped && budget ? budget.status.crossed.length > 0 : false}
        sub={
          scoped && budget
            ? `${formatUsd(budget.status.spent_usd)} of ${formatUsd(budget.amount_usd)} this month`
            : props.budgets.state === "ok" && props.budgets.data.budgets.length === 0
              ? "no budget set yet"
              : "past an alert threshold this month"
        }
      />
      <Kpi
        testId="kpi-coverage"
        label="Attribution coverage"
        value={props.attribution.state === "ok" ? formatPct(props.attribution.data.coverage_pct) : "…"}
        href="#attribution"
        warn={props.attribution.state === "ok" && props.attribution.data.coverage_pct < 95}
        sub={
          props.attribution.state === "ok"
            ? `${formatUsd(props.attribution.data.unattributed.cost_usd)} unattributed`
            : "of cost carries tenant, application and cost center"
        }
      />
    </section>
  );
}

function budgetMatches(b: BudgetView, view: ViewState): boolean {
  return filterValue(view, b.scope) === b.scope_value;
}

/** Budgets that match the current filter first, then by how much they have used. */
function rankBudgets(list: BudgetView[], view: ViewState): BudgetView[] {
  return [...list].sort(
    (a, b) =>
      Number(budgetMatches(b, view)) - Number(budgetMatches(a, view)) ||
      b.status.percent_used - a.status.percent_used,
  );
}

function BudgetList({ budgets }: { budgets: BudgetView[] }) {
  if (budgets.length === 0) return <Empty>No budgets yet.</Empty>;
  return (
    <ul
      style={{ listStyle: "none", padding: 0, margin: 0, display: "flex", flexDirection: "column", gap: 8 }}
    >
      {budgets.slice(0, 5).map((b) => (
        <li key={b.id}>
          <div style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
            <span>
              {b.name} <span className="muted">({b.scope.replace("_", " ")})</span>
            </span>
            <span className="muted">
              {formatUsd(b.status.spent_usd)} / {formatUsd(b.amount_usd)}
            </span>
          </div>
          <BudgetBar budget={b} />
        </li>
      ))}
    </ul>
  );
}

function AttributionDetail({ a, view }: { a: AttributionResponse; view: ViewState }) {
  const { go } = useNav();
  return (
    <div className="attribution-detail">
      <dl className="facts">
        <dt>Coverage (by cost)</dt>
        <dd data-testid="coverage">{formatPct(a.coverage_pct)}</dd>
        <dt>Unattributed cost</dt>
        <dd>
          {formatUsdPrecise(a.unattributed.cost_usd)} ({formatPct(a.unattributed_cost_pct)})
        </dd>
        <dt>Unattributed requests</dt>
        <dd>
          {formatInt(a.unattributed.requests)} ({formatPct(a.unattributed_requests_pct)})
        </dd>
        <dt>Missing tenant</dt>
        <dd>
          <button
            type="button"
            className="link"
            onClick={() => go(withFilter(view, { dimension: "tenant", value: null }))}
          >
            {formatUsdPrecise(a.missing.tenant.cost_usd)}
          </button>
        </dd>
        <dt>Missing application</dt>
        <dd>
          <button
            type="button"
            className="link"
            onClick={() => go(withFilter(view, { dimension: "application", value: null }))}
          >
            {formatUsdPrecise(a.missing.application.cost_usd)}
          </button>
        </dd>
        <dt>Missing cost center</dt>
        <dd>
          <button
            type="button"
            className="link"
            onClick={() => go(withFilter(view, { dimension: "cost_center", value: null }))}
          >
            {formatUsdPrecise(a.missing.cost_center.cost_usd)}
          </button>
        </dd>
      </dl>
      <TableScroll label="Callers behind unattributed usage" maxHeight={200}>
        <table aria-label="Callers behind unattributed usage">
          <thead>
            <tr>
              <th>Caller identity (follow up with)</th>
              <th className="num">Cost</th>
              <th className="num">Requests</th>
            </tr>
          </thead>
          <tbody>
            {a.top_identities.length === 0 ? (
              <tr>
                <td colSpan={3} className="muted">
                  Everything is attributed.
                </td>
              </tr>
            ) : (
              a.top_identities.map((i) => (
                <tr key={i.identity_arn ?? "null"}>
                  <td style={{ whiteSpace: "normal", wordBreak: "break-all" }}>
                    {i.identity_arn ?? "(unknown caller)"}
                  </td>
                  <td className="num">{formatUsdPrecise(i.cost_usd)}</td>
                  <td className="num">{formatInt(i.requests)}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </TableScroll>
    </div>
  );
}
