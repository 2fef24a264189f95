/**
 * The SQL translation must select exactly what the in-memory matcher selects (filter-sql.ts
 * claims `exact` for most filters and then trusts SQLite alone). Random q terms over the
 * contract dataset, every operator against every kind of target value, are run through both.
 */
import assert from 'node:assert/strict';
import type { Entity } from '../../src/ngsi/entity';
import type { CompareOp, EntityFilter, QNode, QValue } from '../../src/ngsi/query/ast';
import { compileFilter } from '../../src/ngsi/query/matcher';
import type { EntityStore } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';
import { translateFilter } from '../../src/store/sqlite/filter-sql';
import { putAll } from './contract';
import { DEVICE_1, dataset } from './dataset';
import { and, bool, cmp, date, exists, iri, list, matches, num, or, range, scope, str, type, uri } from './fixtures';

const ATTRS = [
  'temperature', 'name', 'active', 'observed', 'controlledBy', 'tags', 'category', 'label', 'raw',
  'readings', 'since', 'opens', 'battery', 'config', 'address', 'nothing',
];
const VALUES: QValue[] = [
  num(15), num(25), num(18), num(20.5), num(0), num(100), num(42), num(2),
  str('25'), str('alpha'), str('beta'), str('pompe'), str('green'), str('b'), str(''), str('zz'),
  bool(true), bool(false), uri(DEVICE_1), uri('urn:x:none'),
  { kind: 'string', value: 'Actuator', expanded: iri('Actuator') },
  date('2024-01-10T10:00:00Z'), date('2023-01-01'), date('2024-02-01T00:00:00+02:00'),
  { kind: 'dateTime', value: '09:00:00Z', epochMs: 9 * 3_600_000 },
  range(num(10), num(20)), range(str('a'), str('c')), range(date('2023-01-01'), date('2024-02-01')),
  range(num(1), str('z')), list(num(15), str('alpha')), list(str('red'), str('pump')), list(),
  list(range(num(0), num(16)), bool(true)),
];
const OPS: CompareOp[] = ['==', '!=', '>', '>=', '<', '<='];
const REGEXES = ['^a', 'e', '(?i)P', 'urn', '^$'];

/** Deterministic, so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** 400 copies of the dataset: atoms then list thousands of rows, so pages take the dense path. */
function replicated(): Entity[] {
  const out: Entity[] = [];
  for (let copy = 0; copy < 400; copy++) {
    for (const e of dataset()) out.push({ ...e, id: `${e.id}:${copy}` });
  }
  return out;
}

for (const [name, entities, runs] of [['the contract dataset', dataset(), 600], ['3200 entities', replicated(), 150]] as const) {
  describe(`SQL translation agrees with the matcher on ${name}`, () => {
    let store: EntityStore;
    const pick = random(42);
    const oneOf = <T>(items: T[]): T => items[Math.floor(pick() * items.length)];

    function term(): QNode {
      const r = pick();
      if (r < 0.7) return cmp(oneOf(ATTRS), oneOf(OPS), oneOf(VALUES));
      if (r < 0.9) return matches(oneOf(ATTRS), oneOf(REGEXES), pick() < 0.4);
      return exists(oneOf(ATTRS));
    }
    function filter(): EntityFilter {
      const r = pick();
      const q = r < 0.5 ? term() : r < 0.75 ? and(term(), term()) : or(term(), and(term(), term()));
      const f: EntityFilter = { q };
      if (pick() < 0.3) f.type = type(oneOf(['Sensor', 'Device']));
      if (pick() < 0.2) f.scopeQ = scope(oneOf(['/Madrid/#', '/+', '/Madrid/+/#', '/#']));
      return f;
    }

    before(async () => {
      store = createSqliteStore({ memory: true });
      await putAll(store, '', entities);
    });
    after(() => store.close());

    it(`on ${runs} random filters, in pages and counts`, async () => {
      let exact = 0;
      for (let i = 0; i < runs; i++) {
        const f = filter();
        const expected = entities.filter(compileFilter(f)).map((e) => e.id);
        const all = await store.queryEntities('', f, { limit: 10_000, offset: 0, count: true });
        const why = JSON.stringify(f);
        assert.deepEqual(all.entities.map((e) => e.id), expected, why);
        assert.equal(all.count, expected.length, why);
        const page = await store.queryEntities('', f, { limit: 2, offset: 1, count: false });
        assert.deepEqual(page.entities.map((e) => e.id), expected.slice(1, 3), why);
        if (translateFilter(f, (iri) => iri.length).exact) exact++;
      }
      // Most random terms must take the pure-SQL path, or this test proves little about it.
      assert.ok(exact > runs * 0.8, `only ${exact} of ${runs} filters were exact in SQL`);
    });
  });
}
