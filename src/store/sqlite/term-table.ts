/**
 * Interning of IRIs (attribute names, entity types) into small integer ids. Ids are never
 * changed nor reused, so a cached id stays right even if another process adds terms.
 */
import type Database from 'better-sqlite3';

/** Bound for terms nobody has: no index row carries it, so the condition selects nothing. */
export const UNKNOWN_TERM = -1;

export class TermTable {
  private readonly ids = new Map<string, number>();
  private readonly select: Database.Statement<[string], { id: number }>;
  private readonly insert: Database.Statement<[string], { id: number }>;

  constructor(db: Database.Database) {
    this.select = db.prepare('SELECT id FROM terms WHERE iri = ?');
    this.insert = db.prepare('INSERT INTO terms (iri) VALUES (?) RETURNING id');
  }

  /** The id of a term, created if needed (writes only: call inside the write transaction). */
  intern(iri: string): number {
    const known = this.lookup(iri);
    if (known !== UNKNOWN_TERM) return known;
    const id = this.insert.get(iri)!.id;
    this.ids.set(iri, id);
    return id;
  }

  /**
   * Forgets cached ids. Needed after a rolled-back transaction: a term it interned is gone,
   * and its id would be handed to the next new term.
   */
  clear(): void {
    this.ids.clear();
  }

  /** The id of a term, or UNKNOWN_TERM; never writes (queries). */
  lookup(iri: string): number {
    const cached = this.ids.get(iri);
    if (cached !== undefined) return cached;
    const row = this.select.get(iri);
    if (row === undefined) return UNKNOWN_TERM;
    this.ids.set(iri, row.id);
    return row.id;
  }
}
