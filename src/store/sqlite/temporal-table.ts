/**
 * The temporal store of one tenant database (TRoE, clause 5.6.11-5.6.16, 5.7.3-5.7.4):
 * recording of attribute instances as entities are written (called by TenantDb.applyWrites
 * inside the write transaction, so an entity write and its history commit or roll back
 * together), the direct history writes of the temporal API, and temporal queries.
 *
 * Temporal queries narrow the candidate histories in SQL by id, idPattern and type
 * (temporal-candidates.ts), then decide with the query matcher (types, scopes and ids from
 * temporal_entities; q and geoQ against the current entity, or the latest recorded
 * instances when it no longer exists); the instances themselves come from
 * SQL by (entity, name_id, ts), one attribute at a time so that the per-attribute maximum
 * (clause 6.3.10 paging) and lastN are LIMITs on the index, not slices of everything.
 * For the aggregated representation, numeric attributes are aggregated in SQL instead
 * (temporal-aggregate.ts) and only the others are loaded, over the whole range: the maximum
 * then applies to periods (ngsi/temporal/paging pagePeriods), not instances.
 *
 * Removed attribute instances and deleted entities leave deletion markers (deleted_at set,
 * ngsi/temporal/deletion). Retention prunes instances by age in short chunks (pruneChunk).
 */
import type Database from 'better-sqlite3';
import type { Attribute, Entity, Iri } from '../../ngsi/entity';
import type { EntityFilter } from '../../ngsi/query/ast';
import { NgsiError } from '../../ngsi/errors';
import { compileFilter } from '../../ngsi/query/matcher';
import { deletionMarker } from '../../ngsi/temporal/deletion';
import type { TemporalEntity, TemporalEntityInput, TemporalInstance, TemporalQuery } from '../../ngsi/temporal/model';
import type { Page } from '../port';
import type { EntityTable } from './entity-table';
import { StatementCache } from './statement-cache';
import { TemporalAggregator } from './temporal-aggregate';
import { CANDIDATE_CHUNK, candidateChunkSql, candidateSql } from './temporal-candidates';
import { TemporalPruner, type PruneCursor } from './temporal-prune';
import { epochOf, InstanceIds, numOf, sameJson, sameList } from './temporal-values';
import { UNKNOWN_TERM, type TermTable } from './term-table';

interface InstanceRow {
  instance_id: string;
  doc: string;
  observed_at: string | null;
  modified_at: string;
  created_at: string;
  deleted_at: string | null;
}

interface EntityRow {
  rowid: number;
  id: string;
  types: string;
  scope: string | null;
}

/** SQL condition on the query's time property (clause 4.11: before <, after >, between [timeAt, endTimeAt)). */
function timeCondition(q: TemporalQuery): { sql: string; params: unknown[] } {
  if (q.timerel === undefined) return { sql: '', params: [] };
  const col = q.timeproperty === 'observedAt' ? 't.ts' : q.timeproperty === 'createdAt' ? 't.created_at' : 't.modified_at';
  // ts is epoch ms; created_at/modified_at are ISO strings written by Date.toISOString, so they compare as text.
  const bound = (iso: string): unknown => (q.timeproperty === 'observedAt' ? Date.parse(iso) : iso);
  switch (q.timerel) {
    case 'before': return { sql: ` AND ${col} < ?`, params: [bound(q.timeAt!)] };
    case 'after': return { sql: ` AND ${col} > ?`, params: [bound(q.timeAt!)] };
    case 'between': return { sql: ` AND ${col} >= ? AND ${col} < ?`, params: [bound(q.timeAt!), bound(q.endTimeAt!)] };
  }
}

function orderColumn(q: TemporalQuery): string {
  return q.timeproperty === 'observedAt' ? 't.ts' : q.timeproperty === 'createdAt' ? 't.created_at' : 't.modified_at';
}

const SKIP_DELETED = ' AND t.deleted_at IS NULL';

