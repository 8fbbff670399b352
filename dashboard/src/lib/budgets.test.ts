import { describe, expect, it } from "vitest";
import { budgetBar, parseThresholds, parseUsdInput } from "./budgets";

describe("budget bar", () => {
  it("zero spend is an empty, ok bar", () => {
    expect(
      budgetBar({ percent_used: 0, forecast_percent: 0, crossed: [], forecast_crossed: [] }, []),
    ).toEqual({
      spentWidth: 0,
      forecastWidth: 0,
      ticks: [],
      tone: "ok",
    });
  });

  it("clamps to the track and marks crossed thresholds", () => {
    const bar = budgetBar(
      { percent_used: 85, forecast_percent: 170, crossed: [80], forecast_crossed: [80, 100, 150] },
      [150, 80, 100],
    );
    expect(bar).toMatchObject({ spentWidth: 85, forecastWidth: 100, tone: "warning" });
    expect(bar.ticks).toEqual([
      { threshold: 80, position: 80, crossed: true },
      { threshold: 100, position: 100, crossed: false },
      { threshold: 150, position: 100, crossed: false },
    ]);
    expect(
      budgetBar({ percent_used: 120, forecast_percent: 120, crossed: [100], forecast_crossed: [100] }, [100])
        .tone,
    ).toBe("over");
  });

  it("parses what people type", () => {
    expect(parseThresholds("80, 100")).toEqual([80, 100]);
    expect(parseThresholds("")).toBeNull();
    expect(parseThresholds("80, x")).toBeNull();
    expect(parseThresholds("0")).toBeNull();
    expect(parseUsdInput("$1,000.50")).toBe("1000.50");
    expect(parseUsdInput("12.1234567")).toBeNull();
    expect(parseUsdInput("-5")).toBeNull();
  });
});
