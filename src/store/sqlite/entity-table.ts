/**
 * Reads and writes of entity documents and their index rows in one tenant database, with
 * every statement prepared once. Callers run writes inside a transaction (tenant-db.ts).
 */
import type Database from 'better-sqlite3';
import type { Entity } from '../../ngsi/entity';
import { attrRowsOf, scopeRowsOf, type AttrRow } from './index-rows';
import type { TermTable } from './term-table';

/** geo_bbox ids are entity rowid * GEO_SLOTS + n, so an entity's boxes are found without a scan. */
const GEO_SLOTS = 65536;


export class EntityTable {
  private readonly selectDoc: Database.Statement<[string], { doc: string }>;
  private readonly selectRow: Database.Statement<[string], { rowid: number; geo_count: number }>;
  private readonly insertEntity: Database.Statement<[string, string, number], { rowid: number }>;
  private readonly updateEntity: Database.Statement<[string, number, number]>;
  private readonly deleteEntity: Database.Statement<[number]>;
  private readonly insertType: Database.Statement<[number, number]>;
  private readonly insertAttr: Database.Statement<unknown[]>;
  private readonly insertScope: Database.Statement<[string, number]>;
  private readonly insertBox: Database.Statement<unknown[]>;
  private readonly deleteTypes: Database.Statement<[number]>;
  private readonly deleteAttrs: Database.Statement<[number]>;
  private readonly deleteScopes: Database.Statement<[number]>;
  private readonly deleteBox: Database.Statement<[number]>;
  private readonly updateAttr: Database.Statement<unknown[]>;
  private readonly updateBox: Database.Statement<unknown[]>;
  private readonly readDocs = new WeakMap<Entity, string>();

