import assert from 'node:assert/strict';
import { changeTriggers, deepEqual, type SubscriptionChange } from '../../../src/ngsi/subscription/triggers';
import { building, prop, rel, v } from './fixtures';

const T1 = '2024-01-02T00:00:00Z';
const T2 = '2024-01-03T00:00:00Z';

const summary = (change: SubscriptionChange) => {
  const t = changeTriggers(change);
  return { entity: t.entityTrigger, instances: t.instances.map((i) => `${i.trigger} ${i.attr.replace(v(''), '')}${i.datasetId ? `#${i.datasetId}` : ''}`) };
};

describe('ngsi/subscription changeTriggers (clause 5.2.12 notificationTrigger)', () => {
  it('create: entityCreated and attributeCreated for every instance', () => {
    const e = building({ speed: prop(1), owner: rel('urn:x:1'), temp: [prop(1), prop(2, { datasetId: 'urn:ds:2' })] });
    assert.deepEqual(summary({ kind: 'create', entity: e }), {
      entity: 'entityCreated', instances: ['attributeCreated speed', 'attributeCreated owner', 'attributeCreated temp', 'attributeCreated temp#urn:ds:2'],
    });
  });

  it('delete: entityDeleted only, evaluated on the last state', () => {
    const e = building({ speed: prop(1) });
    const t = changeTriggers({ kind: 'delete', previous: e });
    assert.equal(t.entityTrigger, 'entityDeleted');
    assert.deepEqual(t.instances, []);
    assert.equal(t.subject, e);
  });

  it('update: created, updated and deleted per attribute instance, and entityUpdated', () => {
    const before = building({ speed: prop(1, { modifiedAt: T1 }), gone: prop(1), temp: [prop(1), prop(2, { datasetId: 'urn:ds:2' })] });
    const after = building({ speed: prop(2, { modifiedAt: T2 }), added: prop(1), temp: [prop(1), prop(3, { datasetId: 'urn:ds:3' })] });
    assert.deepEqual(summary({ kind: 'update', entity: after, previous: before }), {
      entity: 'entityUpdated',
      instances: ['attributeUpdated speed', 'attributeCreated added', 'attributeCreated temp#urn:ds:3', 'attributeDeleted gone', 'attributeDeleted temp#urn:ds:2'],
    });
    const t = changeTriggers({ kind: 'update', entity: after, previous: before });
    assert.deepEqual([...t.changed].sort(), [v('added'), v('gone'), v('speed'), v('temp')]);
    assert.equal(t.instances.find((i) => i.trigger === 'attributeUpdated')?.previous?.value, 1);
  });

  it('update: writing the same value again is an update (new modifiedAt)', () => {
    const before = building({ speed: prop(5, { modifiedAt: T1 }) });
    const after = building({ speed: prop(5, { modifiedAt: T2 }) });
    assert.deepEqual(summary({ kind: 'update', entity: after, previous: before }).instances, ['attributeUpdated speed']);
  });

  it('update: an instance not written (same object, or same content and modifiedAt) did not change', () => {
    const speed = prop(5, { modifiedAt: T1 });
    const before = building({ speed, other: prop({ a: 1, b: [1, 2] }, { modifiedAt: T1 }) });
    const after = building({ speed, other: prop({ b: [1, 2], a: 1 }, { modifiedAt: T1 }) });
    assert.deepEqual(summary({ kind: 'update', entity: after, previous: before }), { entity: undefined, instances: [] });
  });

  it('update: content changes count even without timestamps', () => {
    const before = building({ speed: prop(5) });
    const after = building({ speed: prop(5, { unitCode: 'KMH' }) });
    assert.deepEqual(summary({ kind: 'update', entity: after, previous: before }).instances, ['attributeUpdated speed']);
  });

  it('update: a change of scope or type alone is an entityUpdated without attribute triggers', () => {
    const before = building({ speed: prop(5) });
    assert.deepEqual(summary({ kind: 'update', entity: { ...before, scope: ['/A'] }, previous: before }), { entity: 'entityUpdated', instances: [] });
    assert.deepEqual(summary({ kind: 'update', entity: { ...before, type: [v('Building'), v('Tower')] }, previous: before }).entity, 'entityUpdated');
  });

  it('update without previous state (periodic): every instance counts as updated', () => {
    assert.deepEqual(summary({ kind: 'update', entity: building({ speed: prop(5) }) }), { entity: 'entityUpdated', instances: ['attributeUpdated speed'] });
  });

  it('is computed once per change and shared', () => {
    const change: SubscriptionChange = { kind: 'create', entity: building({ speed: prop(1) }) };
    assert.equal(changeTriggers(change), changeTriggers(change));
  });

  it('deepEqual ignores member order and undefined members', () => {
    assert.equal(deepEqual({ a: 1, b: { c: [1, { d: 2 }] } }, { b: { c: [1, { d: 2 }] }, a: 1 }), true);
    assert.equal(deepEqual({ a: 1, x: undefined }, { a: 1 }), true);
    assert.equal(deepEqual({ a: [1, 2] }, { a: [2, 1] }), false);
    assert.equal(deepEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(deepEqual([1], { 0: 1 }), false);
  });
});
