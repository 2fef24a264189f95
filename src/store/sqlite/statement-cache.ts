/**
 * Prepared statements for query shapes built at run time, keyed by their SQL text (the
 * text depends only on the filter's shape: values are bound parameters). Bounded, least
 * recently used first out, so a client sending ever-new shapes cannot grow it forever.
 */
import type Database from 'better-sqlite3';

export class StatementCache {
  private readonly statements = new Map<string, Database.Statement<unknown[]>>();

  constructor(
    private readonly db: Database.Database,
    private readonly capacity = 200,
  ) {}

  get(sql: string): Database.Statement<unknown[]> {
    let stmt = this.statements.get(sql);
    if (stmt !== undefined) {
      // Re-insert: Map iteration order is insertion order, so the first key is the oldest.
      this.statements.delete(sql);
    } else {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= this.capacity) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
    }
    this.statements.set(sql, stmt);
    return stmt;
  }
}
