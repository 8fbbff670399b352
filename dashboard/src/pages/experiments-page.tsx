import { ExperimentListResponse, ExperimentResponse } from "@bedrock-chargeback/api/schemas";
import { useApi } from "../api/use-api";
import { useNav } from "../components/nav";
import { ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { dimensionLabel, formatInt, formatPct } from "../lib/format";
import { formatUsdPrecise } from "../lib/money";
import { usageQuery } from "../lib/view-state";

const perCall = (micros: number | null) => (micros === null ? "—" : `$${(micros / 1e6).toFixed(6)}`);

/** A/B experiments in the range: each one's variants and whether cost per call differs beyond the noise. */
export function ExperimentsPage() {
  const { view } = useNav();
  const list = useApi(`/v1/experiments?${usageQuery(view)}`, ExperimentListResponse);
  return (
    <section className="card" aria-labelledby="experiments-h">
      <header>
        <h1 id="experiments-h">Experiments</h1>
        <p>
          Requests tagged with <code>experiment_id</code> and <code>variant</code>: per variant errors, tokens
          and cost per call, and each variant against the baseline by Welch's 95 % interval on cost per call.
        </p>
      </header>
      {list.state === "error" ? (
        <ErrorState error={list.error} onRetry={list.reload} />
      ) : list.state === "ok" ? (
        list.data.experiments.length === 0 ? (
          <p className="muted">No experiments in this range.</p>
        ) : (
          list.data.experiments.map((e) => <Experiment key={e.experiment_id} id={e.experiment_id} />)
        )
      ) : (
        <Loading />
      )}
    </section>
  );
}

function Experiment({ id }: { id: string }) {
  const { view } = useNav();
  const r = useApi(`/v1/experiments/${encodeURIComponent(id)}?${usageQuery(view)}`, ExperimentResponse);
  if (r.state === "error") return <ErrorState error={r.error} onRetry={r.reload} />;
  if (r.state !== "ok") return <Loading />;
  return <ExperimentTable report={r.data} />;
}

function ExperimentTable({ report }: { report: ExperimentResponse }) {
  return (
    <div className="experiment">
      <h2>{report.experiment_id}</h2>
      <TableScroll label={`Variants of ${report.experiment_id}`}>
        <table aria-label={`Variants of ${report.experiment_id}`}>
          <thead>
            <tr>
              <th scope="col">variant</th>
              <th scope="col" className="num">
                calls
              </th>
              <th scope="col" className="num">
                error rate
              </th>
              <th scope="col" className="num">
                tokens / request
              </th>
              <th scope="col" className="num">
                cost / call
              </th>
              <th scope="col" className="num">
                cost / successful request
              </th>
              <th scope="col" className="num">
                latency
              </th>
              <th scope="col" className="num">
                cost
              </th>
            </tr>
          </thead>
          <tbody>
            {report.variants.map((v) => (
              <tr key={v.variant ?? "\u0000"}>
                <td>
                  {dimensionLabel(v.variant)}
                  {v.variant === report.baseline ? " (baseline)" : ""}
                </td>
                <td className="num">{formatInt(v.calls)}</td>
                <td className="num">{v.error_rate === null ? "—" : formatPct(v.error_rate * 100)}</td>
                <td className="num">
                  {v.tokens_per_request === null ? "—" : v.tokens_per_request.toFixed(1)}
                </td>
                <td className="num">{perCall(v.cost_per_call_micro_usd)}</td>
                <td className="num">{perCall(v.cost_per_successful_request_micro_usd)}</td>
                <td className="num">{v.latency_ms === null ? "—" : `${v.latency_ms.toFixed(0)} ms`}</td>
                <td className="num">{formatUsdPrecise(v.cost_usd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
      <ul className="comparisons">
        {report.comparisons.map((c) => (
          <li key={c.variant ?? "\u0000"}>
            {dimensionLabel(c.variant)} vs {dimensionLabel(c.baseline)}:{" "}
            {c.welch === null ? (
              <span className="muted">
                no interval ({report.unpriced ? "unpriced usage" : "too few calls or no spread"})
              </span>
            ) : (
              <>
                cost per call {c.welch.diff_micro_usd < 0 ? "−" : "+"}
                {perCall(Math.abs(c.welch.diff_micro_usd))} (95 % interval {perCall(c.welch.low_micro_usd)} to{" "}
                {perCall(c.welch.high_micro_usd)}):{" "}
                <strong>{c.welch.significant ? "larger than the noise" : "within the noise"}</strong>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
