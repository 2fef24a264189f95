import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Entity } from '../../src/ngsi/entity';
import type { TemporalQuery } from '../../src/ngsi/temporal';
import type { EntityStore } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';
import { openDatabase, SCHEMA_VERSION } from '../../src/store/sqlite/schema';
import { defaultDatabasePath } from '../../src/store/sqlite/tenant-files';
import { CANDIDATE_CHUNK, candidateChunkSql, candidateSql } from '../../src/store/sqlite/temporal-candidates';
import { entity, iri, prop, rel, type, typeAnd, typeOr } from './fixtures';

const ALL: TemporalQuery = { timeproperty: 'observedAt' };
const NULL = 'urn:ngsi-ld:null';
const PAGE = { limit: 100, offset: 0, count: true };
const T = (h: number): string => `2024-05-01T${String(h).padStart(2, '0')}:00:00Z`;

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-temporal-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function put(store: EntityStore, e: Entity, tenant = ''): Promise<void> {
  await store.modify(tenant, [e.id], (current) => ({ writes: [{ op: 'put', entity: e, previous: current.get(e.id) }], result: undefined }));
}

const sensorAt = (h: number, temperature: number, humidity = 50): Entity =>
  entity('urn:x:s1', ['Sensor'], { temperature: prop(temperature, { observedAt: T(h) }), humidity: prop(humidity) });

