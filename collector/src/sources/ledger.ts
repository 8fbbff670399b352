/** The collectors' bookkeeping: one ingest_runs row per run (with what it cost) and checkpoints. */

import type { Db } from "@bedrock-chargeback/ledger";
import { checkpoints, ingestRuns } from "@bedrock-chargeback/ledger/schema";
import { and, eq, sql } from "drizzle-orm";

export function startRun(db: Db, source: string, location: string, now: Date): number {
  const row = db
    .insert(ingestRuns)
    .values({ source, location, startedAt: now.toISOString(), status: "running" })
    .returning({ id: ingestRuns.id })
    .get();
  return row.id;
}

export type RunOutcome = {
  status: "ok" | "failed" | "interrupted";
  records: number;
  bytesScanned: number;
  scanCostPico: bigint;
  dataUntil?: string;
  message?: string;
};

export function finishRun(db: Db, id: number, outcome: RunOutcome, now: Date): void {
  db.update(ingestRuns)
    .set({
      finishedAt: now.toISOString(),
      status: outcome.status,
      records: outcome.records,
      bytesScanned: Math.round(outcome.bytesScanned),
      // Bound as a BigInt: exact in the INTEGER column up to 2^63 pico-USD (≈ $9.2M per run).
      scanCostPico: sql`${outcome.scanCostPico}`,
      dataUntil: outcome.dataUntil ?? null,
      message: outcome.message ?? null,
    })
    .where(eq(ingestRuns.id, id))
    .run();
}

export function readCheckpoint(db: Db, source: string, name: string): string | undefined {
  return db
    .select({ value: checkpoints.value })
    .from(checkpoints)
    .where(and(eq(checkpoints.source, source), eq(checkpoints.name, name)))
    .get()?.value;
}

export function writeCheckpoint(db: Db, source: string, name: string, value: string, now: Date): void {
  const updatedAt = now.toISOString();
  db.insert(checkpoints)
    .values({ source, name, value, updatedAt })
    .onConflictDoUpdate({ target: [checkpoints.source, checkpoints.name], set: { value, updatedAt } })
    .run();
}
