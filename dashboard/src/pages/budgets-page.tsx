import type { BudgetScope } from "@bedrock-chargeback/api";
import { BudgetListResponse, BudgetView } from "@bedrock-chargeback/api/schemas";
import { useState } from "react";
import type { ApiError } from "../api/client";
import { asApiError, useApi, useSession } from "../api/use-api";
import { BudgetBar } from "../components/budget-bar";
import { Empty, ErrorState, Loading } from "../components/states";
import { TableScroll } from "../components/table-scroll";
import { parseThresholds, parseUsdInput } from "../lib/budgets";
import { formatInt } from "../lib/format";
import { formatUsd } from "../lib/money";

const SCOPES: { id: BudgetScope; label: string }[] = [
  { id: "tenant", label: "Tenant" },
  { id: "application", label: "Application" },
  { id: "cost_center", label: "Cost center" },
];

export function BudgetsPage() {
  const { me } = useSession();
  const list = useApi("/v1/budgets", BudgetListResponse);
  const canEdit = me.role !== "tenant";
  return (
    <>
      <section className="card" aria-labelledby="budgets-h" style={{ marginBottom: 12 }}>
        <header>
          <h1 id="budgets-h">Budgets</h1>
          <p>
            Monthly budgets with this month's spend (solid) and linear forecast (light); ticks are alert
            thresholds.
          </p>
        </header>
        {list.state === "loading" ? (
          <Loading />
        ) : list.state === "error" ? (
          <ErrorState error={list.error} onRetry={list.reload} />
        ) : list.data.budgets.length === 0 ? (
          <Empty>No budgets yet.{canEdit ? " Create one below." : ""}</Empty>
        ) : (
          <TableScroll label="Budgets" maxHeight="none">
            <table aria-label="Budgets">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Scope</th>
                  <th className="num">Monthly budget</th>
                  <th className="num">Spent</th>
                  <th className="num">Forecast</th>
                  <th style={{ width: "26%" }}>Status</th>
                  <th>Thresholds</th>
                  {canEdit ? <th>Actions</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.data.budgets.map((b) => (
                  <BudgetRow key={b.id} budget={b} canEdit={canEdit} onChanged={list.reload} />
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      {canEdit ? <CreateBudget onCreated={list.reload} /> : null}
    </>
  );
}

function BudgetRow({
  budget,
  canEdit,
  onChanged,
}: {
  budget: BudgetView;
  canEdit: boolean;
  onChanged: () => void;
}) {
  const { client } = useSession();
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const s = budget.status;
  const remove = async () => {
    if (!window.confirm(`Delete budget “${budget.name}”?`)) return;
    try {
      await client.send("DELETE", `/v1/budgets/${budget.id}`, undefined, BudgetView);
      onChanged();
    } catch (e) {
      setError(asApiError(e));
    }
  };
  if (editing)
    return (
      <tr>
        <td colSpan={8}>
          <EditBudget
            budget={budget}
            onDone={(changed) => {
              setEditing(false);
              if (changed) onChanged();
            }}
          />
        </td>
      </tr>
    );
  return (
    <tr data-testid="budget-row">
      <td>{budget.name}</td>
      <td>
        {budget.scope.replace("_", " ")}: <strong>{budget.scope_value}</strong>
      </td>
      <td className="num">{formatUsd(budget.amount_usd)}</td>
      <td className="num">
        {formatUsd(s.spent_usd)} <span className="muted">({s.percent_used.toFixed(1)}%)</span>
      </td>
      <td className="num">
        {formatUsd(s.forecast_usd)} <span className="muted">({s.forecast_percent.toFixed(1)}%)</span>
      </td>
      <td>
        <BudgetBar budget={budget} />
        {s.unpriced_requests > 0 ? (
          <span className="inline-error">{formatInt(s.unpriced_requests)} unpriced requests not counted</span>
        ) : null}
      </td>
      <td>{budget.thresholds.map((t) => `${t}%`).join(", ")}</td>
      {canEdit ? (
        <td>
          <div className="form-row">
            <button type="button" onClick={() => setEditing(true)} aria-label={`Edit budget ${budget.name}`}>
              Edit
            </button>
            <button
              type="button"
              className="danger"
              onClick={remove}
              aria-label={`Delete budget ${budget.name}`}
            >
              Delete
            </button>
          </div>
          {error ? <ErrorState error={error} /> : null}
        </td>
      ) : null}
    </tr>
  );
}

function EditBudget({ budget, onDone }: { budget: BudgetView; onDone: (changed: boolean) => void }) {
  const { client } = useSession();
  const [name, setName] = useState(budget.name);
  const [amount, setAmount] = useState(budget.amount_usd.replace(/\.?0+$/, ""));
  const [thresholds, setThresholds] = useState(budget.thresholds.join(", "));
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    const amountUsd = parseUsdInput(amount);
    const t = parseThresholds(thresholds);
    if (!amountUsd) return setProblem("Amount: a USD amount like 1000 or 1000.50");
    if (!t) return setProblem("Thresholds: percentages separated by commas, like 80, 100");
    setProblem(null);
    try {
      await client.send(
        "PATCH",
        `/v1/budgets/${budget.id}`,
        { name, amount_usd: amountUsd, thresholds: t },
        BudgetView,
      );
      onDone(true);
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <form onSubmit={save} className="form-row" aria-label={`Edit budget ${budget.name}`}>
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </label>
      <label>
        Monthly amount (USD)
        <input value={amount} onChange={(e) => setAmount(e.target.value)} inputMode="decimal" required />
      </label>
      <label>
        Thresholds (%)
        <input value={thresholds} onChange={(e) => setThresholds(e.target.value)} />
      </label>
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={() => onDone(false)}>
        Cancel
      </button>
      {problem ? (
        <span role="alert" className="inline-error">
          {problem}
        </span>
      ) : null}
      {error ? <ErrorState error={error} /> : null}
    </form>
  );
}

function CreateBudget({ onCreated }: { onCreated: () => void }) {
  const { client } = useSession();
  const [scope, setScope] = useState<BudgetScope>("application");
  const [value, setValue] = useState("");
  const [amount, setAmount] = useState("");
  const [thresholds, setThresholds] = useState("80, 100");
  const [name, setName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    const amountUsd = parseUsdInput(amount);
    const t = parseThresholds(thresholds);
    if (value.trim() === "")
      return setProblem("Scope value: the tenant, application or cost center it applies to");
    if (!amountUsd) return setProblem("Amount: a USD amount like 1000 or 1000.50");
    if (!t) return setProblem("Thresholds: percentages separated by commas, like 80, 100");
    setProblem(null);
    setError(null);
    try {
      await client.send(
        "POST",
        "/v1/budgets",
        {
          scope,
          scope_value: value.trim(),
          amount_usd: amountUsd,
          thresholds: t,
          ...(name.trim() ? { name: name.trim() } : {}),
        },
        BudgetView,
      );
      setValue("");
      setAmount("");
      setName("");
      onCreated();
    } catch (err) {
      setError(asApiError(err));
    }
  };
  return (
    <section className="card" aria-labelledby="new-budget-h">
      <header>
        <h2 id="new-budget-h">New budget</h2>
      </header>
      <form onSubmit={create} className="form-row">
        <label>
          Scope
          <select
            value={scope}
            onChange={(e) => setScope(SCOPES.find((s) => s.id === e.target.value)?.id ?? "application")}
          >
            {SCOPES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Applies to
          <input
            value={value}
            onChange={(e) => setValue(e.target.value)}
            placeholder="e.g. support-assistant"
          />
        </label>
        <label>
          Monthly amount (USD)
          <input
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            placeholder="1000"
          />
        </label>
        <label>
          Thresholds (%)
          <input value={thresholds} onChange={(e) => setThresholds(e.target.value)} />
        </label>
        <label>
          Name (optional)
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Create budget
        </button>
        {problem ? (
          <span role="alert" className="inline-error">
            {problem}
          </span>
        ) : null}
      </form>
      {error ? <ErrorState error={error} /> : null}
    </section>
  );
}
