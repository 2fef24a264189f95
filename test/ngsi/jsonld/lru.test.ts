import assert from 'node:assert/strict';
import { Lru } from '../../../src/ngsi/jsonld/lru';

describe('ngsi/jsonld Lru', () => {
  it('evicts the least recently used entry, counting reads as use', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    assert.equal(lru.get('a'), 1);
    lru.set('c', 3);
    assert.equal(lru.get('b'), undefined);
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.get('c'), 3);
    assert.equal(lru.size, 2);
  });

  it('removes entries matching a predicate', () => {
    const lru = new Lru<string, number>(5);
    for (const [k, v] of [['a', 1], ['b', 2], ['c', 3]] as const) lru.set(k, v);
    assert.equal(lru.deleteWhere((v) => v % 2 === 1), 2);
    assert.equal(lru.get('b'), 2);
    assert.equal(lru.size, 1);
  });

  it('refuses a capacity below one', () => {
    assert.throws(() => new Lru(0), /at least 1/);
  });
});
