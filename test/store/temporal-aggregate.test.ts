/**
 * aggregatedValues in SQL (store/sqlite/temporal-aggregate.ts) against the reference, the
 * in-memory path of ngsi/temporal/aggregate: on random histories (numbers, mixed types,
 * datasetIds, deletion markers, ties), every timerel, several periods and method sets,
 * with and without a per-attribute maximum of periods (clause 6.3.10 paging, pagePeriods),
 * both must render the very same JSON and the same Content-Range.
 */
import assert from 'node:assert/strict';
import { prefixContext } from '../helpers/context';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Attribute, Entity } from '../../src/ngsi/entity';
import {
  aggregateEntity,
  contentRange,
  pagePeriods,
  parseTemporalView,
  queryForView,
  renderTemporalEntity,
  type TemporalEntity,
  type TemporalQuery,
} from '../../src/ngsi/temporal';
import type { EntityStore } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/schema';
import { StatementCache } from '../../src/store/sqlite/statement-cache';
import { TemporalAggregator } from '../../src/store/sqlite/temporal-aggregate';
import { iri, NS } from './fixtures';
import { mulberry32 } from '../helpers/rng';

const ctx = prefixContext(NS);

const rng = mulberry32;

const START = Date.parse('2024-05-01T00:00:00Z');
const SPAN = 3 * 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Sorts object members, so that attribute order does not matter (arrays keep theirs). */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, canon(o[k])]));
}

type Kind = 'numbers' | 'datasets' | 'mixed' | 'ties' | 'sparse';

/** Random instances of one attribute of the given kind. */
function instances(r: () => number, kind: Kind, count: number): Attribute[] {
  const out: Attribute[] = [];
  for (let i = 0; i < count; i++) {
    const at = kind === 'ties' ? START + Math.floor(r() * 40) * 3_600_000 : kind === 'sparse' ? START + Math.floor(r() * 6) * 86_400_000 / 2 : START + Math.floor(r() * SPAN);
    const number = r() < 0.5 ? Math.round((r() - 0.3) * 100_000) / 100 : r() < 0.5 ? Math.floor(r() * 20) : (r() - 0.5) * 1e6;
    let a: Attribute = { type: 'Property', value: number, observedAt: iso(at) };
    if (kind === 'mixed') {
      const k = r();
      if (k < 0.2) a = { type: 'Property', value: `s${Math.floor(r() * 5)}`, observedAt: iso(at) };
      else if (k < 0.3) a = { type: 'Property', value: r() < 0.5, observedAt: iso(at) };
      else if (k < 0.4) a = { type: 'JsonProperty', json: Math.floor(r() * 3), observedAt: iso(at) };
      else if (k < 0.45) a = { type: 'Relationship', object: 'urn:x:o', observedAt: iso(at) };
    }
    if (kind === 'datasets') {
      const d = Math.floor(r() * 3);
      if (d > 0) a.datasetId = `urn:ds:${d}`;
    }
    out.push(a);
  }
  return out;
}

/** A history written through entity updates, so that it holds deletion markers too. */
async function withMarkers(store: EntityStore, id: string, r: () => number): Promise<void> {
  for (let step = 0; step < 30; step++) {
    const at = iso(START + step * 7_200_000 + Math.floor(r() * 3_600_000));
    const e: Entity = { id, type: [iri('Meter')], createdAt: iso(START), modifiedAt: at, attrs: {} };
    // Every fifth write drops the attribute (a marker at `at`); the next brings it back.
    if (step % 5 !== 4) e.attrs[iri('power')] = [{ type: 'Property', value: Math.round(r() * 1000) / 10, observedAt: at }];
    e.attrs[iri('label')] = [{ type: 'Property', value: `v${step % 3}`, observedAt: at }];
    await store.modify('', [id], (c) => ({ writes: [{ op: 'put', entity: e, previous: c.get(id) }], result: undefined }));
  }
}

async function populate(store: EntityStore, seed: number): Promise<void> {
  const r = rng(seed);
  const kinds: Kind[] = ['numbers', 'datasets', 'mixed', 'ties', 'sparse'];
  for (let e = 0; e < 3; e++) {
    const attrs: Record<string, Attribute[]> = {};
    for (const kind of kinds) attrs[iri(`${kind}${e}`)] = instances(r, kind, 20 + Math.floor(r() * 60));
    await store.appendTemporal('', { id: `urn:x:e${e}`, type: [iri('Thing')], attrs }, iso(START + SPAN / 2), false);
  }
  await withMarkers(store, 'urn:x:meter', r);
}

