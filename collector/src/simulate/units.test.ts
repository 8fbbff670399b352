import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hourPrefix, LOG_OBJECT_KEY, objectFileName } from "./layout";
import { Rng, Weighted } from "./prng";
import { createWorld } from "./scenarios";
import { apportion, HOUR_MS, planTraffic } from "./traffic";
import { aggregateTruth, TRUTH_KEYS, TRUTH_MEASURES, type TruthRow, totalTruth } from "./truth";

describe("Rng", () => {
  it("repeats for the same seed and stream, and differs across seeds and streams", () => {
    const draw = (seed: number, stream: number) => {
      const rng = new Rng(seed, stream);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    expect(draw(42, 1)).toEqual(draw(42, 1));
    expect(draw(42, 1)).not.toEqual(draw(43, 1));
    expect(draw(42, 1)).not.toEqual(draw(42, 2));
    expect(draw(1, 0)).not.toEqual(draw(2 ** 32 + 1, 0));
  });

  it("formats v4 UUIDs and hex", () => {
    const rng = new Rng(7);
    for (let i = 0; i < 200; i++) {
      expect(rng.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rng.hex(16)).toMatch(/^[0-9a-f]{16}$/);
      expect(rng.hex(10)).toMatch(/^[0-9a-f]{10}$/);
    }
  });

  it("keeps draws in range", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 1, max: 1000 }), (seed, n) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const v = rng.int(n);
          const x = rng.next();
          const t = rng.logNormalInt(500, 1, 1, 2000);
          if (!(v >= 0 && v < n && Number.isInteger(v) && x >= 0 && x < 1 && t >= 1 && t <= 2000))
            return false;
        }
        return true;
      }),
    );
  });

  it("draws weighted choices in proportion", () => {
    const table = new Weighted<string>([
      ["a", 85],
      ["b", 15],
      ["never", 0],
    ]);
    const rng = new Rng(1);
    const counts = { a: 0, b: 0, never: 0 };
    for (let i = 0; i < 20_000; i++) {
      const v = table.draw(rng);
      if (v === "a" || v === "b" || v === "never") counts[v]++;
    }
    expect(counts.never).toBe(0);
    expect(counts.a / 20_000).toBeGreaterThan(0.83);
    expect(counts.a / 20_000).toBeLessThan(0.87);
  });
});

describe("traffic", () => {
  it("apportions any total exactly, each share within one of its exact value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.double({ min: 0.001, max: 100, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (total, weights) => {
          const counts = apportion(total, weights);
          const sum = weights.reduce((a, b) => a + b, 0);
          let given = 0;
          for (let i = 0; i < weights.length; i++) {
            const c = counts[i] ?? -1;
            const exact = (total * (weights[i] ?? 0)) / sum;
            if (!Number.isInteger(c) || c < Math.floor(exact) || c > Math.ceil(exact) + 1e-9) return false;
            given += c;
          }
          return given === total;
        },
      ),
    );
    expect([...apportion(10, [1, 1, 1])]).toEqual([4, 3, 3]);
  });

  it("shapes traffic by hour of day and weekday", () => {
    const from = Date.UTC(2025, 9, 6); // a Monday
    const plan = planTraffic(createWorld(42), from, from + 14 * 24 * HOUR_MS, 1_000_000, 42);
    expect(plan.hours).toBe(14 * 24);
    expect(plan.counts.reduce((a, b) => a + b, 0)).toBe(1_000_000);
    const at = (day: number, hour: number) => plan.counts[day * 24 + hour] ?? 0;
    expect(at(1, 17)).toBeGreaterThan(2 * at(1, 6)); // Tuesday afternoon UTC vs early morning
    expect(at(1, 17)).toBeGreaterThan(1.3 * at(5, 17)); // Tuesday vs Saturday
  });
});

describe("layout", () => {
  it("names objects inside their delivery hour folder", () => {
    const ms = Date.UTC(2025, 2, 11, 7, 4, 5, 6);
    const key = `${hourPrefix("111122223333", "us-east-1", ms - (ms % HOUR_MS))}/${objectFileName(ms, "0123456789abcdef")}`;
    expect(key).toBe(
      "AWSLogs/111122223333/BedrockModelInvocationLogs/us-east-1/2025/03/11/07/20250311T070405006Z_0123456789abcdef.json.gz",
    );
    expect(LOG_OBJECT_KEY.test(key)).toBe(true);
  });
});

const rowArb: fc.Arbitrary<TruthRow> = fc.record({
  day: fc.constantFrom("2025-10-01", "2025-10-02"),
  account: fc.constantFrom("111122223333", "444455556666"),
  region: fc.constantFrom("us-east-1", "eu-west-1"),
  tenant: fc.constantFrom("acme", "tenant-001", null),
  application: fc.constantFrom("docs-saas", null),
  cost_center: fc.constantFrom("CC-1001", null),
  environment: fc.constantFrom("production", "staging", null),
  team: fc.constantFrom("devex", null),
  user: fc.constantFrom("u-0000000001", null),
  experiment_id: fc.constantFrom("exp-1", null),
  variant: fc.constantFrom("A", "B", null),
  model: fc.constantFrom("amazon.nova-micro-v1:0", "mistral.mistral-large-2407-v1:0"),
  model_id: fc.constantFrom("eu.amazon.nova-micro-v1:0", "mistral.mistral-large-2407-v1:0"),
  requests: fc.nat(1000),
  errors: fc.nat(10),
  input_tokens: fc.nat(1_000_000),
  output_tokens: fc.nat(1_000_000),
  cache_read_input_tokens: fc.nat(1_000_000),
  cache_write_input_tokens: fc.nat(1_000_000),
});

describe("aggregateTruth", () => {
  it("conserves every total under any grouping", () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 60 }), fc.subarray([...TRUTH_KEYS]), (rows, by) => {
        const groups = aggregateTruth(rows, by);
        const total = totalTruth(rows);
        for (const m of TRUTH_MEASURES) {
          if (groups.reduce((s, g) => s + g[m], 0) !== total[m]) return false;
        }
        const keys = new Set(groups.map((g) => JSON.stringify(by.map((k) => g[k]))));
        return keys.size === groups.length && groups.every((g) => Object.keys(g).length === by.length + 6);
      }),
    );
  });

  it("keeps null groups and rejects unknown keys", () => {
    const base = {
      day: "2025-10-01",
      account: "111122223333",
      region: "us-east-1",
      application: "a",
      cost_center: "c",
      environment: "production",
      team: "t",
      user: null,
      experiment_id: null,
      variant: null,
      model: "m",
      model_id: "m",
      requests: 1,
      errors: 0,
      input_tokens: 10,
      output_tokens: 5,
      cache_read_input_tokens: 0,
      cache_write_input_tokens: 0,
    };
    const rows: TruthRow[] = [
      { ...base, tenant: null },
      { ...base, tenant: "x" },
      { ...base, tenant: null, errors: 1, requests: 0, input_tokens: 0, output_tokens: 0 },
    ];
    expect(aggregateTruth(rows, ["tenant"])).toEqual([
      {
        tenant: "x",
        requests: 1,
        errors: 0,
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 0,
        cache_write_input_tokens: 0,
      },
      {
        tenant: null,
        requests: 1,
        errors: 1,
        input_tokens: 10,
        output_tokens: 5,
        cache_read_input_tokens: 0,
        cache_write_input_tokens: 0,
      },
    ]);
    expect(() => aggregateTruth(rows, ["tenant_id"])).toThrow(/unknown truth key/);
  });
});
