/**
 * The requestId dedupe (docs/adr/0003-exactly-once.md, mechanism 2): which records were seen
 * before, decided in the batch's open transaction by inserting into `seen_requests`, and the
 * bounded window those requestIds are kept for.
 */

import type { UsageRecord } from "@bedrock-chargeback/ledger";
import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";

/**
 * `seen_requests` for one run. Fast path: one multi-row INSERT OR IGNORE; if it inserted every
 * row, every record is new. Otherwise (a duplicate somewhere, the rare case) the chunk is undone
 * to its savepoint and re-run with RETURNING, which says which ones are new.
 */
export class SeenRequests {
  private readonly statements = new Map<string, Statement>();
  private readonly savepoint: Statement;
  private readonly release: Statement;
  private readonly undo: Statement;

  constructor(private readonly client: Database.Database) {
    this.savepoint = client.prepare("SAVEPOINT dedupe");
    this.release = client.prepare("RELEASE dedupe");
    this.undo = client.prepare("ROLLBACK TO dedupe");
  }

  /**
   * Marks the chunk's requestIds seen and returns the records not seen before (a requestId twice
   * in one chunk: the first). Must run inside the batch's transaction, which it shares.
   */
  keepFresh(chunk: UsageRecord[]): UsageRecord[] {
    const params: string[] = [];
    for (const r of chunk) params.push(r.hour, r.requestId);
    this.savepoint.run();
    if (this.markSeen(chunk.length, false).run(...params).changes === chunk.length) {
      this.release.run();
      return chunk;
    }
    this.undo.run();
    const fresh = new Set<string>();
    for (const row of this.markSeen(chunk.length, true).all(...params)) {
      if (typeof row === "object" && row !== null && "hour" in row && "request_id" in row) {
        fresh.add(`${row.hour}|${row.request_id}`);
      }
    }
    this.release.run();
    return chunk.filter((r) => fresh.delete(`${r.hour}|${r.requestId}`));
  }

  /**
   * Forgets requestIds older than `windowHours` of record time before the newest one (the
   * documented bound). Only at the end of a run, never mid-run, so crash recovery is unaffected.
   */
  prune(windowHours: number): void {
    const newest = this.client.prepare("SELECT MAX(hour) FROM seen_requests").pluck().get();
    if (typeof newest === "string") {
      const cutoff = new Date(Date.parse(newest) - windowHours * 3_600_000).toISOString().slice(0, 13);
      this.client.prepare("DELETE FROM seen_requests WHERE hour < ?").run(`${cutoff}:00:00Z`);
    }
  }

  private markSeen(n: number, returning: boolean): Statement {
    const key = `${n}:${returning}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.client.prepare(
        `INSERT OR IGNORE INTO seen_requests (hour, request_id) VALUES ${Array(n).fill("(?, ?)").join(", ")}
         ${returning ? "RETURNING hour, request_id" : ""}`,
      );
      this.statements.set(key, statement);
    }
    return statement;
  }
}
