/** Data freshness: the last ingest per source, from the ingest ledger (ingest_runs). */
import { inArray, max } from "drizzle-orm";
import type { Db } from "../store/db";
import { ingestRuns } from "../store/schema";

export type SourceFreshness = {
  source: string;
  /** Latest finished_at of the source's runs, or null. */
  lastFinishedAt: string | null;
  /** Status of the source's most recent run. */
  lastStatus: string;
  /** Newest record timestamp any run of the source saw. */
  dataUntil: string | null;
};

/** @example getFreshness(db) // => [{ source: "raw", lastFinishedAt: "…", lastStatus: "ok", dataUntil: "…" }] */
export function getFreshness(db: Db): SourceFreshness[] {
  const latest = db
    .select({
      source: ingestRuns.source,
      id: max(ingestRuns.id),
      lastFinishedAt: max(ingestRuns.finishedAt),
      dataUntil: max(ingestRuns.dataUntil),
    })
    .from(ingestRuns)
    .groupBy(ingestRuns.source)
    .orderBy(ingestRuns.source)
    .all();
  const ids = latest.map((r) => r.id).filter((id): id is number => id !== null);
  const statusById = new Map(
    ids.length === 0
      ? []
      : db
          .select({ id: ingestRuns.id, status: ingestRuns.status })
          .from(ingestRuns)
          .where(inArray(ingestRuns.id, ids))
          .all()
          .map((r) => [r.id, r.status] as const),
  );
  return latest.map((r) => ({
    source: r.source,
    lastFinishedAt: r.lastFinishedAt,
    lastStatus: (r.id === null ? undefined : statusById.get(r.id)) ?? "unknown",
    dataUntil: r.dataUntil,
  }));
}
