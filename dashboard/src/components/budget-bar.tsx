import type { BudgetView } from "@bedrock-chargeback/api";
import { budgetBar } from "../lib/budgets";
import { formatUsd } from "../lib/money";

/** Spend (solid) and forecast (light) against the budget, with threshold ticks. */
export function BudgetBar({ budget }: { budget: BudgetView }) {
  const bar = budgetBar(budget.status, budget.thresholds);
  return (
    <div
      className={`bar ${bar.tone}`}
      role="progressbar"
      aria-label={`${budget.name}: ${formatUsd(budget.status.spent_usd)} of ${formatUsd(budget.amount_usd)} spent (${budget.status.percent_used}%), forecast ${formatUsd(budget.status.forecast_usd)}`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(bar.spentWidth)}
      aria-valuetext={`${budget.status.percent_used}% used`}
    >
      <div className="forecast" style={{ width: `${bar.forecastWidth}%` }} />
      <div className="spent" style={{ width: `${bar.spentWidth}%` }} />
      {bar.ticks.map((t) => (
        <div
          key={t.threshold}
          className="tick"
          style={{ left: `calc(${t.position}% - 1px)` }}
          title={`${t.threshold}%`}
        />
      ))}
    </div>
  );
}
