import { createDb } from "@bedrock-chargeback/ledger";
import { describe, expect, it } from "vitest";
import { finishRun, startRun } from "./ledger";

describe("collector run ledger", () => {
  it("stores the scan cost exactly, beyond 2^53 pico-USD", () => {
    const db = createDb(":memory:");
    const now = new Date("2026-11-15T12:00:00Z");
    const id = startRun(db, "athena", "wg", now);
    const cost = 12_345_678_901_234_567_891n; // ≈ $12.3M in pico-USD: past 2^53, within int64
    expect(cost > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    finishRun(db, id, { status: "ok", records: 3, bytesScanned: 1024, scanCostPico: cost / 2n }, now);
    const stored = db.$client
      .prepare("SELECT scan_cost_pico FROM ingest_runs WHERE id = ?")
      .safeIntegers(true)
      .pluck()
      .get(id);
    expect(stored).toBe(cost / 2n);
  });
});
