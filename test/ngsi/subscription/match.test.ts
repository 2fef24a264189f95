import assert from 'node:assert/strict';
import { LOCATION_IRI, type Entity } from '../../../src/ngsi/entity';
import { compileSubscription, selectorKeys } from '../../../src/ngsi/subscription/match';
import type { SubscriptionChange } from '../../../src/ngsi/subscription/triggers';
import { building, NOW_MS, prop, sub, v } from './fixtures';

const T1 = '2024-01-02T00:00:00Z';
const T2 = '2024-01-03T00:00:00Z';

const create = (e: Entity): SubscriptionChange => ({ kind: 'create', entity: e });
const remove = (e: Entity): SubscriptionChange => ({ kind: 'delete', previous: e });
const update = (previous: Entity, entity: Entity): SubscriptionChange => ({ kind: 'update', entity, previous });
const matches = (over: Record<string, unknown>, change: SubscriptionChange, nowMs = NOW_MS) =>
  compileSubscription(sub(over)).matches(change, nowMs);

const before = building({ speed: prop(1, { modifiedAt: T1 }), temp: prop(20, { modifiedAt: T1 }), gone: prop(0) });
const speedUpdated = update(before, building({ speed: prop(2, { modifiedAt: T2 }), temp: prop(20, { modifiedAt: T1 }), gone: prop(0) }));
const tempUpdated = update(before, building({ speed: prop(1, { modifiedAt: T1 }), temp: prop(21, { modifiedAt: T2 }), gone: prop(0) }));
const added = update(before, building({ speed: prop(1, { modifiedAt: T1 }), temp: prop(20, { modifiedAt: T1 }), gone: prop(0), extra: prop(1) }));
const deletedAttr = update(before, building({ speed: prop(1, { modifiedAt: T1 }), temp: prop(20, { modifiedAt: T1 }) }));

