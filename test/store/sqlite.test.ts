import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Entity } from '../../src/ngsi/entity';
import type { EntityFilter } from '../../src/ngsi/query/ast';
import type { EntityWrite } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';
import { pageSql } from '../../src/store/sqlite/entity-query';
import { QueryPlanner } from '../../src/store/sqlite/query-plan';
import { REGISTRY_SQL } from '../../src/store/sqlite/device-registry-table';
import { EntityTable } from '../../src/store/sqlite/entity-table';
import { MIGRATIONS, openDatabase, SCHEMA_VERSION } from '../../src/store/sqlite/schema';
import { registerSqlFunctions } from '../../src/store/sqlite/sql-functions';
import { StatementCache } from '../../src/store/sqlite/statement-cache';
import { TermTable } from '../../src/store/sqlite/term-table';
import { translateFilter } from '../../src/store/sqlite/filter-sql';
import { decodeTenant, encodeTenant } from '../../src/store/sqlite/tenant-files';
import { device, pendingCommand, runStoreContract, putAll, serviceGroup, subscription } from './contract';
import { dataset, SENSOR_1 } from './dataset';
import { cmp, entity, exists, iri, LOCATION, matches, num, path as attrPath, prop, scope, str, type } from './fixtures';

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-store-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

runStoreContract('sqlite files', async () => createSqliteStore({ dataDir: tempDir() }));
runStoreContract('sqlite in memory', async () => createSqliteStore({ memory: true }));

