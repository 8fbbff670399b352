/**
 * The requestId dedupe (docs/adr/0003-exactly-once.md, mechanism 2): which records were seen
 * before, decided in the batch's open transaction by inserting into `seen_requests`, and the
 * bounded window those requestIds are kept for. The table's key is (hour as whole hours since
 * the epoch, requestId), WITHOUT ROWID: one B-tree, an integer and the id per row.
 */

import type Database from "better-sqlite3";
import type { Statement } from "better-sqlite3";

/**
 * requestIds per statement at most (two parameters each; SQLite's limit is 32,766 parameters).
 * Statements are prepared for powers of two only, a list being cut into such pieces, so at most
 * ten are ever compiled (a statement for every length would hold hundreds of large programs).
 */
const CHUNK = 512;

/** The largest power of two ≤ n (n ≥ 1). */
function pieceOf(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

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
  private readonly prune: Statement;

  constructor(private readonly client: Database.Database) {
    this.savepoint = client.prepare("SAVEPOINT dedupe");
    this.release = client.prepare("RELEASE dedupe");
    this.undo = client.prepare("ROLLBACK TO dedupe");
    this.prune = client.prepare("DELETE FROM seen_requests WHERE hour < ?");
  }

  /**
   * Marks the records (`hours[i]`, `ids[i]`) seen and returns, ascending, the indexes of those
   * seen before (a requestId twice in the list: the later ones). Must run inside the batch's
   * transaction, which it shares.
   */
  markSeen(hours: Int32Array, ids: readonly string[]): number[] {
    const seenBefore: number[] = [];
    for (let from = 0, to = 0; from < ids.length; from = to) {
      to = from + pieceOf(Math.min(CHUNK, ids.length - from));
      const params: (string | number)[] = [];
      for (let i = from; i < to; i++) params.push(hours[i] as number, ids[i] as string);
      this.savepoint.run();
      if (this.insert(to - from, false).run(...params).changes === to - from) {
        this.release.run();
        continue;
      }
      this.undo.run();
      const fresh = new Set<string>();
      for (const row of this.insert(to - from, true).all(...params)) {
        if (typeof row === "object" && row !== null && "hour" in row && "request_id" in row)
          fresh.add(`${row.hour}|${row.request_id}`);
      }
      this.release.run();
      for (let i = from; i < to; i++) if (!fresh.delete(`${hours[i]}|${ids[i]}`)) seenBefore.push(i);
    }
    return seenBefore;
  }

  /**
   * Forgets requestIds older than `windowHours` of record time before the newest one (the
   * documented bound), and none from epoch hour `keepFrom` on.
   */
  pruneOlderThan(windowHours: number, keepFrom = Number.POSITIVE_INFINITY): void {
    const newest = this.client.prepare("SELECT MAX(hour) FROM seen_requests").pluck().get();
    if (typeof newest === "number") this.forgetBefore(Math.min(newest - windowHours, keepFrom));
  }

  /** Forgets the requestIds of records before epoch hour `hour`. */
  forgetBefore(hour: number): void {
    if (Number.isFinite(hour)) this.prune.run(hour);
  }

  private insert(n: number, returning: boolean): Statement {
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