export { PRUNE_START, type PruneCursor } from './temporal-prune';

/** Bound of the id -> history key cache (about 100 bytes an entry). */
const KEY_CACHE_MAX = 100_000;

export class TemporalTable {
  private readonly insertInstance: Database.Statement<unknown[]>;
  private readonly upsertEntity: Database.Statement<[string, string, string | null], { rowid: number }>;
  private readonly selectKey: Database.Statement<[string], { rowid: number }>;
  private readonly selectEntity: Database.Statement<[string], EntityRow>;
  private readonly deleteInstances: Database.Statement<[number]>;
  private readonly deleteEntityRow: Database.Statement<[string]>;
  private readonly selectLatest: Database.Statement<[number], { iri: string; doc: string; deleted_at: string | null }>;
  private readonly selectNames: Database.Statement<{ e: number }, { id: number; iri: string }>;
  private readonly selectInstance: Database.Statement<[number, number, string], { seq: number; doc: string; created_at: string }>;
  private readonly updateInstance: Database.Statement<unknown[]>;
  private readonly deleteInstance: Database.Statement<[number, number, string]>;
  private readonly statements: StatementCache;
  private readonly aggregator: TemporalAggregator;
  private readonly ids = new InstanceIds();
  private readonly pruner: TemporalPruner;
  /** Entity id -> temporal_entities.rowid; saves an index lookup per recorded write. Cleared on rollback. */
  private readonly keys = new Map<string, number>();