describe('SQLite store', () => {
  it('reads back everything after a restart on the same directory', async () => {
    const dir = tempDir();
    const first = createSqliteStore({ dataDir: dir });
    await putAll(first, '', dataset());
    await putAll(first, 'Acme', [entity('urn:x:1', ['Thing'], { size: prop(3) })]);
    await first.putContext({ id: 'c1', url: 'http://x/c1', kind: 'Hosted', body: {}, createdAt: 't', numberOfHits: 0 });
    await first.close();

    const second = createSqliteStore({ dataDir: dir });
    assert.deepEqual(await second.getEntity('', SENSOR_1), dataset()[0]);
    assert.deepEqual((await second.queryEntities('', { q: cmp('temperature', '>', num(20)) }, { limit: 10, offset: 0, count: true })).count, 3);
    assert.deepEqual(await second.listTenants(), ['', 'Acme']);
    assert.equal(await second.hasTenant('Acme'), true);
    assert.equal((await second.getEntity('Acme', 'urn:x:1'))?.id, 'urn:x:1');
    assert.equal((await second.getContext('c1'))?.url, 'http://x/c1');
    await second.close();
  });

  it('copies the WAL into the database file in the background, long before the writer\'s own checkpoint (checkpointer.ts)', async () => {
    const dir = tempDir();
    const store = createSqliteStore({ dataDir: dir });
    await putAll(store, '', [entity('urn:x:0', ['Thing'], {})]);
    const file = path.join(dir, 'default.sqlite');
    const before = fs.statSync(file).size;
    // A few hundred pages: far below the writer's automatic checkpoint (10,000 pages).
    for (let i = 0; i < 20; i++) {
      await putAll(store, '', Array.from({ length: 50 }, (_, k) => entity(`urn:x:${i}-${k}`, ['Thing'], { note: prop('x'.repeat(500)) })));
    }
    const deadline = Date.now() + 3000;
    while (fs.statSync(file).size <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(fs.statSync(file).size > before, 'the database file grew without any checkpoint by the writer');
    await store.close();
    assert.equal(fs.existsSync(`${file}-wal`), false, 'close leaves no WAL behind');
  });

  it('commits writes still queued for a group commit when it is closed', async () => {
    const dir = tempDir();
    const first = createSqliteStore({ dataDir: dir });
    await putAll(first, '', [entity('urn:x:0', ['Thing'], {})]); // the tenant exists: writes are queued
    const queued = putAll(first, '', [entity('urn:x:1', ['Thing'], { size: prop(1) })]);
    await first.close();
    await queued;
    const second = createSqliteStore({ dataDir: dir });
    assert.equal((await second.getEntity('', 'urn:x:1'))?.id, 'urn:x:1');
    await second.close();
  });

  it('commits more queued writes than one group takes, in order, also when closed meanwhile', async () => {
    const dir = tempDir();
    const first = createSqliteStore({ dataDir: dir });
    await putAll(first, '', [entity('urn:x:0', ['Thing'], {})]);
    // 450 single writes in one turn: three bounded groups.
    const queued = Array.from({ length: 450 }, (_, i) => putAll(first, '', [entity(`urn:x:${i + 1}`, ['Thing'], { n: prop(i) })]));
    await Promise.all(queued.slice(0, 300));
    const late = Array.from({ length: 250 }, (_, i) => putAll(first, '', [entity(`urn:y:${i}`, ['Thing'], {})]));
    await first.close();
    await Promise.all([...queued, ...late]);
    const second = createSqliteStore({ dataDir: dir });
    assert.equal((await second.getEntity('', 'urn:x:450'))?.attrs[iri('n')]?.[0].value, 449);
    assert.equal((await second.getEntity('', 'urn:y:249'))?.id, 'urn:y:249');
    await second.close();
  });

  it('puts one database file per tenant under tenants/, in WAL mode', async () => {
    const dir = tempDir();
    const store = createSqliteStore({ dataDir: dir });
    await putAll(store, 'Acme', [entity('urn:x:1', ['Thing'], {})]);
    await putAll(store, '', [entity('urn:x:1', ['Thing'], {})]);
    assert.ok(fs.existsSync(path.join(dir, 'default.sqlite')));
    assert.deepEqual(fs.readdirSync(path.join(dir, 'tenants')).filter((f) => f.endsWith('.sqlite')), ['_41cme.sqlite']);
    const db = new Database(path.join(dir, 'tenants', '_41cme.sqlite'), { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    await store.close();
  });

  it('writes nothing of a plan whose later write fails', async () => {
    const store = createSqliteStore({ memory: true });
    await assert.rejects(store.modify('', [], () => ({
      writes: [
        { op: 'put', entity: entity('urn:x:ok', ['Thing'], {}) },
        { op: 'put', entity: { id: 'urn:x:bad' } as unknown as Entity }, // no createdAt: NOT NULL fails
      ],
      result: undefined,
    })));
    assert.equal(await store.getEntity('', 'urn:x:ok'), undefined);
    await store.close();
  });

  it('keeps subscriptions and the outbox across a restart, and goes on recording after it', async () => {
    const dir = tempDir();
    const first = createSqliteStore({ dataDir: dir });
    const sub = subscription('urn:s:1', { delivery: { timesSent: 2, timesFailed: 0, status: 'ok' } });
    await first.putSubscription('Acme', sub);
    await first.putSubscription('', subscription('urn:s:2'));
    await putAll(first, 'Acme', [entity('urn:x:1', ['Thing'], { size: prop(1) })]);
    const before = await first.readOutbox('Acme');
    await first.close();

    const second = createSqliteStore({ dataDir: dir });
    assert.deepEqual(await second.allSubscriptions(), [
      { tenant: '', subscription: subscription('urn:s:2') },
      { tenant: 'Acme', subscription: sub },
    ]);
    assert.equal(before.length, 1);
    assert.deepEqual(await second.readOutbox('Acme'), before);
    // The subscription count is read at open: writes are recorded without any new put.
    await putAll(second, 'Acme', [entity('urn:x:2', ['Thing'], {})]);
    const after = await second.readOutbox('Acme');
    assert.deepEqual(after.map((e) => e.id), ['urn:x:1', 'urn:x:2']);
    assert.ok(after[1].seq > after[0].seq);
    await second.ackOutbox('Acme', after[1].seq);
    await second.close();

    const third = createSqliteStore({ dataDir: dir });
    assert.deepEqual(await third.readOutbox('Acme'), []);
    const w: EntityWrite = { op: 'put', entity: entity('urn:x:3', ['Thing'], {}) };
    await third.modify('Acme', [], () => ({ writes: [w], result: undefined }));
    assert.ok(w.outboxSeq! > after[1].seq, 'seqs stay new across restarts, even after the outbox was emptied');
    await third.close();
  });

  it('records no outbox entry of a group commit that fails', async () => {
    const store = createSqliteStore({ memory: true });
    await store.putSubscription('', subscription('urn:s:1')); // the tenant exists: writes go through the group commit
    const outcomes = await Promise.allSettled([
      putAll(store, '', [entity('urn:x:other', ['Thing'], {})]), // same group, so rolled back too
      store.modify('', [], () => ({
        writes: [
          { op: 'put', entity: entity('urn:x:ok', ['Thing'], {}) },
          { op: 'put', entity: { id: 'urn:x:bad' } as unknown as Entity },
        ],
        result: undefined,
      })),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
    assert.equal(await store.getEntity('', 'urn:x:ok'), undefined);
    assert.deepEqual(await store.readOutbox(''), []);
    await putAll(store, '', [entity('urn:x:later', ['Thing'], {})]);
    assert.deepEqual((await store.readOutbox('')).map((e) => e.id), ['urn:x:later']);
    await store.close();
  });

  it('migrates a version 2 database: its entities stay, subscriptions and the outbox work', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'default.sqlite');
    // A database as the previous Weft left it: the first two migrations only.
    const old = new Database(file);
    old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const step of MIGRATIONS.slice(0, 2)) old.exec(step);
    old.prepare('INSERT INTO schema_version (version) VALUES (2)').run();
    const kept = entity('urn:x:old', ['Thing'], { temperature: prop(21) });
    new EntityTable(old, new TermTable(old)).put(kept);
    old.close();

    const store = createSqliteStore({ dataDir: dir });
    assert.deepEqual(await store.getEntity('', 'urn:x:old'), kept);
    const warm = await store.queryEntities('', { q: cmp('temperature', '>', num(20)) }, { limit: 10, offset: 0, count: true });
    assert.deepEqual(warm, { entities: [kept], count: 1 });
    assert.deepEqual(await store.allSubscriptions(), []);
    await store.putSubscription('', subscription('urn:s:1'));
    await putAll(store, '', [entity('urn:x:new', ['Thing'], {})]);
    assert.deepEqual((await store.readOutbox('')).map((e) => e.id), ['urn:x:new']);
    await store.close();

    const check = new Database(file, { readonly: true });
    assert.equal(check.prepare('SELECT version FROM schema_version').pluck().get(), SCHEMA_VERSION);
    check.close();
  });

  it('refuses calls after close', async () => {
    const store = createSqliteStore({ memory: true });
    await store.close();
    await assert.rejects(store.getEntity('', 'urn:x:1'), /closed/);
    await assert.rejects(store.findDevice('k1', 'dev-1'), /closed/);
    await assert.rejects(store.getContext('c1'), /closed/);
  });

  describe('device registry', () => {
    it('keeps groups, devices and pending commands across a restart, in the default database only', async () => {
      const dir = tempDir();
      const first = createSqliteStore({ dataDir: dir });
      const group = serviceGroup('key-a');
      const dev = device('dev-1', 'key-a');
      const cmd = pendingCommand('c1', 'dev-1');
      assert.equal(await first.putServiceGroup('Acme', group), 'ok');
      await first.putServiceGroup('', serviceGroup('key-d'));
      await first.putDevice('Acme', dev);
      await first.putDevice('Acme', device('dev-2', 'key-a'));
      await first.putCommand('Acme', cmd);
      await first.putCommand('Acme', pendingCommand('c2', 'dev-2'));
      await first.close();
      assert.equal(fs.existsSync(path.join(dir, 'tenants')), false, 'no tenant database was created');

      const second = createSqliteStore({ dataDir: dir });
      assert.deepEqual(await second.listTenants(), ['']);
      assert.equal(await second.hasTenant('Acme'), false);
      assert.deepEqual(await second.findServiceGroup('key-a'), { tenant: 'Acme', group });
      assert.deepEqual(await second.findDevice('key-a', 'dev-1'), { tenant: 'Acme', device: dev });
      assert.deepEqual((await second.listDevices('Acme', { limit: 10, offset: 0, count: true })).count, 2);
      assert.deepEqual(await second.listCommands('Acme', 'dev-1'), [cmd]);
      assert.equal(await second.putServiceGroup('other', serviceGroup('key-a')), 'conflict', 'the apikey is still taken');
      await second.putCommand('Acme', pendingCommand('c3', 'dev-1'));
      assert.deepEqual((await second.allCommands()).map((c) => c.command.id), ['c1', 'c2', 'c3']);
      assert.equal(await second.deleteDevice('Acme', 'dev-1'), true);
      await second.close();

      const third = createSqliteStore({ dataDir: dir });
      assert.deepEqual(await third.allCommands(), [{ tenant: 'Acme', command: pendingCommand('c2', 'dev-2') }]);
      assert.equal(await third.findDevice('key-a', 'dev-1'), undefined);
      await third.close();
    });

    it('opens a version 4 data directory (before the registry): entities and contexts stay, the registry works', async () => {
      const dir = tempDir();
      const file = path.join(dir, 'default.sqlite');
      const old = new Database(file);
      old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
      for (const step of MIGRATIONS.slice(0, 4)) old.exec(step);
      old.prepare('INSERT INTO schema_version (version) VALUES (4)').run();
      const kept = entity('urn:x:old', ['Thing'], { temperature: prop(21) });
      new EntityTable(old, new TermTable(old)).put(kept);
      old.prepare("INSERT INTO contexts (id, url, kind, body, created_at) VALUES ('c1', 'http://x/c1', 'Hosted', '{}', 't')").run();
      old.close();

      const store = createSqliteStore({ dataDir: dir });
      assert.deepEqual(await store.getEntity('', 'urn:x:old'), kept);
      assert.equal((await store.getContext('c1'))?.url, 'http://x/c1');
      assert.deepEqual(await store.listServiceGroups('', { limit: 10, offset: 0, count: true }), { groups: [], count: 0 });
      assert.equal(await store.putServiceGroup('acme', serviceGroup('k1')), 'ok');
      await store.putDevice('acme', device('dev-1', 'k1'));
      assert.equal((await store.findDevice('k1', 'dev-1'))?.tenant, 'acme');
      await store.close();

      const check = new Database(file, { readonly: true });
      assert.equal(check.prepare('SELECT version FROM schema_version').pluck().get(), SCHEMA_VERSION);
      check.close();
    });

    it('answers the MQTT lookups and the listings from keys and indexes, without scans or sorts', async () => {
      const dir = tempDir();
      const store = createSqliteStore({ dataDir: dir });
      await store.putServiceGroup('acme', serviceGroup('k1'));
      await store.close();
      const db = openDatabase({ location: path.join(dir, 'default.sqlite'), mustExist: true });
      const plan = (sql: string, ...params: unknown[]): string =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
      try {
        const find = plan(REGISTRY_SQL.findDevice, 'k', 'd');
        assert.match(find, /SEARCH g USING INDEX sqlite_autoindex_service_groups_1 \(apikey=\?\)/);
        assert.match(find, /SEARCH d USING INDEX sqlite_autoindex_devices_1 \(tenant=\? AND device_id=\?\)/);
        assert.match(plan(REGISTRY_SQL.findGroup, 'k'), /SEARCH service_groups USING INDEX sqlite_autoindex_service_groups_1 \(apikey=\?\)/);
        const listings: Array<[string, unknown[]]> = [
          [REGISTRY_SQL.selectGroupPage, ['t', 10, 0]],
          [REGISTRY_SQL.selectGroupCount, ['t']],
          [REGISTRY_SQL.selectDevicePage, ['t', 10, 0]],
          [REGISTRY_SQL.selectDeviceCount, ['t']],
          [REGISTRY_SQL.selectGroupDevicePage, ['k', 't', 10, 0]],
          [REGISTRY_SQL.selectGroupDeviceCount, ['k', 't']],
          [REGISTRY_SQL.selectCommands, ['t', 'd']],
          [REGISTRY_SQL.deleteDeviceCommands, ['t', 'd']],
        ];
        for (const [sql, params] of listings) {
          const detail = plan(sql, ...params);
          assert.match(detail, /SEARCH \w+ USING (COVERING )?INDEX/, `${sql}: ${detail}`);
          assert.doesNotMatch(detail, /SCAN|TEMP B-TREE/, `${sql}: ${detail}`);
          if (/count\(\*\)/.test(sql)) assert.match(detail, /COVERING INDEX/, `${sql}: ${detail}`);
        }
      } finally {
        db.close();
      }
    });
  });

  describe('tenant file names', () => {
    it('round-trip any string and keep upper and lower case apart', () => {
      for (const t of ['acme', 'Acme', 'a/b\\c:d', '..', 'ünï ✓', '_41', 'a-b']) {
        assert.equal(decodeTenant(encodeTenant(t)), t);
        assert.match(encodeTenant(t), /^[a-z0-9_-]+$/);
      }
      assert.notEqual(encodeTenant('Acme'), encodeTenant('acme'));
    });
  });

  describe('query plans', () => {
    // 3000 sensors: a type alone is dense (walked in rowid order), a narrow q range selective.
    let db: Database.Database;
    let planner: QueryPlanner;
    let terms: TermTable;
    before(async () => {
      const dir = tempDir();
      const store = createSqliteStore({ dataDir: dir });
      const many: Entity[] = [];
      for (let i = 0; i < 3000; i++) {
        many.push(entity(`urn:x:${i}`, ['Sensor'], { temperature: prop(i / 100), name: prop(`s${i}`) }, [`/site/${i % 10}`]));
      }
      for (let i = 0; i < 10; i++) many.push(entity(`urn:x:rare:${i}`, ['Rare'], { temperature: prop(i) }));
      await putAll(store, '', many);
      await store.close();
      db = openDatabase({ location: path.join(dir, 'default.sqlite'), mustExist: true });
      registerSqlFunctions(db);
      terms = new TermTable(db);
      planner = new QueryPlanner(db, new StatementCache(db));
    });
    after(() => db.close());

    const explain = (sql: string, params: unknown[]): string =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('\n');
    const pagePlan = (filter: EntityFilter): string => {
      const p = planner.accessPath(translateFilter(filter, (iri) => terms.lookup(iri)).cond, 20);
      return explain(pageSql(p), [...p.params, 20, 0]);
    };
    const countPlan = (filter: EntityFilter): string => {
      const p = planner.countQuery(translateFilter(filter, (iri) => terms.lookup(iri)).cond);
      return explain(p.sql, p.params);
    };

    it('reads an entity by id through the unique index', () => {
      assert.match(explain('SELECT doc FROM entities WHERE id = ?', ['x']), /SEARCH entities USING INDEX sqlite_autoindex_entities_1 \(id=\?\)/);
    });

    it('walks a dense filter along its type key in rowid order, probing each entity by its own index rows', () => {
      const detail = pagePlan({ type: type('Sensor'), q: cmp('temperature', '>', num(1)) });
      assert.match(detail, /SEARCH t USING PRIMARY KEY \(type_id=\?\)/);
      assert.match(detail, /SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      assert.match(detail, /attrs USING PRIMARY KEY \(entity_rowid=\?\)/);
      assert.doesNotMatch(detail, /TEMP B-TREE|attrs_by_num|SCAN e/);
    });

    it('walks all entities in rowid order when no single type narrows a dense filter', () => {
      const detail = pagePlan({ q: cmp('temperature', '>', num(1)) });
      assert.match(detail, /SCAN e/);
      assert.match(detail, /attrs USING PRIMARY KEY \(entity_rowid=\?\)/);
      assert.doesNotMatch(detail, /TEMP B-TREE/);
    });

    it('drives a selective q term from the (name, num) index, without sorting', () => {
      const detail = pagePlan({ type: type('Sensor'), q: cmp('temperature', '>', num(29.9)) });
      assert.match(detail, /attrs USING COVERING INDEX attrs_by_num \(name_id=\? AND num>\?\)/);
      assert.doesNotMatch(detail, /SCAN e|TEMP B-TREE FOR ORDER BY/);
    });

    it('drives a string equality from the (name, str) index', () => {
      assert.match(pagePlan({ q: cmp('name', '==', str('s42')) }), /attrs USING COVERING INDEX attrs_by_str \(name_id=\? AND str=\?\)/);
    });

    it('drives attribute existence from the (name) index when selective', () => {
      assert.match(countPlan({ type: type('Sensor'), q: exists('nothing') }), /attrs USING COVERING INDEX attrs_by_name \(name_id=\?/);
    });

    it('drives a scope from the scopes key', () => {
      assert.match(countPlan({ scopeQ: scope('/site/3') }), /SEARCH scopes USING PRIMARY KEY \(scope=\?\)/);
    });

    it('counts a rare type from its entity_types key', () => {
      assert.match(countPlan({ type: type('Rare'), q: cmp('temperature', '>', num(1)) }), /entity_types USING PRIMARY KEY \(type_id=\?\)/);
    });

    it('counts a lone type from its key alone', () => {
      assert.equal(countPlan({ type: type('Sensor') }), 'SEARCH entity_types USING PRIMARY KEY (type_id=?)');
    });

    it('counts a dense filter from the smallest index range, never reading documents', () => {
      const detail = countPlan({ type: type('Sensor'), q: cmp('temperature', '>', num(1)) });
      assert.match(detail, /attrs USING COVERING INDEX attrs_by_num \(name_id=\? AND num>\?\)/);
      assert.match(detail, /CO-ROUTINE e/); // e is the rowid list, not the entities table
      assert.doesNotMatch(detail, /SEARCH e USING INTEGER PRIMARY KEY|sqlite_autoindex_entities/);
    });
  });

  describe('filter translation', () => {
    const ids = new Map<string, number>();
    const termId = (iri: string): number => ids.get(iri) ?? ids.set(iri, ids.size + 1).get(iri)!;
    const exact = (f: EntityFilter): boolean => translateFilter(f, termId).exact;
    const render = (f: EntityFilter) => {
      const planner = new QueryPlanner(openDatabase({ location: ':memory:', mustExist: false }), undefined as unknown as StatementCache);
      return planner.probe(translateFilter(f, termId).cond);
    };

    it('is exact for ids, types, attrs, top-level q compares, patterns and scopes', () => {
      assert.equal(exact({ ids: ['a', 'b'], idPattern: '^a', type: type('T'), attrs: [iri('x')] }), true);
      assert.equal(exact({ q: cmp('t', '>', num(1)) }), true);
      assert.equal(exact({ q: matches('name', '^a') }), true);
      assert.equal(exact({ q: exists('name') }), true);
      assert.equal(exact({ scopeQ: scope('/a/+/#') }), true);
    });

    it('leaves geometry, sub-attribute and compound paths to the matcher', () => {
      assert.equal(exact({ geoQ: { georel: 'within', geometry: { type: 'Point', coordinates: [0, 0] }, geoproperty: LOCATION } }), false);
      assert.equal(exact({ q: cmp(attrPath('t', ['unitCode']), '==', str('CEL')) }), false);
      assert.equal(exact({ q: cmp(attrPath('t', [], ['k']), '==', str('v')) }), false);
    });

    it('binds values instead of pasting them into the SQL', () => {
      const t = render({ ids: ["x' OR 1=1 --"], q: cmp('name', '==', str("'; DROP TABLE entities; --")) });
      assert.doesNotMatch(t.sql, /DROP|OR 1=1/);
      assert.ok(t.params.includes("'; DROP TABLE entities; --"));
    });

    it('produces the same SQL text for filters of the same shape (one cached statement)', () => {
      const a = render({ type: type('A'), q: cmp('t', '>', num(1)) });
      const b = render({ type: type('B'), q: cmp('u', '>', num(99)) });
      assert.equal(a.sql, b.sql);
      assert.notDeepEqual(a.params, b.params);
    });
  });
});
