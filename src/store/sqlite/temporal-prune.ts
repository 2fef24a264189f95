/**
 * Retention pruning of one tenant's temporal history (broker/retention drives it, store.ts
 * loops over the chunks): deletes instances older than a cutoff without holding the write
 * lock for long, and without an index on ts (every instance insert would pay for one).
 *
 * A prune walks the (entity, name_id) pairs of temporal_by_entity in index order, finding
 * each next pair by an index seek (MIN over a prefix) and deleting its old instances as an
 * index range. A chunk stops after a budget of deleted rows or visited pairs; its caller
 * commits it, yields, and goes on from the returned cursor. A pass over a history with
 * nothing to prune costs one seek per pair, not a read of every instance.
 */
import type Database from 'better-sqlite3';

/** Where a prune walk stands: the last (entity, name_id) pair it finished. */
export interface PruneCursor {
  entity: number;
  nameId: number;
}

export const PRUNE_START: PruneCursor = { entity: -1, nameId: -1 };

/**
 * One chunk's budget: rows deleted and pairs visited. At this size a chunk holds the write
 * lock for about 10 ms (500k of 1M instances in 500 histories: 101 chunks, the slowest 11 ms).
 */
const PRUNE_ROWS = 5000;
const PRUNE_PAIRS = 2000;

export class TemporalPruner {
  private readonly nextName: Database.Statement<[number, number], { id: number | null }>;
  private readonly nextEntity: Database.Statement<[number], { id: number | null }>;
  private readonly pruneRange: Database.Statement<[number, number, number, number]>;
  private readonly anyInstance: Database.Statement<[number], { one: number }>;
  private readonly deleteEntityByKey: Database.Statement<[number], { id: string }>;

  /** `historyGone`: told the id of each history left without instances (and removed). */
  constructor(db: Database.Database, private readonly historyGone: (id: string) => void) {
    this.nextName = db.prepare('SELECT MIN(name_id) AS id FROM temporal WHERE entity = ? AND name_id > ?');
    this.nextEntity = db.prepare('SELECT MIN(entity) AS id FROM temporal WHERE entity > ?');
    this.pruneRange = db.prepare(
      'DELETE FROM temporal WHERE seq IN (SELECT seq FROM temporal WHERE entity = ? AND name_id = ? AND ts < ? LIMIT ?)',
    );
    this.anyInstance = db.prepare('SELECT 1 AS one FROM temporal WHERE entity = ? LIMIT 1');
    this.deleteEntityByKey = db.prepare('DELETE FROM temporal_entities WHERE rowid = ? RETURNING id');
  }

  /**
   * Deletes instances with ts < beforeMs from `from` on, until the budget is spent. Call
   * inside a write transaction; `next` is where to go on (undefined: done). Histories left
   * without any instance are removed too.
   */
  chunk(beforeMs: number, from: PruneCursor): { deleted: number; next: PruneCursor | undefined } {
    let deleted = 0;
    let cursor = from;
    let next: PruneCursor | undefined = from;
    const touched = new Set<number>();
    for (let pairs = 0; pairs < PRUNE_PAIRS && deleted < PRUNE_ROWS; pairs++) {
      const pair = this.pairAfter(cursor);
      if (pair === undefined) {
        next = undefined;
        break;
      }
      const room = PRUNE_ROWS - deleted;
      const n = this.pruneRange.run(pair.entity, pair.nameId, beforeMs, room).changes;
      deleted += n;
      if (n > 0) touched.add(pair.entity);
      // A full chunk may have left older rows of this pair: come back to it next time.
      if (n < room) cursor = pair;
      next = cursor;
    }
    for (const key of touched) {
      if (this.anyInstance.get(key) !== undefined) continue;
      const gone = this.deleteEntityByKey.get(key);
      if (gone !== undefined) this.historyGone(gone.id);
    }
    return { deleted, next };
  }

  /** The next (entity, name_id) pair in index order, by index seeks only. */
  private pairAfter(c: PruneCursor): PruneCursor | undefined {
    const name = this.nextName.get(c.entity, c.nameId)!.id;
    if (name !== null) return { entity: c.entity, nameId: name };
    const entity = this.nextEntity.get(c.entity)!.id;
    if (entity === null) return undefined;
    return { entity, nameId: this.nextName.get(entity, -1)!.id! };
  }
}
