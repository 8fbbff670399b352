import { addDays, isDay, rangePresets } from "../lib/dates";
import { dimensionLabel } from "../lib/format";
import { type FilterDimension, type ViewState, withoutFilter } from "../lib/view-state";
import { useNav } from "./nav";

const DIMENSION_NAMES: Record<FilterDimension, string> = {
  tenant: "Tenant",
  application: "Application",
  cost_center: "Cost center",
  model: "Model",
  user: "User",
  "meta:experiment_id": "Experiment",
  "meta:variant": "Variant",
};

/** Range presets, explicit dates, granularity, and the drill-down filters as removable chips. */
export function FilterBar({ nowMs, showGranularity }: { nowMs: number; showGranularity: boolean }) {
  const { view, go } = useNav();
  const presets = rangePresets(nowMs);
  const setRange = (from: string, to: string) => {
    if (isDay(from) && isDay(to) && to > from) go({ ...view, from, to });
  };
  const set = (patch: Partial<ViewState>) => go({ ...view, ...patch });
  return (
    <section className="filterbar" aria-label="Range and filters">
      <fieldset className="presets" style={{ border: "none", padding: 0, margin: 0 }}>
        <legend className="sr-only">Quick ranges</legend>
        {presets.map((p) => (
          <button
            key={p.id}
            type="button"
            aria-pressed={view.from === p.from && view.to === p.to}
            onClick={() => set({ from: p.from, to: p.to })}
          >
            {p.label}
          </button>
        ))}
      </fieldset>
      <label>
        From (UTC)
        <input
          type="date"
          value={view.from}
          max={addDays(view.to, -1)}
          onChange={(e) => setRange(e.target.value, view.to)}
        />
      </label>
      <label>
        To (exclusive)
        <input
          type="date"
          value={view.to}
          min={addDays(view.from, 1)}
          onChange={(e) => setRange(view.from, e.target.value)}
        />
      </label>
      {showGranularity ? (
        <fieldset className="segmented" style={{ border: "none", padding: 0, margin: 0 }}>
          <legend className="sr-only">Time buckets</legend>
          {(["hour", "day"] as const).map((g) => (
            <button
              key={g}
              type="button"
              aria-pressed={view.granularity === g}
              onClick={() => set({ granularity: g })}
            >
              {g === "hour" ? "Hourly" : "Daily"}
            </button>
          ))}
        </fieldset>
      ) : null}
      <div className="chips">
        <span className="sr-only">Active filters:</span>
        {view.filters.length === 0 ? (
          <span className="muted">
            No filters — click an application, tenant, cost center or model to drill down.
          </span>
        ) : (
          <>
            {view.filters.map((f) => (
              <span className="chip" key={`${f.dimension}:${f.value ?? ""}`} data-testid="filter-chip">
                {DIMENSION_NAMES[f.dimension]}: <strong>{dimensionLabel(f.value)}</strong>
                <button
                  type="button"
                  aria-label={`Remove filter ${DIMENSION_NAMES[f.dimension]} ${dimensionLabel(f.value)}`}
                  onClick={() => go(withoutFilter(view, f))}
                >
                  ×
                </button>
              </span>
            ))}
            <button type="button" className="link" onClick={() => set({ filters: [] })}>
              Clear all
            </button>
          </>
        )}
      </div>
    </section>
  );
}