const PERIODS = [undefined, 'PT0S', 'PT1H', 'PT7M', 'PT1H30M', 'P1D', 'P1W', 'P1M', 'PT2.5S'];
const METHOD_SETS = ['avg', 'totalCount,distinctCount,sum,avg,min,max,stddev,sumsq', 'stddev,min', 'sumsq,distinctCount,max,totalCount'];

function randomQuery(r: () => number): TemporalQuery {
  const a = START - 86_400_000 + Math.floor(r() * (SPAN + 86_400_000));
  const b = a + 1 + Math.floor(r() * SPAN);
  switch (Math.floor(r() * 4)) {
    case 0: return { timeproperty: 'observedAt' };
    case 1: return { timeproperty: 'observedAt', timerel: 'before', timeAt: iso(a) };
    case 2: return { timeproperty: 'observedAt', timerel: 'after', timeAt: iso(a) };
    default: return { timeproperty: 'observedAt', timerel: 'between', timeAt: iso(a), endTimeAt: iso(b) };
  }
}

interface Answer {
  body: string;
  range?: string;
  /** Attributes the store aggregated in SQL. */
  inSql: number;
}

/** What GET /temporal/entities/{id} (or the query) would answer, the store aggregating or not. */
async function answer(store: EntityStore, ids: string[] | 'query', q: TemporalQuery, methods: string, period: string | undefined, sql: boolean): Promise<Answer> {
  const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: methods, aggrPeriodDuration: period });
  const tq = queryForView(q, view);
  // In memory: the store reads every instance in range (no aggregation, no maximum), as it
  // does for what SQL cannot aggregate; the broker then aggregates and pages the periods.
  let read = tq;
  if (!sql) {
    const { aggregation: _, instanceLimit: __, ...rest } = tq;
    read = rest;
  }
  let found: TemporalEntity[];
  if (ids === 'query') found = (await store.queryTemporal('', { type: { kind: 'type', iri: iri('Thing') } }, read, { limit: 10, offset: 0, count: false })).entities;
  else found = (await Promise.all(ids.map((id) => store.getTemporal('', id, read)))).filter((e): e is TemporalEntity => e !== undefined);
  const inSql = found.reduce((n, e) => n + Object.keys(e.aggregated ?? {}).length, 0);
  const { entities, range } = pagePeriods(found.map((e) => aggregateEntity(e, ctx, tq.aggregation!, tq)), tq);
  const body = JSON.stringify(canon(entities.map((e) => renderTemporalEntity(e, ctx, view, tq))));
  return range === undefined ? { body, inSql } : { body, range: contentRange(range), inSql };
}

