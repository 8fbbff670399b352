/** Time for the collectors: the real clock, or a test clock whose sleep advances it instantly. */

export type Clock = {
  now: () => Date;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
};

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};

/** A clock for tests: `sleep` records the delay and moves time forward. */
export function manualClock(start: string | Date): Clock & { sleeps: number[] } {
  let t = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(t),
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

/** Exponential backoff with a cap: 1st, 2nd, … wait. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.round(initialMs * 1.5 ** attempt));
}

/** At most `max` tasks at once (Logs Insights and Athena have account-wide concurrency quotas). */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];
  /** The highest number of tasks that ran at once (tests read it). */
  peak = 0;

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
