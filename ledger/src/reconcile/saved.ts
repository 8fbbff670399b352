/** The latest reconciliation of a month, kept in the store (`reconciliations`). */
import { eq } from "drizzle-orm";
import type { Db } from "../store/db";
import { reconciliations } from "../store/schema";
import type { Reconciliation } from "./compare";

/** Keeps `result` as the month's latest reconciliation (a re-run after a restatement replaces it). */
export function saveReconciliation(db: Db, result: Reconciliation, now: Date): void {
  const row = {
    month: result.month,
    comparedAt: now.toISOString(),
    sourceKind: result.source.kind,
    sourceVersion: result.source.version,
    result: JSON.stringify(result),
  };
  db.insert(reconciliations)
    .values(row)
    .onConflictDoUpdate({ target: reconciliations.month, set: row })
    .run();
}

export type SavedReconciliation = { compared_at: string; result: Reconciliation };

/** The month's latest reconciliation, or null when none was run. */
export function loadReconciliation(db: Db, month: string): SavedReconciliation | null {
  const row = db.select().from(reconciliations).where(eq(reconciliations.month, month)).get();
  if (!row) return null;
  // Written by saveReconciliation from a Reconciliation; read back as that shape.
  const result: Reconciliation = JSON.parse(row.result);
  return { compared_at: row.comparedAt, result };
}