describe('SQLite store: aggregatedValues in SQL equal the in-memory aggregation', function () {
  this.timeout(60_000);
  for (const seed of [1, 2, 3]) {
    it(`random histories, seed ${seed}: every timerel, period and method set, with and without paging`, async () => {
      const store = createSqliteStore({ memory: true });
      try {
        await populate(store, seed);
        const r = rng(seed * 1000);
        let inSql = 0;
        let inMemory = 0;
        let cut = 0;
        for (let i = 0; i < 120; i++) {
          const base = randomQuery(r);
          const period = PERIODS[Math.floor(r() * PERIODS.length)];
          const methods = METHOD_SETS[Math.floor(r() * METHOD_SETS.length)];
          const limit = r() < 0.5 ? undefined : 1 + Math.floor(r() * 12);
          let q: TemporalQuery = limit === undefined ? base : { ...base, instanceLimit: limit };
          // Now and then what SQL leaves to memory: another time property, lastN.
          const odd = r();
          if (odd < 0.05) q = { ...q, timeproperty: 'modifiedAt' };
          else if (odd < 0.1) q = { ...q, lastN: 1 + Math.floor(r() * 30) };
          const target: string[] | 'query' = r() < 0.3 ? 'query' : [`urn:x:e${Math.floor(r() * 3)}`, 'urn:x:meter'].slice(0, r() < 0.5 ? 1 : 2);
          for (const ids of target === 'query' ? ['query' as const] : target.map((t) => [t])) {
            const fromSql = await answer(store, ids, q, methods, period, true);
            const fromMemory = await answer(store, ids, q, methods, period, false);
            const what = `${JSON.stringify(ids)} ${JSON.stringify(q)} ${methods} ${period}`;
            assert.equal(fromSql.body, fromMemory.body, what);
            assert.equal(fromSql.range, fromMemory.range, what);
            inSql += fromSql.inSql;
            inMemory += fromMemory.inSql === 0 ? 1 : 0;
            if (fromSql.range !== undefined) cut++;
          }
        }
        // Not vacuous: many attributes went through SQL, and pages were cut.
        assert.ok(inSql > 100, `only ${inSql} attributes aggregated in SQL`);
        assert.ok(inMemory > 0 && cut > 10, `in memory ${inMemory}, cut ${cut}`);
      } finally {
        await store.close();
      }
    });
  }

  it('aggregates numbers in SQL, leaves mixed histories to memory, and keeps deletion markers out', async () => {
    const store = createSqliteStore({ memory: true });
    try {
      await populate(store, 9);
      const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'totalCount', aggrPeriodDuration: 'P1D' });
      const q = queryForView({ timeproperty: 'observedAt' }, view);
      const e0 = (await store.getTemporal('', 'urn:x:e0', q))!;
      assert.deepEqual(Object.keys(e0.aggregated!).sort(), ['datasets0', 'numbers0', 'sparse0', 'ties0'].map(iri));
      assert.deepEqual(Object.keys(e0.attrs), [iri('mixed0')]);
      const meter = (await store.getTemporal('', 'urn:x:meter', q))!;
      // 30 writes, every fifth without power: 24 values, in SQL despite the 5 markers.
      const total = meter.aggregated![iri('power')].series[0].values.totalCount.reduce((n, [v]) => n + v!, 0);
      assert.equal(total, 24);
    } finally {
      await store.close();
    }
  });

  it('writes num for numeric Property instances only, and rewrites it when an instance is patched', async () => {
    const store = createSqliteStore({ memory: true });
    try {
      const at = (h: number): string => iso(START + h * 3_600_000);
      await store.appendTemporal('', {
        id: 'urn:x:n', type: [iri('Thing')],
        attrs: {
          [iri('a')]: [
            { type: 'Property', value: 1.5, observedAt: at(1) },
            { type: 'Property', value: 'x', observedAt: at(2) },
            { type: 'JsonProperty', json: 3, observedAt: at(3) },
            { type: 'Property', value: -0, observedAt: at(4) },
          ],
        },
      }, at(9), false);
      const db = (store as unknown as { open(t: string, c: boolean): { db: Database.Database } }).open('', false).db;
      const nums = (): unknown[] => db.prepare('SELECT num FROM temporal ORDER BY ts').pluck().all();
      assert.deepEqual(nums(), [1.5, null, null, 0]);
      assert.ok(Object.is(nums()[3], 0));
      const te = (await store.getTemporal('', 'urn:x:n', { timeproperty: 'observedAt' }))!;
      const second = te.attrs[iri('a')][1].instanceId;
      assert.equal(await store.patchTemporalInstance('', 'urn:x:n', iri('a'), second, { type: 'Property', value: 7 }, at(10)), true);
      assert.deepEqual(nums(), [1.5, 7, null, 0]);
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store: the query plan of SQL aggregation', () => {
  class Recording extends StatementCache {
    readonly sqls = new Set<string>();
    override get(sql: string): Database.Statement<unknown[]> {
      this.sqls.add(sql);
      return super.get(sql);
    }
  }

  it('reads numeric histories from the covering index only, one index range per period, no sort', async () => {
    const store = createSqliteStore({ memory: true });
    try {
      const speed = Array.from({ length: 500 }, (_, i): Attribute => ({ type: 'Property', value: i / 3, observedAt: iso(START + i * 600_000) }));
      await store.appendTemporal('', { id: 'urn:x:car', type: [iri('Car')], attrs: { [iri('speed')]: speed } }, iso(START), false);
      const db = (store as unknown as { open(t: string, c: boolean): { db: Database.Database } }).open('', false).db;
      const statements = new Recording(db);
      const nameId = db.prepare('SELECT id FROM terms WHERE iri = ?').pluck().get(iri('speed')) as number;
      const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'totalCount,distinctCount,sum,avg,min,max,stddev,sumsq', aggrPeriodDuration: 'PT1H' });
      const q = { ...queryForView({ timeproperty: 'observedAt', timerel: 'between', timeAt: iso(START), endTimeAt: iso(START + SPAN) }, view), instanceLimit: 100 };
      const r = new TemporalAggregator(statements).aggregate(1, nameId, q);
      assert.equal(r.kind, 'done');
      assert.ok(statements.sqls.size >= 4);
      for (const sql of statements.sqls) {
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ e: 1, n: nameId, lo: 0, hi: 1, skip: 1, mean: 0, hiseq: 1 }) as Array<{ detail: string }>).map((p) => p.detail);
        assert.ok(plan.some((d) => /^SEARCH temporal USING COVERING INDEX temporal_by_entity \(entity=\? AND name_id=\? AND ts[<>]/.test(d)), `${sql}\n${plan.join('\n')}`);
        // DISTINCT keeps its own small B-tree; nothing else may sort.
        assert.ok(plan.every((d) => !/TEMP B-TREE/.test(d) || /DISTINCT/.test(d)), `${sql}\n${plan.join('\n')}`);
      }
    } finally {
      await store.close();
    }
  });
});

