import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { monthsBetween, nextMonth, previousMonth } from "./billing/months";
import { parseDimension } from "./dimensions";
import {
  MAX_GROUP_BY,
  MAX_MONTH,
  MIN_MONTH,
  parseDay,
  parseDimensionList,
  parseMonth,
  parseTimeBound,
} from "./user-input";

/** Strings near the valid shapes (digits, dashes, T, Z, colons) as well as anything at all. */
const nearTime = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[0-9]{1,5}-[0-9]{1,3}(-[0-9]{1,3})?(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?$/),
  fc
    .date({
      min: new Date("0001-01-01T00:00:00Z"),
      max: new Date("9999-12-31T23:00:00Z"),
      noInvalidDate: true,
    })
    .chain((d) => {
      const iso = d.toISOString();
      return fc.constantFrom(iso.slice(0, 7), iso.slice(0, 10), `${iso.slice(0, 13)}:00:00Z`, iso);
    }),
);

const OBJECT_INTERNALS = [
  "constructor",
  "__proto__",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__defineGetter__",
];

describe("user input: months", () => {
  it("any string is a month in range that survives the month arithmetic, or a readable error", () => {
    fc.assert(
      fc.property(nearTime, (s) => {
        const r = parseMonth(s);
        if (!r.ok) {
          expect(r.message).toMatch(/^expected a month/);
          return;
        }
        expect(r.value).toBe(s);
        expect(s >= MIN_MONTH && s <= MAX_MONTH).toBe(true);
        // The arithmetic the billing code does on a month never leaves YYYY-MM.
        expect(nextMonth(s)).toMatch(/^\d{4}-(0[1-9]|1[0-2])$/);
        expect(previousMonth(s)).toMatch(/^\d{4}-(0[1-9]|1[0-2])$/);
        expect(previousMonth(nextMonth(s))).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it("edges: 2000-01 and 9998-12 are in; 1999-12, 9999-01, 0001-01 and 9999-12 are out", () => {
    expect(parseMonth("2000-01")).toEqual({ ok: true, value: "2000-01" });
    expect(parseMonth("9998-12")).toEqual({ ok: true, value: "9998-12" });
    for (const m of ["1999-12", "9999-01", "9999-12", "0001-01", "0000-01", "2026-00", "2026-13", "2026-1"])
      expect(parseMonth(m).ok, m).toBe(false);
    expect(nextMonth(MAX_MONTH)).toBe("9999-01");
    expect(previousMonth(MIN_MONTH)).toBe("1999-12");
    expect(monthsBetween("9998-11", MAX_MONTH)).toEqual(["9998-11", "9998-12"]);
  });
});

describe("user input: days and hours", () => {
  it("any string is a calendar day/hour in range that prints back to itself, or a readable error", () => {
    fc.assert(
      fc.property(nearTime, (s) => {
        for (const [r, what] of [
          [parseDay(s), "day"],
          [parseTimeBound(s), "bound"],
        ] as const) {
          if (!r.ok) {
            expect(r.message, what).toMatch(/^expected /);
            continue;
          }
          const hour = s.length === 10 ? `${s}T00:00:00Z` : s;
          expect(new Date(hour).toISOString().replace(".000Z", "Z")).toBe(hour);
          expect(hour >= "2000-01-01T00:00:00Z" && hour <= "9999-01-01T00:00:00Z").toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("edges and calendar checks", () => {
    expect(parseDay("2000-01-01").ok).toBe(true);
    expect(parseDay("9999-01-01").ok).toBe(true);
    expect(parseTimeBound("9998-12-31T23:00:00Z").ok).toBe(true);
    expect(parseTimeBound("9999-01-01T01:00:00Z").ok).toBe(false);
    expect(parseDay("1999-12-31").ok).toBe(false);
    expect(parseDay("0001-01-01").ok).toBe(false);
    expect(parseDay("2026-02-30")).toEqual({
      ok: false,
      message: "expected a UTC day YYYY-MM-DD (not a calendar date)",
    });
    expect(parseTimeBound("2026-10-01T24:00:00Z").ok).toBe(false);
    expect(parseTimeBound("2026-10-01T05:30:00Z").ok).toBe(false);
    expect(parseDay("2026-10-01T00:00:00Z").ok).toBe(false);
  });
});

describe("user input: dimensions", () => {
  it("takes every rollup dimension at once (the CLI contract: any combination)", () => {
    const all = "account,region,tenant,application,cost_center,environment,team,model,model_id,scope";
    expect(parseDimensionList(all)).toEqual({ ok: true, value: all.split(",") });
    const tooMany = Array.from({ length: MAX_GROUP_BY + 1 }, (_, i) => `meta:k${i}`).join(",");
    expect(parseDimensionList(tooMany)).toEqual({ ok: false, message: `at most ${MAX_GROUP_BY} dimensions` });
  });

  it("object internals are not dimensions", () => {
    for (const name of OBJECT_INTERNALS) {
      expect(parseDimension(name), name).toBeUndefined();
      const r = parseDimensionList(`tenant,${name}`);
      expect(r).toEqual({ ok: false, message: expect.stringMatching(/^unknown dimension /) });
    }
  });

  it("any comma list parses to known, distinct dimensions (≤ MAX_GROUP_BY) that print back, or a readable error", () => {
    const names = fc.oneof(
      fc.constantFrom("tenant", "model", "user", "scope", "price_id", "meta:exp", ...OBJECT_INTERNALS),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(names, { maxLength: 8 }), (parts) => {
        const r = parseDimensionList(parts.join(","));
        if (!r.ok) {
          expect(r.message).toMatch(/^(unknown dimension|at most 24|.+ given twice)/);
          return;
        }
        expect(new Set(r.value).size).toBe(r.value.length);
        expect(r.value.length).toBeLessThanOrEqual(MAX_GROUP_BY);
        for (const d of r.value) expect(parseDimension(d)).toBe(d);
        expect(parseDimensionList(r.value.join(","))).toEqual(r);
      }),
      { numRuns: 2000 },
    );
  });
});