describe('ngsi/subscription compileSubscription matches (clause 5.2.12)', () => {
  describe('notificationTrigger', () => {
    it('the default (attributeCreated, attributeUpdated) notifies creations and updates, not deletions', () => {
      assert.equal(matches({}, create(before)), true);
      assert.equal(matches({}, speedUpdated), true);
      assert.equal(matches({}, added), true);
      assert.equal(matches({}, deletedAttr), false);
      assert.equal(matches({}, remove(before)), false);
    });
    it('each trigger fires for its own kind of change only', () => {
      const only = (t: string) => ({ notificationTrigger: [t] });
      assert.deepEqual(
        [create(before), speedUpdated, added, deletedAttr, remove(before)].map((c) => [
          matches(only('entityCreated'), c), matches(only('entityUpdated'), c), matches(only('entityDeleted'), c),
          matches(only('attributeCreated'), c), matches(only('attributeUpdated'), c), matches(only('attributeDeleted'), c),
        ]),
        [
          [true, false, false, true, false, false], // create
          [false, true, false, false, true, false], // attribute updated
          [false, true, false, true, false, false], // attribute added
          [false, true, false, false, false, true], // attribute deleted
          [false, false, true, false, false, false], // entity deleted
        ],
      );
    });
    it('an update that writes nothing fires nothing', () => {
      assert.equal(matches({ notificationTrigger: ['entityUpdated', 'attributeUpdated'] }, update(before, before)), false);
    });
  });

  describe('watchedAttributes', () => {
    const watch = (over: Record<string, unknown> = {}) => ({ watchedAttributes: ['speed'], ...over });
    it('attribute triggers count only for watched attributes', () => {
      assert.equal(matches(watch(), speedUpdated), true);
      assert.equal(matches(watch(), tempUpdated), false);
      assert.equal(matches(watch(), added), false);
      assert.equal(matches(watch({ notificationTrigger: ['attributeDeleted'], watchedAttributes: ['gone'] }), deletedAttr), true);
    });
    it('entityUpdated needs a watched attribute among the changed ones', () => {
      assert.equal(matches(watch({ notificationTrigger: ['entityUpdated'] }), speedUpdated), true);
      assert.equal(matches(watch({ notificationTrigger: ['entityUpdated'] }), tempUpdated), false);
    });
    it('entityCreated / entityDeleted need the entity to have a watched attribute', () => {
      assert.equal(matches(watch({ notificationTrigger: ['entityCreated'] }), create(before)), true);
      assert.equal(matches(watch({ notificationTrigger: ['entityCreated'], watchedAttributes: ['nope'] }), create(before)), false);
      assert.equal(matches(watch({ notificationTrigger: ['entityDeleted'] }), remove(before)), true);
      assert.equal(matches(watch({ notificationTrigger: ['entityDeleted'], watchedAttributes: ['nope'] }), remove(before)), false);
    });
    it('creation notifies through attributeCreated only when a watched attribute is created', () => {
      assert.equal(matches(watch(), create(before)), true);
      assert.equal(matches(watch({ watchedAttributes: ['nope'] }), create(before)), false);
    });
    it('work without entities', () => {
      assert.equal(matches({ entities: undefined, watchedAttributes: ['speed'] }, speedUpdated), true);
      assert.equal(matches({ entities: undefined, watchedAttributes: ['speed'] }, tempUpdated), false);
    });
  });

  describe('filter', () => {
    it('type: by expanded IRI, with type expressions', () => {
      assert.equal(matches({ entities: [{ type: 'Building' }] }, create(before)), true);
      assert.equal(matches({ entities: [{ type: 'Road' }] }, create(before)), false);
      assert.equal(matches({ entities: [{ type: 'Road|Building' }] }, create(before)), true);
      assert.equal(matches({ entities: [{ type: 'Road;Building' }] }, create(before)), false);
    });
    it('id and idPattern, any selector matching', () => {
      assert.equal(matches({ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:1' }] }, create(before)), true);
      assert.equal(matches({ entities: [{ type: 'Building', id: 'urn:ngsi-ld:Building:2' }] }, create(before)), false);
      assert.equal(matches({ entities: [{ type: 'Building', idPattern: 'Building:[0-9]$' }] }, create(before)), true);
      assert.equal(matches({ entities: [{ type: 'Building', idPattern: '^urn:other' }] }, create(before)), false);
      assert.equal(matches({ entities: [{ type: 'Road' }, { type: 'Building', idPattern: ':1$' }] }, create(before)), true);
    });
    it('q on the new state (the last state for a deletion)', () => {
      assert.equal(matches({ q: 'speed==2' }, speedUpdated), true);
      assert.equal(matches({ q: 'speed==1' }, speedUpdated), false);
      assert.equal(matches({ q: 'gone', notificationTrigger: ['entityDeleted'] }, remove(before)), true);
      assert.equal(matches({ q: 'speed>5', notificationTrigger: ['entityDeleted'] }, remove(before)), false);
    });
    it('geoQ on the geoproperty', () => {
      const here = building({ [LOCATION_IRI]: { type: 'GeoProperty', value: { type: 'Point', coordinates: [2.35, 48.85] } } });
      const near = (d: number) => ({ geoQ: { geometry: 'Point', coordinates: [2.35, 48.86], georel: `near;maxDistance==${d}` } });
      assert.equal(matches(near(2000), create(here)), true);
      assert.equal(matches(near(500), create(here)), false);
    });
    it('scopeQ on the scopes', () => {
      const scoped = building({ speed: prop(1) }, { scope: ['/Madrid/Centro'] });
      assert.equal(matches({ scopeQ: '/Madrid/#' }, create(scoped)), true);
      assert.equal(matches({ scopeQ: '/Paris/#' }, create(scoped)), false);
    });
  });

  describe('state', () => {
    it('a paused subscription matches nothing', () => {
      assert.equal(matches({ isActive: false }, create(before)), false);
    });
    it('an expired subscription matches nothing from its expiresAt on', () => {
      const expiresAt = '2024-06-01T13:00:00Z';
      assert.equal(matches({ expiresAt }, create(before), Date.parse(expiresAt) - 1), true);
      assert.equal(matches({ expiresAt }, create(before), Date.parse(expiresAt)), false);
    });
    it('a periodic (timeInterval) subscription never matches changes', () => {
      assert.equal(matches({ timeInterval: 10 }, create(before)), false);
    });
    it('a change without any entity state matches nothing', () => {
      assert.equal(matches({ notificationTrigger: ['entityDeleted'] }, { kind: 'delete' }), false);
    });
  });
});

describe('ngsi/subscription selectorKeys', () => {
  const keys = (over: Record<string, unknown>) => selectorKeys(sub(over));
  it('gives the ids when every selector names one', () => {
    assert.deepEqual(keys({ entities: [{ type: 'A', id: 'urn:x:1' }, { type: 'B', id: 'urn:x:2' }] }), {
      ids: ['urn:x:1', 'urn:x:2'], types: [v('A'), v('B')],
    });
    assert.deepEqual(keys({ entities: [{ type: 'A', id: 'urn:x:1' }, { type: 'B' }] }).ids, undefined);
  });
  it('gives the types of plain types and ORs, and one necessary type of an AND', () => {
    assert.deepEqual(keys({ entities: [{ type: 'A|B' }, { type: 'C' }] }).types, [v('A'), v('B'), v('C')]);
    assert.deepEqual(keys({ entities: [{ type: 'A;B' }] }).types, [v('A')]);
    assert.deepEqual(keys({ entities: [{ type: '(A|B);C' }] }).types, [v('A'), v('B')]);
  });
  it('is unrestricted without entities', () => {
    assert.deepEqual(keys({ entities: undefined, watchedAttributes: ['a'] }), { ids: undefined, types: undefined });
  });
});
