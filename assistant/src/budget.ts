/**
 * The per-key daily question budget: each question costs Bedrock tokens, so an API key may ask at
 * most `limit` per UTC day. Counted in the API process (a restart starts the day's count again;
 * docs/adr/0009-ask-safety.md says why that is enough).
 */
export class QuestionBudget {
  private day = "";
  private readonly used = new Map<string, number>();

  constructor(
    readonly limit: number,
    private readonly now: () => Date,
  ) {}

  /**
   * Takes one question from `keyId`'s budget for today; `ok: false` when it is spent.
   * @example new QuestionBudget(2, () => new Date()).take("key_1") // { ok: true, remaining: 1 }
   */
  take(keyId: string): { ok: boolean; remaining: number; resetsAt: string } {
    const now = this.now();
    const day = now.toISOString().slice(0, 10);
    if (day !== this.day) {
      this.day = day;
      this.used.clear();
    }
    const resetsAt = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString();
    const used = this.used.get(keyId) ?? 0;
    if (used >= this.limit) return { ok: false, remaining: 0, resetsAt };
    this.used.set(keyId, used + 1);
    return { ok: true, remaining: this.limit - used - 1, resetsAt };
  }
}
