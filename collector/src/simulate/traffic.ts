/**
 * How many records each hour gets: per-scenario diurnal and weekday shapes with a little
 * day-to-day noise, and an exact split of the requested total over the hours.
 */
import { Rng, Weighted } from "./prng";
import type { Scenario, World } from "./scenarios";

/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Records per hour over the simulated range, and each hour's scenario mix. */
export type TrafficPlan = {
  fromMs: number;
  hours: number;
  /** Records per hour; sums exactly to the requested total. */
  counts: Float64Array;
  /** The scenario mix of hour `index`. */
  mixAt: (index: number) => Weighted<Scenario>;
};

/**
 * Splits `total` over `weights` in proportion, exactly: floors first, then one more to the
 * largest remainders (ties to the earlier index).
 * @example apportion(10, [1, 1, 1]) // [4, 3, 3]
 */
export function apportion(total: number, weights: ArrayLike<number>): Float64Array {
  const n = weights.length;
  const counts = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i] ?? 0;
  if (n === 0 || !(sum > 0)) throw new RangeError("apportion needs a positive total weight");
  const remainders = new Float64Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const exact = (total * (weights[i] ?? 0)) / sum;
    const floor = Math.floor(exact);
    counts[i] = floor;
    remainders[i] = exact - floor;
    given += floor;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (remainders[b] ?? 0) - (remainders[a] ?? 0) || a - b,
  );
  for (let k = 0; given < total; k = (k + 1) % n) {
    const i = order[k] ?? 0;
    counts[i] = (counts[i] ?? 0) + 1;
    given++;
  }
  return counts;
}

/** The hourly plan for `[fromMs, toMs)` (whole UTC days). */
export function planTraffic(
  world: World,
  fromMs: number,
  toMs: number,
  total: number,
  seed: number,
): TrafficPlan {
  const hours = Math.round((toMs - fromMs) / HOUR_MS);
  const days = Math.ceil(hours / 24);
  const rng = new Rng(seed, 2);
  const scenarios = world.list;
  const noise = new Float64Array(days * scenarios.length);
  for (let i = 0; i < noise.length; i++) noise[i] = 0.85 + 0.3 * rng.next();

  const weightAt = (index: number, s: number): number => {
    const scenario = scenarios[s];
    if (!scenario) return 0;
    const ms = fromMs + index * HOUR_MS;
    const dow = new Date(ms).getUTCDay();
    const hourOfDay = new Date(ms).getUTCHours();
    const weekMean = (5 + 2 * scenario.weekend) / 7;
    const weekday = dow === 0 || dow === 6 ? scenario.weekend : 1;
    const day = Math.floor((ms - fromMs) / DAY_MS);
    return (
      (scenario.weight *
        (scenario.hourly[hourOfDay] ?? 1) *
        weekday *
        (noise[day * scenarios.length + s] ?? 1)) /
      weekMean
    );
  };

  const totals = new Float64Array(hours);
  for (let h = 0; h < hours; h++) {
    for (let s = 0; s < scenarios.length; s++) totals[h] = (totals[h] ?? 0) + weightAt(h, s);
  }
  return {
    fromMs,
    hours,
    counts: apportion(total, totals),
    mixAt: (index) => {
      const [first, ...rest] = scenarios.map((scenario, s): [Scenario, number] => [
        scenario,
        weightAt(index, s),
      ]);
      if (!first) throw new Error("no scenarios");
      return new Weighted<Scenario>([first, ...rest]);
    },
  };
}
