import { strict as assert } from 'node:assert';
import type { Entity } from '../../src/ngsi/entity';
import type { EntitySelector } from '../../src/ngsi/query/ast';
import { SubscriptionIndex } from '../../src/notify/subscription-index';

const T = 'https://example.org/T';
const U = 'https://example.org/U';

function sub(id: string, selectors?: EntitySelector[]) {
  return { item: { id }, filter: { selectors } };
}

function entity(id: string, types: string[]): Entity {
  return { id, type: types, createdAt: 'x', modifiedAt: 'x', attrs: {} };
}

const ids = (set: ReadonlySet<{ id: string }>): string[] => [...set].map((s) => s.id).sort();

describe('notify: subscription index (candidate selection)', () => {
  it('files subscriptions by entity id, by type, or as unrestricted, and returns each candidate once', () => {
    const index = new SubscriptionIndex<{ id: string }>();
    for (const s of [
      sub('byId', [{ ids: ['urn:x:1'], type: { kind: 'type', iri: T } }]),
      sub('byType', [{ type: { kind: 'type', iri: T } }]),
      sub('byEitherType', [{ type: { kind: 'or', items: [{ kind: 'type', iri: T }, { kind: 'type', iri: U }] } }]),
      sub('any'),
    ]) index.add(s.item, s);
    assert.deepEqual(ids(index.candidates(entity('urn:x:1', [T]))), ['any', 'byEitherType', 'byId', 'byType']);
    assert.deepEqual(ids(index.candidates(entity('urn:x:2', [U]))), ['any', 'byEitherType']);
    // An entity of both types meets byEitherType twice, and still gets it once.
    assert.deepEqual(ids(index.candidates(entity('urn:x:3', [T, U]))), ['any', 'byEitherType', 'byType']);
  });

  it('forgets a removed or replaced subscription in every bucket', () => {
    const index = new SubscriptionIndex<{ id: string }>();
    const s = sub('s', [{ ids: ['urn:x:1'], type: { kind: 'type', iri: T } }]);
    index.add(s.item, s);
    const moved = sub('s', [{ type: { kind: 'type', iri: U } }]);
    index.add(moved.item, moved);
    assert.deepEqual(ids(index.candidates(entity('urn:x:1', [T]))), []);
    assert.deepEqual(ids(index.candidates(entity('urn:x:9', [U]))), ['s']);
    index.remove('s');
    assert.equal(index.size, 0);
    assert.deepEqual(ids(index.candidates(entity('urn:x:9', [U]))), []);
  });
});