  constructor(
    db: Database.Database,
    private readonly terms: TermTable,
  ) {
    this.selectDoc = db.prepare('SELECT doc FROM entities WHERE id = ?');
    this.selectRow = db.prepare('SELECT rowid, geo_count FROM entities WHERE id = ?');
    this.insertEntity = db.prepare('INSERT INTO entities (id, doc, geo_count) VALUES (?, ?, ?) RETURNING rowid');
    this.updateEntity = db.prepare('UPDATE entities SET doc = ?, geo_count = ? WHERE rowid = ?');
    this.deleteEntity = db.prepare('DELETE FROM entities WHERE rowid = ?');
    this.insertType = db.prepare('INSERT OR IGNORE INTO entity_types (type_id, entity_rowid) VALUES (?, ?)');
    this.insertScope = db.prepare('INSERT OR IGNORE INTO scopes (scope, entity_rowid) VALUES (?, ?)');
    this.insertBox = db.prepare(
      'INSERT INTO geo_bbox (id, min_lon, max_lon, min_lat, max_lat, entity_rowid, name_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.insertAttr = db.prepare(
      `INSERT INTO attrs (entity_rowid, seq, name_id, kind, dataset_id, tk, num, str, bool, ts, min_lon, max_lon, min_lat, max_lat)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.deleteTypes = db.prepare('DELETE FROM entity_types WHERE entity_rowid = ?');
    this.deleteAttrs = db.prepare('DELETE FROM attrs WHERE entity_rowid = ?');
    this.deleteScopes = db.prepare('DELETE FROM scopes WHERE entity_rowid = ?');
    this.deleteBox = db.prepare('DELETE FROM geo_bbox WHERE id = ?');
    this.updateAttr = db.prepare(
      `UPDATE attrs SET tk = ?, num = ?, str = ?, bool = ?, ts = ?, min_lon = ?, max_lon = ?, min_lat = ?, max_lat = ?
       WHERE entity_rowid = ? AND seq = ?`,
    );
    this.updateBox = db.prepare('UPDATE geo_bbox SET min_lon = ?, max_lon = ?, min_lat = ?, max_lat = ? WHERE id = ?');
  }

  /**
   * `keepDoc`: remember the JSON text the entity was parsed from (docOf), so that a write
   * recording this very object as its previous version need not serialise it again.
   */
  get(id: string, keepDoc = false): Entity | undefined {
    const row = this.selectDoc.get(id);
    if (row === undefined) return undefined;
    const entity = JSON.parse(row.doc) as Entity;
    if (keepDoc) this.readDocs.set(entity, row.doc);
    return entity;
  }

  /** The stored JSON of an entity object read with `keepDoc` (valid while nobody mutated it). */
  docOf(entity: Entity): string | undefined {
    return this.readDocs.get(entity);
  }

  /**
   * Writes the document and its index rows. `previous` must be the stored version (the
   * caller proves it by identity with what it read in the same transaction): then only the
   * index rows whose value changed are rewritten, which is what makes attribute updates
   * (the common write: a new temperature) cheap. Returns the JSON document it stored (the
   * outbox reuses it instead of serialising the entity a second time).
   */
  put(entity: Entity, previous?: Entity): string {
    const doc = JSON.stringify(entity);
    const rows = attrRowsOf(entity);
    const geoCount = rows.reduce((n, r) => (r.bbox ? n + 1 : n), 0);
    if (geoCount >= GEO_SLOTS) throw new Error(`Entity ${entity.id} has more than ${GEO_SLOTS - 1} geometries`);
    const existing = this.selectRow.get(entity.id);
    let rowid: number;
    if (existing === undefined) {
      rowid = this.insertEntity.get(entity.id, doc, geoCount)!.rowid;
    } else {
      // Updating in place keeps the rowid, hence the entity's place in creation order.
      rowid = existing.rowid;
      this.updateEntity.run(doc, geoCount, rowid);
      if (previous !== undefined && this.updateChangedRows(rowid, previous, entity, rows)) return doc;
      this.clearIndexRows(rowid, existing.geo_count);
    }
    for (const type of entity.type) this.insertType.run(this.terms.intern(type), rowid);
    for (const scope of scopeRowsOf(entity)) this.insertScope.run(scope, rowid);
    let seq = 0;
    let geo = 0;
    for (const row of rows) {
      const nameId = this.terms.intern(row.name);
      const b = row.bbox;
      this.insertAttr.run(
        rowid, seq++, nameId, row.kind, row.datasetId, row.tk, row.num, row.str, row.bool, row.ts,
        b?.minLon ?? null, b?.maxLon ?? null, b?.minLat ?? null, b?.maxLat ?? null,
      );
      if (b) this.insertBox.run(rowid * GEO_SLOTS + geo++, b.minLon, b.maxLon, b.minLat, b.maxLat, rowid, nameId);
    }
    return doc;
  }

  /**
   * In-place update when the entity keeps its structure (same attribute instances in the
   * same order, same types and scopes): rows are matched by position. False: rebuild.
   */
  private updateChangedRows(rowid: number, previous: Entity, entity: Entity, rows: AttrRow[]): boolean {
    const before = attrRowsOf(previous);
    if (before.length !== rows.length || !sameStrings(previous.type, entity.type)) return false;
    if (!sameStrings(scopeRowsOf(previous), scopeRowsOf(entity))) return false;
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i];
      const b = before[i];
      if (a.name !== b.name || a.kind !== b.kind || a.datasetId !== b.datasetId || (a.bbox === null) !== (b.bbox === null)) return false;
    }
    let geo = 0;
    for (let seq = 0; seq < rows.length; seq++) {
      const a = rows[seq];
      const b = a.bbox;
      if (!sameValue(a, before[seq])) {
        this.updateAttr.run(a.tk, a.num, a.str, a.bool, a.ts, b?.minLon ?? null, b?.maxLon ?? null, b?.minLat ?? null, b?.maxLat ?? null, rowid, seq);
        if (b) this.updateBox.run(b.minLon, b.maxLon, b.minLat, b.maxLat, rowid * GEO_SLOTS + geo);
      }
      if (b) geo++;
    }
    return true;
  }

  /** True if the entity existed. */
  delete(id: string): boolean {
    const existing = this.selectRow.get(id);
    if (existing === undefined) return false;
    this.clearIndexRows(existing.rowid, existing.geo_count);
    this.deleteEntity.run(existing.rowid);
    return true;
  }

  private clearIndexRows(rowid: number, geoCount: number): void {
    for (let i = 0; i < geoCount; i++) this.deleteBox.run(rowid * GEO_SLOTS + i);
    this.deleteTypes.run(rowid);
    this.deleteAttrs.run(rowid);
    this.deleteScopes.run(rowid);
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameValue(a: AttrRow, b: AttrRow): boolean {
  const x = a.bbox;
  const y = b.bbox;
  return (
    a.tk === b.tk && a.num === b.num && a.str === b.str && a.bool === b.bool && a.ts === b.ts &&
    (x === y || (x !== null && y !== null && x.minLon === y.minLon && x.maxLon === y.maxLon && x.minLat === y.minLat && x.maxLat === y.maxLat))
  );
}
