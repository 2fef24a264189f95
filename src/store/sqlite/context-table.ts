/** The @context registry (clause 5.13), kept in the default database and shared by all tenants. */
import type Database from 'better-sqlite3';
import type { StoredContext } from '../port';

interface ContextRow {
  id: string;
  url: string;
  kind: StoredContext['kind'];
  body: string;
  created_at: string;
  last_usage: string | null;
  hits: number;
}

const COLUMNS = 'id, url, kind, body, created_at, last_usage, hits';

export class ContextTable {
  private readonly upsert: Database.Statement<unknown[]>;
  private readonly selectOne: Database.Statement<[string], ContextRow>;
  private readonly selectAll: Database.Statement<[], ContextRow>;
  private readonly deleteOne: Database.Statement<[string]>;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO contexts (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET url = excluded.url, kind = excluded.kind, body = excluded.body,
         created_at = excluded.created_at, last_usage = excluded.last_usage, hits = excluded.hits`,
    );
    this.selectOne = db.prepare(`SELECT ${COLUMNS} FROM contexts WHERE id = ?`);
    this.selectAll = db.prepare(`SELECT ${COLUMNS} FROM contexts ORDER BY created_at, id`);
    this.deleteOne = db.prepare('DELETE FROM contexts WHERE id = ?');
  }

  put(ctx: StoredContext): void {
    this.upsert.run(ctx.id, ctx.url, ctx.kind, JSON.stringify(ctx.body), ctx.createdAt, ctx.lastUsage ?? null, ctx.numberOfHits);
  }

  get(id: string): StoredContext | undefined {
    const row = this.selectOne.get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  list(): StoredContext[] {
    return this.selectAll.all().map(fromRow);
  }

  delete(id: string): boolean {
    return this.deleteOne.run(id).changes > 0;
  }
}

function fromRow(row: ContextRow): StoredContext {
  const ctx: StoredContext = {
    id: row.id,
    url: row.url,
    kind: row.kind,
    body: JSON.parse(row.body) as unknown,
    createdAt: row.created_at,
    numberOfHits: row.hits,
  };
  if (row.last_usage !== null) ctx.lastUsage = row.last_usage;
  return ctx;
}