  constructor(
    db: Database.Database,
    private readonly terms: TermTable,
    private readonly entities: EntityTable,
  ) {
    this.insertInstance = db.prepare(
      `INSERT INTO temporal (entity, name_id, dataset_id, instance_id, ts, observed_at, modified_at, created_at, doc, deleted_at, num)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertEntity = db.prepare(
      'INSERT INTO temporal_entities (id, types, scope) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET types = excluded.types, scope = excluded.scope RETURNING rowid',
    );
    this.selectKey = db.prepare('SELECT rowid FROM temporal_entities WHERE id = ?');
    this.selectEntity = db.prepare('SELECT rowid, id, types, scope FROM temporal_entities WHERE id = ?');
    this.deleteInstances = db.prepare('DELETE FROM temporal WHERE entity = ?');
    this.deleteEntityRow = db.prepare('DELETE FROM temporal_entities WHERE id = ?');
    this.selectLatest = db.prepare(
      'SELECT terms.iri AS iri, t.doc AS doc, t.deleted_at AS deleted_at FROM temporal t JOIN terms ON terms.id = t.name_id WHERE t.entity = ? ORDER BY t.ts, t.seq',
    );
    // The attribute names of one history by a skip-scan of temporal_by_entity: one index
    // seek per name instead of reading every instance.
    this.selectNames = db.prepare(
      `WITH RECURSIVE n(id) AS (
         SELECT (SELECT MIN(name_id) FROM temporal WHERE entity = @e)
         UNION ALL
         SELECT (SELECT MIN(name_id) FROM temporal WHERE entity = @e AND name_id > n.id) FROM n WHERE n.id IS NOT NULL
       )
       SELECT n.id AS id, terms.iri AS iri FROM n JOIN terms ON terms.id = n.id`,
    );
    this.selectInstance = db.prepare('SELECT seq, doc, created_at FROM temporal WHERE entity = ? AND name_id = ? AND instance_id = ?');
    // A patched deletion marker becomes an ordinary instance.
    this.updateInstance = db.prepare('UPDATE temporal SET doc = ?, ts = ?, observed_at = ?, modified_at = ?, num = ?, deleted_at = NULL WHERE seq = ?');
    this.deleteInstance = db.prepare('DELETE FROM temporal WHERE entity = ? AND name_id = ? AND instance_id = ?');
    this.statements = new StatementCache(db, 100);
    this.aggregator = new TemporalAggregator(this.statements);
    // The cached key of a history the pruner removes must go with it, or the next write
    // would record under a key that no longer exists.
    this.pruner = new TemporalPruner(db, (id) => this.keys.delete(id));
  }

  /**
   * Records what a put changed: every attribute instance that is new or whose stored JSON
   * differs from the same instance (same datasetId) of `previous`. Unchanged instances cost
   * one comparison; an identical object (a merge keeps untouched instances) costs nothing.
   * An instance of `previous` the entity no longer has gets a deletion marker at the
   * entity's modifiedAt.
   */
  recordPut(entity: Entity, previous: Entity | undefined): void {
    let key = -1;
    if (previous === undefined || !sameList(previous.type, entity.type) || !sameList(previous.scope, entity.scope)) {
      key = this.upsert(entity.id, entity.type, entity.scope);
    }
    const attrs = entity.attrs;
    for (const name in attrs) {
      const before = previous?.attrs[name];
      let nameId = UNKNOWN_TERM;
      for (const inst of attrs[name]) {
        let prev: Attribute | undefined;
        if (before !== undefined) {
          for (const b of before) {
            if (b.datasetId === inst.datasetId) {
              prev = b;
              break;
            }
          }
        }
        if (prev !== undefined && sameJson(prev, inst)) continue;
        if (nameId === UNKNOWN_TERM) nameId = this.terms.intern(name);
        if (key < 0) key = this.keyOf(entity);
        this.insert(key, nameId, inst, JSON.stringify(inst), entity.modifiedAt);
      }
    }
    if (previous !== undefined) this.recordRemoved(entity, previous, key);
  }

  /** Deletion markers for the instances of `previous` that `entity` lacks (by name and datasetId). */
  private recordRemoved(entity: Entity, previous: Entity, key: number): void {
    for (const name in previous.attrs) {
      const now = entity.attrs[name];
      const before = previous.attrs[name];
      if (now === before) continue;
      for (const b of before) {
        let kept = false;
        if (now !== undefined) {
          for (const n of now) {
            if (n.datasetId === b.datasetId) {
              kept = true;
              break;
            }
          }
        }
        if (kept) continue;
        if (key < 0) key = this.keyOf(entity);
        this.insertMarker(key, this.terms.intern(name), b, entity.modifiedAt);
      }
    }
  }

  /** The entity is deleted: a deletion marker for each of its instances, at `at`. */
  recordDelete(previous: Entity, at: string): void {
    let key = -1;
    for (const name in previous.attrs) {
      const nameId = this.terms.intern(name);
      for (const b of previous.attrs[name]) {
        if (key < 0) key = this.keyOf(previous);
        this.insertMarker(key, nameId, b, at);
      }
    }
  }

  private insertMarker(key: number, nameId: number, removed: Attribute, at: string): void {
    const m = deletionMarker(removed, at);
    this.insertInstance.run(
      key, nameId, m.datasetId ?? null, this.ids.take(), Date.parse(at), null, at, m.createdAt!, JSON.stringify(m), at, null,
    );
  }

  /** The history's key; a history deleted through the temporal API is started again. */
  private keyOf(entity: Entity): number {
    const cached = this.keys.get(entity.id);
    if (cached !== undefined) return cached;
    const row = this.selectKey.get(entity.id);
    return this.remember(entity.id, row !== undefined ? row.rowid : this.upsert(entity.id, entity.type, entity.scope));
  }

  private upsert(id: string, types: readonly string[], scope: readonly string[] | undefined): number {
    return this.remember(id, this.upsertEntity.get(id, JSON.stringify(types), scope === undefined ? null : JSON.stringify(scope))!.rowid);
  }

  private remember(id: string, key: number): number {
    if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
    this.keys.set(id, key);
    return key;
  }

  /** After a rolled-back transaction: keys it created are gone. */
  clearCache(): void {
    this.keys.clear();
  }

  private insert(entity: number, nameId: number, inst: Attribute, doc: string, fallbackTime: string): void {
    const modifiedAt = inst.modifiedAt ?? fallbackTime;
    this.insertInstance.run(
      entity, nameId, inst.datasetId ?? null, this.ids.take(), epochOf(inst, modifiedAt),
      inst.observedAt ?? null, modifiedAt, inst.createdAt ?? modifiedAt, doc, null, numOf(inst),
    );
  }

  /** Clause 5.6.11 / 5.6.12: history only; call inside a write transaction. */
  append(input: TemporalEntityInput, now: string, mustExist: boolean): 'created' | 'appended' | 'missing' {
    const existing = this.selectEntity.get(input.id);
    if (existing === undefined && (mustExist || input.type === undefined)) return 'missing';
    let key = existing?.rowid ?? -1;
    if (existing === undefined || input.type !== undefined || input.scope !== undefined) {
      const types = existing === undefined ? input.type! : [...new Set([...(JSON.parse(existing.types) as string[]), ...(input.type ?? [])])];
      const scope = input.scope ?? (existing?.scope == null ? undefined : (JSON.parse(existing.scope) as string[]));
      key = this.upsert(input.id, types, scope);
    }
    for (const name in input.attrs) {
      const nameId = this.terms.intern(name);
      for (const inst of input.attrs[name]) {
        const stamped: Attribute = { ...inst, createdAt: inst.createdAt ?? now, modifiedAt: inst.modifiedAt ?? now };
        this.insert(key, nameId, stamped, JSON.stringify(stamped), now);
      }
    }
    return existing === undefined ? 'created' : 'appended';
  }

  deleteEntity(id: string): boolean {
    const row = this.selectKey.get(id);
    if (row === undefined) return false;
    this.keys.delete(id);
    this.deleteInstances.run(row.rowid);
    return this.deleteEntityRow.run(id).changes > 0;
  }

  deleteAttr(id: string, attr: Iri, which: { datasetId?: string; all: boolean }): boolean {
    const nameId = this.terms.lookup(attr);
    const row = this.selectKey.get(id);
    if (nameId === UNKNOWN_TERM || row === undefined) return false;
    let sql = 'DELETE FROM temporal WHERE entity = ? AND name_id = ?';
    const params: unknown[] = [row.rowid, nameId];
    if (!which.all) {
      if (which.datasetId === undefined) sql += ' AND dataset_id IS NULL';
      else {
        sql += ' AND dataset_id = ?';
        params.push(which.datasetId);
      }
    }
    return this.statements.get(sql).run(...params).changes > 0;
  }

  /** The stored instance's content becomes `patch` (its datasetId and createdAt stay; observedAt stays unless given). */
  patchInstance(id: string, attr: Iri, instanceId: string, patch: Attribute, now: string): boolean {
    const nameId = this.terms.lookup(attr);
    const key = this.selectKey.get(id);
    if (nameId === UNKNOWN_TERM || key === undefined) return false;
    const row = this.selectInstance.get(key.rowid, nameId, instanceId);
    if (row === undefined) return false;
    const stored = JSON.parse(row.doc) as Attribute;
    const next: Attribute = { ...patch, createdAt: stored.createdAt ?? row.created_at, modifiedAt: now };
    if (stored.datasetId !== undefined) next.datasetId = stored.datasetId;
    else delete next.datasetId;
    if (next.observedAt === undefined && stored.observedAt !== undefined) next.observedAt = stored.observedAt;
    this.updateInstance.run(JSON.stringify(next), epochOf(next, now), next.observedAt ?? null, now, numOf(next), row.seq);
    return true;
  }

  removeInstance(id: string, attr: Iri, instanceId: string): boolean {
    const nameId = this.terms.lookup(attr);
    const key = this.selectKey.get(id);
    if (nameId === UNKNOWN_TERM || key === undefined) return false;
    return this.deleteInstance.run(key.rowid, nameId, instanceId).changes > 0;
  }

  get(id: string, q: TemporalQuery, attrs?: Iri[]): TemporalEntity | undefined {
    const row = this.selectEntity.get(id);
    if (row === undefined) return undefined;
    return this.load(row, q, attrs);
  }

  /**
   * Histories in creation order. Candidates are read a chunk at a time, keyset-paged by
   * rowid, and reading stops once the page is full, unless the count is asked for: a page of
   * 20 no longer walks every history of the tenant (it did, 45-180 ms over 20,000). "Has an
   * instance in the time range / of these attributes" is an EXISTS in the same SQL.
   */
  query(filter: EntityFilter, q: TemporalQuery, page: Page): { entities: TemporalEntity[]; count?: number } {
    const { q: qNode, geoQ, attrs, ...selecting } = filter;
    const cheap = compileFilter(selecting);
    const rich = qNode !== undefined || geoQ !== undefined ? compileFilter({ q: qNode, geoQ }) : undefined;
    const nameIds = attrs?.map((a) => this.terms.lookup(a));
    // After compileFilter: a bad idPattern is refused there, before SQL runs it.
    const candidates = candidateSql(selecting);
    const having = q.timerel !== undefined || nameIds !== undefined ? this.instancesExist(q, nameIds) : { sql: '', params: [] };
    const select = this.statements.get(candidateChunkSql(candidates, having.sql));
    const wanted = page.count ? Number.POSITIVE_INFINITY : page.offset + page.limit;
    const matched: EntityRow[] = [];
    let after = 0;
    reading: for (;;) {
      const rows = select.all(...candidates.params, ...having.params, after) as EntityRow[];
      for (const row of rows) {
        if (!cheap(this.shell(row))) continue;
        if (rich !== undefined && !rich(this.entities.get(row.id) ?? this.latest(row))) continue;
        matched.push(row);
        if (matched.length >= wanted) break reading;
      }
      if (rows.length < CANDIDATE_CHUNK) break;
      after = rows[rows.length - 1].rowid;
    }
    const entities = matched.slice(page.offset, page.offset + page.limit).map((row) => this.load(row, q, attrs));
    return page.count ? { entities, count: matched.length } : { entities };
  }

  /** ' EXISTS (...) AND': the history has an instance in q's time range (of one of `nameIds`). */
  private instancesExist(q: TemporalQuery, nameIds: number[] | undefined): { sql: string; params: unknown[] } {
    const time = timeCondition(q);
    const names = nameIds === undefined ? '' : ` AND t.name_id IN (${nameIds.map(() => '?').join(', ')})`;
    return {
      sql: ` EXISTS (SELECT 1 FROM temporal t WHERE t.entity = temporal_entities.rowid${names}${time.sql}${q.skipDeleted ? SKIP_DELETED : ''}) AND`,
      params: [...(nameIds ?? []), ...time.params],
    };
  }

  private shell(row: EntityRow): Entity {
    const e: Entity = { id: row.id, type: JSON.parse(row.types) as string[], createdAt: '', modifiedAt: '', attrs: {} };
    if (row.scope !== null) e.scope = JSON.parse(row.scope) as string[];
    return e;
  }

  /** The entity as its latest recorded instances describe it (for q/geoQ once it is deleted). */
  private latest(row: EntityRow): Entity {
    const e = this.shell(row);
    for (const r of this.selectLatest.all(row.rowid)) {
      const a = JSON.parse(r.doc) as Attribute;
      const list = (e.attrs[r.iri] ??= []);
      const i = list.findIndex((b) => b.datasetId === a.datasetId);
      // A deletion marker takes the instance away; a later instance brings it back.
      if (r.deleted_at !== null) {
        if (i >= 0) list.splice(i, 1);
        if (list.length === 0) delete e.attrs[r.iri];
      } else if (i >= 0) list[i] = a;
      else list.push(a);
    }
    return e;
  }

  /**
   * For the aggregated representation the maximum applies to periods (ngsi/temporal/paging
   * pagePeriods), so instances are read over the whole range, never cut.
   */
  private load(row: EntityRow, q: TemporalQuery, attrs: Iri[] | undefined): TemporalEntity {
    const { type, scope } = this.shell(row);
    const out: TemporalEntity = { id: row.id, type, attrs: {} };
    if (scope !== undefined) out.scope = scope;
    const names = attrs === undefined
      ? this.selectNames.all({ e: row.rowid })
      : attrs.map((iri) => ({ id: this.terms.lookup(iri), iri })).filter((n) => n.id !== UNKNOWN_TERM);
    if (names.length === 0) return out;
    const time = timeCondition(q);
    // lastN reads backwards from the newest; otherwise forwards from the oldest. One more
    // row than the maximum tells whether the attribute was cut, and where the next page starts.
    const backwards = q.lastN !== undefined;
    let take: number | undefined;
    let cuttable = false;
    const instanceLimit = q.aggregation === undefined ? q.instanceLimit : undefined;
    if (q.lastN !== undefined && (instanceLimit === undefined || q.lastN <= instanceLimit)) take = q.lastN;
    else if (instanceLimit !== undefined) {
      take = q.instanceLimit;
      cuttable = true;
    }
    const dir = backwards ? 'DESC' : 'ASC';
    const sql =
      `SELECT t.instance_id, t.doc, t.observed_at, t.modified_at, t.created_at, t.deleted_at FROM temporal t
       WHERE t.entity = ? AND t.name_id = ?${time.sql}${q.skipDeleted ? SKIP_DELETED : ''}
       ORDER BY ${orderColumn(q)} ${dir}, t.seq ${dir} LIMIT ?`;
    const stmt = this.statements.get(sql);
    // Aggregated in memory (render does it from the instances): bounded, one row past the
    // maximum tells it was exceeded. A lastN within the maximum bounds it already.
    const cap = q.aggregation === undefined ? undefined : q.aggregationReadLimit;
    const readLimit = cap !== undefined && (take === undefined || take > cap) ? cap : undefined;
    const rowLimit = readLimit !== undefined ? readLimit + 1 : take === undefined ? -1 : cuttable ? take + 1 : take;
    const inSql = TemporalAggregator.applies(q);
    for (const name of names) {
      if (inSql) {
        const a = this.aggregator.aggregate(row.rowid, name.id, q);
        if (a.kind === 'empty') continue;
        if (a.kind === 'done') {
          (out.aggregated ??= {})[name.iri] = a.attr;
          continue;
        }
      }
      const rows = stmt.all(row.rowid, name.id, ...time.params, rowLimit) as InstanceRow[];
      if (rows.length === 0) continue;
      if (readLimit !== undefined && rows.length > readLimit) {
        throw new NgsiError(
          'TooManyResults',
          `Aggregating ${name.iri} needs more than ${readLimit} instances in memory (its values are not all numbers, or lastN is set): narrow the time range (timerel, timeAt, endTimeAt)`,
        );
      }
      if (cuttable && rows.length > take!) {
        (out.truncated ??= {})[name.iri] = this.timeOf(rows[take!], q);
        rows.length = take!;
      }
      if (backwards) rows.reverse();
      out.attrs[name.iri] = rows.map((r) => {
        const inst: TemporalInstance = { instanceId: r.instance_id, attr: JSON.parse(r.doc) as Attribute, time: this.timeOf(r, q) };
        if (r.deleted_at !== null) inst.deletedAt = r.deleted_at;
        return inst;
      });
    }
    return out;
  }

  private timeOf(r: InstanceRow, q: TemporalQuery): string {
    return q.timeproperty === 'observedAt' ? r.observed_at ?? r.modified_at : q.timeproperty === 'createdAt' ? r.created_at : r.modified_at;
  }

  /** Retention: one bounded chunk of a prune (temporal-prune.ts); call inside a write transaction. */
  pruneChunk(beforeMs: number, from: PruneCursor): { deleted: number; next: PruneCursor | undefined } {
    return this.pruner.chunk(beforeMs, from);
  }
}