describe('SQLite store: temporal recording (TRoE)', () => {
  let store: EntityStore;
  beforeEach(() => {
    store = createSqliteStore({ memory: true });
  });
  afterEach(async () => {
    await store.close();
  });

  it('records every attribute instance of a new entity, with an instanceId URI', async () => {
    await put(store, sensorAt(1, 20));
    const te = (await store.getTemporal('', 'urn:x:s1', ALL))!;
    assert.deepEqual(te.type, [iri('Sensor')]);
    assert.deepEqual(Object.keys(te.attrs).sort(), [iri('humidity'), iri('temperature')]);
    const [inst] = te.attrs[iri('temperature')];
    assert.match(inst.instanceId, /^urn:ngsi-ld:attribute:instance:[0-9a-f-]{36}-[0-9a-z]+$/);
    assert.equal(inst.attr.value, 20);
    assert.equal(inst.time, T(1));
  });

  it('records only the instances an update changed', async () => {
    await put(store, sensorAt(1, 20));
    await put(store, sensorAt(2, 21));
    await put(store, sensorAt(2, 21)); // nothing changed: nothing recorded
    const te = (await store.getTemporal('', 'urn:x:s1', ALL))!;
    assert.deepEqual(te.attrs[iri('temperature')].map((i) => i.attr.value), [20, 21]);
    assert.equal(te.attrs[iri('humidity')].length, 1);
  });

  it('records nothing when the entity write is rolled back', async () => {
    const bad = entity('urn:x:bad', ['Sensor'], { n: prop(BigInt(1)) }); // JSON.stringify throws inside the transaction
    await assert.rejects(
      store.modify('', ['urn:x:s1', 'urn:x:bad'], () => ({ writes: [{ op: 'put', entity: sensorAt(1, 20) }, { op: 'put', entity: bad }], result: undefined })),
    );
    assert.equal(await store.getEntity('', 'urn:x:s1'), undefined);
    assert.equal(await store.getTemporal('', 'urn:x:s1', ALL), undefined);
    // The tenant still works, and a later write records normally.
    await put(store, sensorAt(1, 20));
    assert.equal((await store.getTemporal('', 'urn:x:s1', ALL))!.attrs[iri('temperature')].length, 1);
  });

  it('keeps the history when the entity is deleted', async () => {
    await put(store, sensorAt(1, 20));
    await store.modify('', ['urn:x:s1'], (c) => ({ writes: [{ op: 'delete', id: 'urn:x:s1', previous: c.get('urn:x:s1')! }], result: undefined }));
    const temperature = (await store.getTemporal('', 'urn:x:s1', ALL))!.attrs[iri('temperature')];
    assert.deepEqual(temperature.map((i) => i.attr.value), [20, NULL]);
  });

  it('filters by timerel before / after / between on observedAt, and keeps the last N', async () => {
    for (let h = 1; h <= 5; h++) await put(store, sensorAt(h, 20 + h));
    const values = async (q: Partial<TemporalQuery>): Promise<unknown[]> =>
      (await store.getTemporal('', 'urn:x:s1', { ...ALL, ...q }, [iri('temperature')]))!.attrs[iri('temperature')]?.map((i) => i.attr.value) ?? [];
    assert.deepEqual(await values({ timerel: 'before', timeAt: new Date(T(3)).toISOString() }), [21, 22]);
    assert.deepEqual(await values({ timerel: 'after', timeAt: new Date(T(3)).toISOString() }), [24, 25]);
    assert.deepEqual(await values({ timerel: 'between', timeAt: new Date(T(2)).toISOString(), endTimeAt: new Date(T(4)).toISOString() }), [22, 23]);
    assert.deepEqual(await values({ lastN: 2 }), [24, 25]);
  });

  it('queries histories by type and counts them', async () => {
    await put(store, sensorAt(1, 20));
    await put(store, entity('urn:x:d1', ['Device'], { temperature: prop(5) }));
    const r = await store.queryTemporal('', { type: type('Sensor') }, ALL, PAGE);
    assert.deepEqual(r.entities.map((e) => e.id), ['urn:x:s1']);
    assert.equal(r.count, 1);
  });

  it('appends history without touching the current entity, and edits and deletes instances', async () => {
    const input = { id: 'urn:x:t1', type: [iri('Sensor')], attrs: { [iri('speed')]: [prop(1, { observedAt: T(1) }), prop(2, { observedAt: T(2) })] } };
    assert.equal(await store.appendTemporal('', input, T(9), false), 'created');
    assert.equal(await store.appendTemporal('', { id: 'urn:x:t1', attrs: { [iri('speed')]: [prop(3, { observedAt: T(3) })] } }, T(9), true), 'appended');
    assert.equal(await store.appendTemporal('', { id: 'urn:x:none', attrs: {} }, T(9), true), 'missing');
    assert.equal(await store.getEntity('', 'urn:x:t1'), undefined);
    let speed = (await store.getTemporal('', 'urn:x:t1', ALL))!.attrs[iri('speed')];
    assert.deepEqual(speed.map((i) => i.attr.value), [1, 2, 3]);

    assert.equal(await store.patchTemporalInstance('', 'urn:x:t1', iri('speed'), speed[1].instanceId, prop(20), T(10)), true);
    assert.equal(await store.deleteTemporalInstance('', 'urn:x:t1', iri('speed'), speed[0].instanceId), true);
    assert.equal(await store.deleteTemporalInstance('', 'urn:x:t1', iri('speed'), speed[0].instanceId), false);
    speed = (await store.getTemporal('', 'urn:x:t1', ALL))!.attrs[iri('speed')];
    assert.deepEqual(speed.map((i) => [i.attr.value, i.attr.observedAt, i.attr.modifiedAt]), [[20, T(2), T(10)], [3, T(3), T(9)]]);

    assert.equal(await store.deleteTemporalAttr('', 'urn:x:t1', iri('speed'), { all: false }), true);
    assert.deepEqual((await store.getTemporal('', 'urn:x:t1', ALL))!.attrs, {});
    assert.equal(await store.deleteTemporal('', 'urn:x:t1'), true);
    assert.equal(await store.getTemporal('', 'urn:x:t1', ALL), undefined);
  });
});

