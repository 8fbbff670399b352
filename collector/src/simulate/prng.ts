/**
 * Seeded randomness for the simulator: sfc32 seeded through splitmix32. Same seed and stream,
 * same sequence, on every machine: the simulator never touches Math.random, Date.now or crypto.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** A deterministic random source. Separate streams keep independent draws from shifting each other. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /**
   * @example new Rng(42, 1).uuid() // the same v4-formatted id on every run
   */
  constructor(seed: number, stream = 0) {
    const mix = splitmix32((seed ^ Math.imul(stream + 1, 0x27d4eb2d)) >>> 0);
    // Fold the high bits of seeds above 2^32 in as well.
    const high = splitmix32(Math.floor(seed / 0x1_0000_0000) >>> 0)();
    this.a = mix() ^ high;
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max], both inclusive. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A log-normal integer around `median`, clamped to [min, max]. */
  logNormalInt(median: number, sigma: number, min: number, max: number): number {
    const value = Math.round(median * Math.exp(sigma * this.normal()));
    return Math.min(max, Math.max(min, value));
  }

  /** `length` lowercase hex digits. */
  hex(length: number): string {
    let out = "";
    for (let i = 0; i < length; i += 8) {
      const b = this.nextUint32();
      out += `${HEX_PAIRS[b >>> 24]}${HEX_PAIRS[(b >>> 16) & 0xff]}${HEX_PAIRS[(b >>> 8) & 0xff]}${HEX_PAIRS[b & 0xff]}`;
    }
    return out.length === length ? out : out.slice(0, length);
  }

  /** A random UUID in version-4 format. */
  uuid(): string {
    const h = this.hex(32);
    const variant = "89ab"[this.int(4)] ?? "8";
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly [T, ...T[]]): T {
    return items[this.int(items.length)] ?? items[0];
  }
}

/** A fixed list of choices with weights, drawn in O(log n). */
export class Weighted<T> {
  private readonly values: readonly [T, ...T[]];
  private readonly cumulative: Float64Array;
  private readonly total: number;

  /**
   * @example new Weighted([["production", 85], ["staging", 15]]).draw(rng)
   */
  constructor(entries: readonly [readonly [T, number], ...(readonly [T, number])[]]) {
    const [first, ...rest] = entries;
    this.values = [first[0], ...rest.map(([value]) => value)];
    this.cumulative = new Float64Array(entries.length);
    let sum = 0;
    entries.forEach(([, weight], i) => {
      if (!(weight >= 0) || !Number.isFinite(weight))
        throw new RangeError(`weight ${weight} is not a finite non-negative number`);
      sum += weight;
      this.cumulative[i] = sum;
    });
    if (sum <= 0) throw new RangeError("weights sum to zero");
    this.total = sum;
  }

  /** One value, with probability proportional to its weight. */
  draw(rng: Rng): T {
    const target = rng.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo] ?? this.values[0];
  }

  /** Every value, in declaration order. */
  all(): readonly T[] {
    return this.values;
  }
}
