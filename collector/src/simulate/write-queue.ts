/**
 * Bounded concurrent writes: gzip runs on libuv's pool while generation goes on, and at most
 * `limit` objects are in memory waiting for the disk. The first failure stops the run.
 */
/** Runs async writes with at most `limit` in flight. */
export class WriteQueue {
  private readonly inFlight = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** Starts `task`, first waiting while `limit` tasks are running. */
  async push(task: () => Promise<void>): Promise<void> {
    this.rethrow();
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    this.rethrow();
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  /** Waits for every started task; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
    this.rethrow();
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}