describe('SQLite store: temporal query candidates in SQL (id, idPattern, type)', () => {
  let store: EntityStore;
  before(async () => {
    store = createSqliteStore({ memory: true });
    const add = (id: string, types: string[]) =>
      store.appendTemporal('', { id, type: types.map(iri), attrs: { [iri('speed')]: [prop(1, { observedAt: T(1) })] } }, T(9), false);
    await add('urn:x:car1', ['Car']);
    await add('urn:x:car2', ['Car', 'Vehicle']);
    await add('urn:x:bike1', ['Bike', 'Vehicle']);
    await add('urn:x:CarX', ['Thing']);
  });
  after(async () => {
    await store.close();
  });
  const ids = async (filter: Parameters<EntityStore['queryTemporal']>[1]): Promise<string[]> =>
    (await store.queryTemporal('', filter, ALL, PAGE)).entities.map((e) => e.id);

  it('selects by ids, idPattern, type expressions and selectors as the matcher does', async () => {
    assert.deepEqual(await ids({ ids: ['urn:x:car2', 'urn:x:bike1', 'urn:x:none'] }), ['urn:x:car2', 'urn:x:bike1']);
    assert.deepEqual(await ids({ ids: [] }), []);
    assert.deepEqual(await ids({ idPattern: 'car\\d' }), ['urn:x:car1', 'urn:x:car2']);
    assert.deepEqual(await ids({ type: typeAnd(type('Car'), type('Vehicle')) }), ['urn:x:car2']);
    assert.deepEqual(await ids({ type: typeOr(type('Bike'), type('Car')) }), ['urn:x:car1', 'urn:x:car2', 'urn:x:bike1']);
    // 'Car' must not match 'CarX' or a type IRI that merely starts with it.
    assert.deepEqual(await ids({ type: type('Ca') }), []);
    assert.deepEqual(await ids({ selectors: [{ type: type('Bike') }, { ids: ['urn:x:car1'] }] }), ['urn:x:car1', 'urn:x:bike1']);
    assert.deepEqual(await ids({ selectors: [{ type: type('Bike') }, {}] }), ['urn:x:car1', 'urn:x:car2', 'urn:x:bike1', 'urn:x:CarX']);
    assert.deepEqual(await ids({ ids: ['urn:x:car1', 'urn:x:bike1'], type: type('Vehicle') }), ['urn:x:bike1']);
  });

  it('reads the histories of given ids through the id index, not every row', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE temporal_entities (rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, types TEXT NOT NULL, scope TEXT)');
    const c = candidateSql({ ids: ['urn:x:1', 'urn:x:2'] });
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${candidateChunkSql(c)}`).all(...c.params, 0) as Array<{ detail: string }>;
    assert.ok(plan.some((p) => /USING (COVERING )?INDEX sqlite_autoindex_temporal_entities_1 \(id=\?( AND rowid>\?)?\)/.test(p.detail)), JSON.stringify(plan));
    db.close();
  });
});

describe('SQLite store: temporal query pages over more histories than one candidate chunk', () => {
  const N = CANDIDATE_CHUNK * 2 + 50;
  let store: EntityStore;
  const id = (i: number): string => `urn:x:h${String(i).padStart(4, '0')}`;
  before(async () => {
    store = createSqliteStore({ memory: true });
    for (let i = 0; i < N; i++) {
      // Every third history has no instance after 05:00; every fifth is no Car.
      const h = i % 3 === 0 ? 2 : 7;
      await store.appendTemporal('', { id: id(i), type: [iri(i % 5 === 0 ? 'Bike' : 'Car')], attrs: { [iri('speed')]: [prop(i, { observedAt: T(h) })] } }, T(9), false);
    }
  });
  after(async () => {
    await store.close();
  });
  const expected = Array.from({ length: N }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 5 !== 0).map(id);
  const after5: TemporalQuery = { timeproperty: 'observedAt', timerel: 'after', timeAt: T(5) };

  it('gives the page at any offset, across chunk boundaries, as one pass over all would', async () => {
    for (const offset of [0, 150, 170, expected.length - 10, expected.length]) {
      const page = await store.queryTemporal('', { type: type('Car') }, after5, { limit: 20, offset, count: false });
      assert.deepEqual(page.entities.map((e) => e.id), expected.slice(offset, offset + 20), `offset ${offset}`);
      assert.equal(page.count, undefined);
    }
  });

  it('counts every match when asked, whatever the page', async () => {
    const page = await store.queryTemporal('', { type: type('Car') }, after5, { limit: 5, offset: 300, count: true });
    assert.equal(page.count, expected.length);
    assert.deepEqual(page.entities.map((e) => e.id), expected.slice(300, 305));
  });

  it('filters on attributes in SQL too: histories without an instance of them are not candidates', async () => {
    const none = await store.queryTemporal('', { attrs: [iri('nothing')] }, ALL, { limit: 20, offset: 0, count: true });
    assert.deepEqual({ n: none.entities.length, count: none.count }, { n: 0, count: 0 });
    const speed = await store.queryTemporal('', { attrs: [iri('speed')] }, ALL, { limit: 20, offset: N - 5, count: true });
    assert.deepEqual({ ids: speed.entities.map((e) => e.id), count: speed.count }, { ids: [N - 5, N - 4, N - 3, N - 2, N - 1].map(id), count: N });
  });
});

describe('SQLite store: schema migration to the temporal schema', () => {
  it('migrates a v1 database file: its entities stay, and their next changes are recorded', async () => {
    const dir = tempDir();
    const first = createSqliteStore({ dataDir: dir });
    await put(first, sensorAt(1, 20));
    await first.close();
    // Turn the file back into what Weft v1 wrote: only the v1 tables, schema version 1.
    const raw = new Database(defaultDatabasePath(dir));
    const V1 = new Set(['terms', 'entities', 'entity_types', 'attrs', 'scopes', 'contexts', 'schema_version']);
    const later = (raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>)
      .map((r) => r.name)
      .filter((n) => !V1.has(n) && !n.startsWith('geo_bbox') && !n.startsWith('sqlite_'));
    for (const name of later) raw.exec(`DROP TABLE ${name}`);
    raw.exec('UPDATE schema_version SET version = 1');
    raw.close();

    const second = createSqliteStore({ dataDir: dir });
    assert.equal((await second.getEntity('', 'urn:x:s1'))?.id, 'urn:x:s1');
    assert.equal(await second.getTemporal('', 'urn:x:s1', ALL), undefined);
    await put(second, sensorAt(2, 21));
    const te = (await second.getTemporal('', 'urn:x:s1', ALL))!;
    assert.deepEqual(te.attrs[iri('temperature')].map((i) => i.attr.value), [21]);
    await second.close();

    const check = openDatabase({ location: defaultDatabasePath(dir), mustExist: true });
    assert.equal((check.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
    check.close();
  });
});

describe('SQLite store: deletion markers (deletedAt, clause 4.5.7 / 5.2.1)', () => {
  let store: EntityStore;
  beforeEach(() => {
    store = createSqliteStore({ memory: true });
  });
  afterEach(async () => {
    await store.close();
  });

  const at = (e: Entity, modifiedAt: string): Entity => ({ ...e, modifiedAt });

  it('an update that drops an attribute instance records a marker at the write time, in the same transaction', async () => {
    const both = entity('urn:x:s1', ['Sensor'], {
      temperature: prop(20, { observedAt: T(1) }),
      owner: [rel('urn:x:o1'), { ...rel('urn:x:o2'), datasetId: 'urn:ds:2' }],
    });
    await put(store, both);
    // Drops temperature and the urn:ds:2 instance of owner; the default owner stays.
    await put(store, at(entity('urn:x:s1', ['Sensor'], { owner: rel('urn:x:o1') }), T(5)));
    const te = (await store.getTemporal('', 'urn:x:s1', ALL))!;
    const [, marker] = te.attrs[iri('temperature')];
    assert.deepEqual(marker.attr, { type: 'Property', value: NULL, createdAt: T(5), modifiedAt: T(5) });
    assert.equal(marker.deletedAt, T(5));
    assert.equal(marker.time, T(5));
    const owner = te.attrs[iri('owner')];
    assert.deepEqual(owner.map((i) => [i.attr.object, i.attr.datasetId, i.deletedAt]), [
      ['urn:x:o1', undefined, undefined],
      ['urn:x:o2', 'urn:ds:2', undefined],
      [NULL, 'urn:ds:2', T(5)],
    ]);
  });

  it('deleting the entity records a marker for every instance; skipDeleted leaves them out', async () => {
    await put(store, sensorAt(1, 20));
    await store.modify('', ['urn:x:s1'], (c) => ({ writes: [{ op: 'delete', id: 'urn:x:s1', previous: c.get('urn:x:s1')! }], result: undefined }));
    const te = (await store.getTemporal('', 'urn:x:s1', ALL))!;
    for (const name of ['temperature', 'humidity']) {
      const last = te.attrs[iri(name)].at(-1)!;
      assert.equal(last.attr.value, NULL);
      assert.ok(last.deletedAt !== undefined && Date.parse(last.deletedAt) > Date.parse(T(1)));
    }
    const live = (await store.getTemporal('', 'urn:x:s1', { ...ALL, skipDeleted: true }))!;
    assert.deepEqual(live.attrs[iri('temperature')].map((i) => i.attr.value), [20]);
  });

  it('a deleted entity no longer matches q on an attribute it lost', async () => {
    await put(store, sensorAt(1, 20));
    await store.modify('', ['urn:x:s1'], (c) => ({ writes: [{ op: 'delete', id: 'urn:x:s1', previous: c.get('urn:x:s1')! }], result: undefined }));
    const r = await store.queryTemporal('', { q: { kind: 'exists', path: { attr: iri('temperature'), sub: [], keys: [] } } }, ALL, PAGE);
    assert.deepEqual(r.entities, []);
  });
});

describe('SQLite store: the per-attribute instance limit (clause 6.3.10)', () => {
  let store: EntityStore;
  before(async () => {
    store = createSqliteStore({ memory: true });
    const speed = [1, 2, 3, 4, 5].map((v) => prop(v, { observedAt: T(v) }));
    await store.appendTemporal('', { id: 'urn:x:t1', type: [iri('Car')], attrs: { [iri('speed')]: speed, [iri('fuel')]: [prop(9, { observedAt: T(1) })] } }, T(9), false);
  });
  after(async () => {
    await store.close();
  });
  const read = (q: Partial<TemporalQuery>) => store.getTemporal('', 'urn:x:t1', { ...ALL, ...q });

  it('forwards: the oldest instances, and where the next page starts', async () => {
    const te = (await read({ instanceLimit: 2 }))!;
    assert.deepEqual(te.attrs[iri('speed')].map((i) => i.attr.value), [1, 2]);
    assert.deepEqual(te.truncated, { [iri('speed')]: T(3) });
    assert.deepEqual(te.attrs[iri('fuel')].map((i) => i.attr.value), [9]);
  });

  it('with lastN above the limit: the newest, oldest first, and the next older instance', async () => {
    const te = (await read({ instanceLimit: 2, lastN: 4 }))!;
    assert.deepEqual(te.attrs[iri('speed')].map((i) => i.attr.value), [4, 5]);
    assert.deepEqual(te.truncated, { [iri('speed')]: T(3) });
  });

  it('lastN within the limit, or exactly the number of instances, cuts nothing', async () => {
    assert.equal((await read({ instanceLimit: 5, lastN: 3 }))!.truncated, undefined);
    assert.equal((await read({ instanceLimit: 5 }))!.truncated, undefined);
  });
});

describe('SQLite store: retention (pruneTemporal)', () => {
  let store: EntityStore;
  beforeEach(() => {
    store = createSqliteStore({ memory: true });
  });
  afterEach(async () => {
    await store.close();
  });

  it('deletes only the instances older than the cutoff, in that tenant only', async () => {
    for (const tenant of ['', 'acme']) for (let h = 1; h <= 5; h++) await put(store, sensorAt(h, 20 + h), tenant);
    // temperature at 01..05; humidity once, at the entity's modifiedAt (00:00).
    assert.equal(await store.pruneTemporal('', T(3)), 3);
    const te = (await store.getTemporal('', 'urn:x:s1', ALL))!;
    assert.deepEqual(te.attrs[iri('temperature')].map((i) => i.attr.value), [23, 24, 25]);
    assert.equal(te.attrs[iri('humidity')], undefined);
    assert.equal((await store.getTemporal('acme', 'urn:x:s1', ALL))!.attrs[iri('temperature')].length, 5);
    assert.equal(await store.pruneTemporal('nobody', T(3)), 0);
    await assert.rejects(store.pruneTemporal('', 'yesterday'), /not an ISO 8601 date-time/);
  });

  it('prunes more than one chunk, drops emptied histories, and a later write starts a new one', async () => {
    const speed = Array.from({ length: 12_345 }, (_, i) => prop(i, { observedAt: new Date(Date.parse(T(1)) + i * 1000).toISOString() }));
    await store.appendTemporal('', { id: 'urn:x:t1', type: [iri('Car')], attrs: { [iri('speed')]: speed } }, T(9), false);
    await put(store, sensorAt(1, 20)); // cached history key of urn:x:s1
    assert.equal(await store.pruneTemporal('', T(12)), 12_345 + 2);
    assert.equal(await store.getTemporal('', 'urn:x:t1', ALL), undefined);
    assert.equal(await store.getTemporal('', 'urn:x:s1', ALL), undefined);
    // The emptied history's cached key is gone with it: the next change is recorded and visible.
    await put(store, sensorAt(13, 30));
    assert.deepEqual((await store.getTemporal('', 'urn:x:s1', ALL))!.attrs[iri('temperature')].map((i) => i.attr.value), [30]);
  });
});
