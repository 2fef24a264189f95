/**
 * summarizeTypes for one tenant database: aggregates over the index tables only, no
 * document is parsed.
 */
import type Database from 'better-sqlite3';
import type { AttributeKind } from '../../ngsi/entity';
import type { TypeSummary } from '../port';

interface TypeCountRow {
  type: string;
  n: number;
}

interface TypeAttrRow {
  type: string;
  name: string;
  kinds: string;
  n: number;
}

export class TypeSummaries {
  private readonly typeCounts: Database.Statement<[], TypeCountRow>;
  private readonly typeAttrs: Database.Statement<[], TypeAttrRow>;

  constructor(db: Database.Database) {
    this.typeCounts = db.prepare(`
      SELECT tt.iri AS type, c.n AS n
      FROM (SELECT type_id, COUNT(*) AS n FROM entity_types GROUP BY type_id) c JOIN terms tt ON tt.id = c.type_id
      ORDER BY tt.iri`);
    // group_concat(DISTINCT) of kinds is safe: kind names contain no comma.
    this.typeAttrs = db.prepare(`
      SELECT tt.iri AS type, nt.iri AS name, c.kinds AS kinds, c.n AS n
      FROM (
        SELECT t.type_id AS type_id, a.name_id AS name_id, group_concat(DISTINCT a.kind) AS kinds,
               COUNT(DISTINCT a.entity_rowid) AS n
        FROM entity_types t JOIN attrs a ON a.entity_rowid = t.entity_rowid
        GROUP BY t.type_id, a.name_id
      ) c
      JOIN terms tt ON tt.id = c.type_id JOIN terms nt ON nt.id = c.name_id`);
  }

  summarize(): TypeSummary[] {
    const byType = new Map<string, TypeSummary>();
    for (const row of this.typeCounts.all()) {
      byType.set(row.type, { type: row.type, entityCount: row.n, attributes: {} });
    }
    for (const row of this.typeAttrs.all()) {
      const summary = byType.get(row.type);
      if (summary === undefined) continue;
      summary.attributes[row.name] = { kinds: (row.kinds.split(',') as AttributeKind[]).sort(), entityCount: row.n };
    }
    return [...byType.values()];
  }
}
