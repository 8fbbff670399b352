/** Pure view model of a budget's status bar. */

export type BudgetBar = {
  /** Width of the spent bar, percent of the track, 0–100. */
  spentWidth: number;
  /** Width of the forecast bar (behind the spent one), 0–100. */
  forecastWidth: number;
  /** Threshold ticks, percent of the track (thresholds over 100 % are pinned to the end). */
  ticks: { threshold: number; position: number; crossed: boolean }[];
  tone: "ok" | "warning" | "over";
};

/**
 * @example budgetBar({ percent_used: 50, forecast_percent: 120, crossed: [], forecast_crossed: [80, 100] }, [80, 100])
 *   // => { spentWidth: 50, forecastWidth: 100, tone: "warning", … }
 */
export function budgetBar(
  status: { percent_used: number; forecast_percent: number; crossed: number[]; forecast_crossed: number[] },
  thresholds: readonly number[],
): BudgetBar {
  const clamp = (n: number) => (Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0);
  const tone: BudgetBar["tone"] =
    status.percent_used >= 100
      ? "over"
      : status.crossed.length > 0 || status.forecast_crossed.length > 0
        ? "warning"
        : "ok";
  return {
    spentWidth: clamp(status.percent_used),
    forecastWidth: clamp(status.forecast_percent),
    ticks: [...thresholds]
      .sort((a, b) => a - b)
      .map((t) => ({ threshold: t, position: clamp(t), crossed: status.crossed.includes(t) })),
    tone,
  };
}

/** Parses "80, 100" into thresholds; null when any part is not a positive number ≤ 1000. */
export function parseThresholds(text: string): number[] | null {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0 || parts.length > 10) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+(\.\d+)?$/.test(p)) return null;
    const n = Number(p);
    if (n <= 0 || n > 1000) return null;
    out.push(n);
  }
  return out;
}

/** A USD amount typed by a person ("1,000.50", "$200") → the API's decimal string, or null. */
export function parseUsdInput(text: string): string | null {
  const s = text.trim().replace(/^\$/, "").replace(/,/g, "");
  return /^\d{1,12}(\.\d{1,6})?$/.test(s) ? s : null;
}