describe('SQLite store: schema migration to version 4 (num, covering temporal index)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('back-fills num from the documents of a version 3 database, and aggregates them in SQL', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-temporal-v3-'));
    dirs.push(dir);
    const file = path.join(dir, 'default.sqlite');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step);
    old.prepare('INSERT INTO schema_version (version) VALUES (3)').run();
    old.prepare("INSERT INTO terms (id, iri) VALUES (1, ?)").run(iri('speed'));
    old.prepare("INSERT INTO temporal_entities (id, types) VALUES ('urn:x:old', ?)").run(JSON.stringify([iri('Car')]));
    const insert = old.prepare(
      `INSERT INTO temporal (entity, name_id, dataset_id, instance_id, ts, observed_at, modified_at, created_at, doc, deleted_at)
       VALUES (1, 1, NULL, ?, ?, ?, ?, ?, ?, NULL)`,
    );
    const docs: Attribute[] = [0.1, 0.2, 3, 'fast', 1e21, 0.30000000000000004, -7.25].map((value, i) => ({ type: 'Property', value, observedAt: iso(START + i * 60_000) }));
    docs.forEach((d, i) => insert.run(`urn:i:${i}`, START + i * 60_000, d.observedAt, d.observedAt, d.observedAt, JSON.stringify(d)));
    old.close();

    const store = createSqliteStore({ dataDir: dir });
    try {
      const num = await answer(store, ['urn:x:old'], { timeproperty: 'observedAt', timerel: 'before', timeAt: iso(START + 3 * 60_000) }, 'sum,avg,stddev', 'PT1H', true);
      const mem = await answer(store, ['urn:x:old'], { timeproperty: 'observedAt', timerel: 'before', timeAt: iso(START + 3 * 60_000) }, 'sum,avg,stddev', 'PT1H', false);
      assert.equal(num.inSql, 1);
      assert.equal(num.body, mem.body);
      const all = await answer(store, ['urn:x:old'], { timeproperty: 'observedAt' }, 'max', undefined, true);
      assert.equal(all.inSql, 0); // 'fast' is not a number: the whole range goes to memory
    } finally {
      await store.close();
    }
    const check = new Database(file, { readonly: true });
    assert.equal(check.prepare('SELECT version FROM schema_version').pluck().get(), SCHEMA_VERSION);
    assert.deepEqual(check.prepare('SELECT num FROM temporal ORDER BY ts').pluck().all(), [0.1, 0.2, 3, null, 1e21, 0.30000000000000004, -7.25]);
    assert.match(check.prepare("SELECT sql FROM sqlite_master WHERE name = 'temporal_by_entity'").pluck().get() as string, /\(entity, name_id, ts, seq, num, dataset_id\)/);
    check.close();
  });
});
