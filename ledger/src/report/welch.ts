/**
 * Welch's t interval for the difference of two means with unequal variances, from exact sums:
 * n, Σx and Σx² per group (integers, as BigInt), so nothing is lost before the one division.
 * Used by the experiments view for cost per request (docs/adr/0011-usage-facts.md).
 */

export type Sums = { n: number; sum: bigint; sumSq: bigint };

export type WelchResult = {
  /** mean(b) − mean(a), in the unit of x. */
  diff: number;
  /** The two-sided interval at `confidence` around `diff`. */
  low: number;
  high: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
  t: number;
  /** The interval excludes 0: the difference is larger than its noise at this confidence. */
  significant: boolean;
};

/** mean and unbiased sample variance from exact sums (variance null below two observations). */
export function meanAndVariance(s: Sums): { mean: number; variance: number | null } {
  if (s.n === 0) return { mean: 0, variance: null };
  const mean = Number(s.sum) / s.n;
  if (s.n < 2) return { mean, variance: null };
  const n = BigInt(s.n);
  // (n Σx² − (Σx)²) / (n (n − 1)): exact numerator, one division.
  const numerator = n * s.sumSq - s.sum * s.sum;
  return { mean, variance: Number(numerator) / (s.n * (s.n - 1)) };
}

/**
 * @example welch({ n: 50, sum: 500n, sumSq: 5200n }, { n: 50, sum: 400n, sumSq: 3400n }) // diff −2, significant
 * @returns null when either group has fewer than two observations or both have no spread.
 */
export function welch(a: Sums, b: Sums, confidence = 0.95): WelchResult | null {
  const ma = meanAndVariance(a);
  const mb = meanAndVariance(b);
  if (ma.variance === null || mb.variance === null) return null;
  const va = ma.variance / a.n;
  const vb = mb.variance / b.n;
  const se2 = va + vb;
  if (!(se2 > 0)) return null;
  const se = Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const diff = mb.mean - ma.mean;
  const q = studentTQuantile(1 - (1 - confidence) / 2, df);
  return {
    diff,
    low: diff - q * se,
    high: diff + q * se,
    df,
    t: diff / se,
    significant: diff - q * se > 0 || diff + q * se < 0,
  };
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF). */
export function studentTQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1000;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(T ≤ t) for t ≥ 0: 1 − ½ I_{df/(df+t²)}(df/2, ½). */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * regularizedBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** I_x(a, b) by its continued fraction (Numerical Recipes, betacf), accurate to ~1e-12. */
function regularizedBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a - 1 + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + 1 + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** ln Γ(x), Lanczos (g = 7, n = 9). */
function logGamma(x: number): number {
  const g = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = g[0] as number;
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += (g[i] as number) / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}
