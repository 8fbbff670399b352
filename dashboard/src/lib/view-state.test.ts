import { describe, expect, it } from "vitest";
import {
  defaultView,
  filterValue,
  parseView,
  serializeView,
  usageQuery,
  withFilter,
  withoutFilter,
} from "./view-state";

const NOW = Date.parse("2026-11-24T10:00:00Z");

describe("view state in the URL", () => {
  it("defaults to this month, daily, no filters, last month's billing", () => {
    const v = parseView("/", "", NOW);
    expect(v).toEqual(defaultView(NOW));
    expect(v).toMatchObject({
      page: "overview",
      from: "2026-11-01",
      to: "2026-12-01",
      granularity: "day",
      month: "2026-10",
    });
  });

  it("round-trips filters (including unattributed) and the range", () => {
    const v = parseView(
      "/",
      "?from=2026-10-01&to=2026-10-08&application=code%20bot&tenant=__null__&granularity=hour",
      NOW,
    );
    expect(v.filters).toEqual([
      { dimension: "tenant", value: null },
      { dimension: "application", value: "code bot" },
    ]);
    expect(v.granularity).toBe("hour");
    const url = serializeView(v);
    expect(url).toBe("/?from=2026-10-01&to=2026-10-08&granularity=hour&tenant=__null__&application=code+bot");
    expect(parseView("/", url.slice(1), NOW)).toEqual(v);
  });

  it("falls back on malformed or backwards ranges and unknown pages", () => {
    expect(parseView("/nope", "?from=2026-13-01&to=x", NOW)).toMatchObject({
      page: "overview",
      from: "2026-11-01",
    });
    expect(parseView("/", "?from=2026-11-05&to=2026-11-01", NOW).from).toBe("2026-11-01");
    expect(parseView("/billing", "?month=2026-09&invoice=acme", NOW)).toMatchObject({
      page: "billing",
      month: "2026-09",
      invoice: "acme",
    });
    expect(parseView("/billing", "?month=2026-9", NOW).month).toBe("2026-10");
  });

  it("defaults to hourly buckets for short ranges", () => {
    expect(parseView("/", "?from=2026-11-01&to=2026-11-03", NOW).granularity).toBe("hour");
  });

  it("drills down: a new value of a dimension replaces the old one", () => {
    let v = defaultView(NOW);
    v = withFilter(v, { dimension: "application", value: "a" });
    v = withFilter(v, { dimension: "application", value: "b" });
    v = withFilter(v, { dimension: "tenant", value: "t" });
    expect(v.filters).toEqual([
      { dimension: "application", value: "b" },
      { dimension: "tenant", value: "t" },
    ]);
    expect(filterValue(v, "application")).toBe("b");
    expect(filterValue(v, "model")).toBeUndefined();
    expect(withoutFilter(v, { dimension: "application", value: "b" }).filters).toHaveLength(1);
  });

  it("keeps user, experiment and variant filters together with the others (any combination)", () => {
    const v = parseView(
      "/experiments",
      "?from=2026-10-01&to=2026-11-01&tenant=acme&user=a1b2&meta%3Aexperiment_id=exp-7&meta%3Avariant=__null__",
      NOW,
    );
    expect(v.page).toBe("experiments");
    expect(v.filters).toEqual([
      { dimension: "tenant", value: "acme" },
      { dimension: "user", value: "a1b2" },
      { dimension: "meta:experiment_id", value: "exp-7" },
      { dimension: "meta:variant", value: null },
    ]);
    expect(usageQuery(v)).toBe(
      "from=2026-10-01&to=2026-11-01&tenant=acme&user=a1b2&meta%3Aexperiment_id=exp-7&meta%3Avariant=__null__",
    );
    expect(parseView("/experiments", serializeView(v).split("?")[1] ?? "", NOW)).toEqual(v);
  });

  it("builds API queries with repeatable filters", () => {
    const v = withFilter(defaultView(NOW), { dimension: "cost_center", value: null });
    expect(usageQuery(v, { group_by: "application" })).toBe(
      "from=2026-11-01&to=2026-12-01&cost_center=__null__&group_by=application",
    );
  });

  it("billing and budgets URLs carry only what they use", () => {
    expect(serializeView({ ...defaultView(NOW), page: "billing", invoice: "acme corp" })).toBe(
      "/billing?month=2026-10&invoice=acme+corp",
    );
    expect(serializeView({ ...defaultView(NOW), page: "budgets" })).toBe("/budgets");
  });
});
