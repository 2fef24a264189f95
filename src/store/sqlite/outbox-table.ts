/**
 * The transactional outbox of one tenant database: entity writes committed but not yet
 * notified (schema.ts VERSION_3). Rows are added inside the entity write's transaction
 * (tenant-db.ts applyWrites), so they commit or roll back with it.
 */
import type Database from 'better-sqlite3';
import type { Entity } from '../../ngsi/entity';
import type { OutboxEntry } from '../port';

interface OutboxRow {
  seq: number;
  kind: OutboxEntry['kind'];
  entity_id: string;
  entity: string | null;
  previous: string | null;
}

export class OutboxTable {
  private readonly insert: Database.Statement<[OutboxEntry['kind'], string, string | null, string | null]>;
  private readonly selectAll: Database.Statement<[], OutboxRow>;
  private readonly deleteUpTo: Database.Statement<[number]>;
  private readonly deleteAll: Database.Statement<[]>;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO outbox (kind, entity_id, entity, previous) VALUES (?, ?, ?, ?)');
    this.selectAll = db.prepare('SELECT seq, kind, entity_id, entity, previous FROM outbox ORDER BY seq');
    this.deleteUpTo = db.prepare('DELETE FROM outbox WHERE seq <= ?');
    this.deleteAll = db.prepare('DELETE FROM outbox');
  }

  /** `entity` and `previous` are JSON texts (the entity table's, when it made one). Returns the seq. */
  add(kind: OutboxEntry['kind'], id: string, entity: string | null, previous: string | null): number {
    return Number(this.insert.run(kind, id, entity, previous).lastInsertRowid);
  }

  all(): OutboxEntry[] {
    return this.selectAll.all().map(fromRow);
  }

  ack(upTo: number): void {
    this.deleteUpTo.run(upTo);
  }

  clear(): void {
    this.deleteAll.run();
  }
}

function fromRow(row: OutboxRow): OutboxEntry {
  const entry: OutboxEntry = { seq: row.seq, kind: row.kind, id: row.entity_id };
  if (row.entity !== null) entry.entity = JSON.parse(row.entity) as Entity;
  if (row.previous !== null) entry.previous = JSON.parse(row.previous) as Entity;
  return entry;
}
