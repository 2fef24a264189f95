/**
 * The EntityStore contract (src/store/port.ts): one suite every adapter runs unchanged
 * (STYLE.md 8). `makeStore` returns a fresh, empty store; the suite closes it.
 */
import assert from 'node:assert/strict';
import type { Entity } from '../../src/ngsi/entity';
import { NgsiError } from '../../src/ngsi/errors';
import type { EntityFilter } from '../../src/ngsi/query/ast';
import type { DeliveryStatus, Subscription } from '../../src/ngsi/subscription/model';
import type { Device, PendingCommand, ServiceGroup } from '../../src/devices/model';
import type { EntityStore, EntityWrite, StoredContext } from '../../src/store/port';
import {
  BUILDING_1, DEVICE_1, DEVICE_2, SENSOR_1, SENSOR_2, SENSOR_3, SENSOR_4, SENSOR_5, dataset,
} from './dataset';
import {
  and, bool, cmp, date, entity, exists, iri, list, LOCATION, matches, num, or, path, point, polygon, prop,
  range, scope, str, type, typeAnd, typeOr, uri,
} from './fixtures';

const ALL = { limit: 1000, offset: 0, count: false };

export async function putAll(store: EntityStore, tenant: string, entities: Entity[]): Promise<void> {
  await store.modify(tenant, entities.map((e) => e.id), () => ({
    writes: entities.map((e) => ({ op: 'put' as const, entity: e })),
    result: undefined,
  }));
}

async function idsOf(store: EntityStore, filter: EntityFilter, tenant = ''): Promise<string[]> {
  return (await store.queryEntities(tenant, filter, ALL)).entities.map((e) => e.id);
}

/** A subscription as the broker hands it to a store (plain JSON, names expanded). */
export function subscription(id: string, more: Partial<Subscription> = {}): Subscription {
  return {
    id,
    entities: [{ type: 'Sensor' }],
    notificationTrigger: ['attributeCreated', 'attributeUpdated'],
    q: 'temperature>20',
    isActive: true,
    notification: {
      format: 'normalized',
      sysAttrs: false,
      showChanges: false,
      endpoint: { uri: 'http://receiver.example/notify', accept: 'application/json', receiverInfo: [{ key: 'k', value: 'v' }] },
    },
    filter: { selectors: [{ type: type('Sensor') }], q: cmp('temperature', '>', num(20)) },
    context: 'https://example.org/context.jsonld',
    createdAt: '2024-05-01T00:00:00Z',
    modifiedAt: '2024-05-01T00:00:00Z',
    delivery: { timesSent: 0, timesFailed: 0 },
    ...more,
  };
}

/** A service group as the broker hands it to a store (validated, names expanded). */
export function serviceGroup(apikey: string, more: Partial<ServiceGroup> = {}): ServiceGroup {
  return {
    apikey,
    entityType: iri('Sensor'),
    attributes: [
      { objectId: 't', name: iri('temperature'), kind: 'Property', valueType: 'Number', unitCode: 'CEL' },
      { objectId: 'l', name: LOCATION, kind: 'GeoProperty', valueType: 'geo:point' },
    ],
    staticAttributes: [
      { name: iri('site'), attribute: { type: 'Property', value: { building: 'B1', floors: [1, 2, { roof: true }], note: null } } },
      { name: LOCATION, attribute: point(-3.7, 40.41) },
    ],
    commands: [{ name: iri('reboot'), objectId: 'reboot' }],
    payload: 'json',
    autoprovision: true,
    unknownKeys: 'store',
    credentials: { passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', publicKeys: [{ kty: 'OKP', kid: 'k1', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }] },
    createdAt: '2024-05-01T00:00:00Z',
    modifiedAt: '2024-05-01T00:00:00Z',
    ...more,
  };
}

/** A device as the broker hands it to a store. */
export function device(deviceId: string, apikey: string, more: Partial<Device> = {}): Device {
  return {
    deviceId,
    apikey,
    entityId: `urn:ngsi-ld:Sensor:${deviceId}`,
    entityType: iri('Sensor'),
    payload: 'ul',
    attributes: [{ objectId: 'h', name: iri('humidity'), kind: 'Property', valueType: 'Integer' }],
    staticAttributes: [{ name: iri('owner'), attribute: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1', datasetId: 'urn:d:1' } }],
    commands: [{ name: iri('open'), objectId: 'o' }],
    credentials: { publicKeys: [{ kty: 'EC', kid: 'thumb', crv: 'P-256', x: 'x-coord', y: 'y-coord' }] },
    autoprovisioned: false,
    createdAt: '2024-05-01T00:00:00Z',
    modifiedAt: '2024-05-01T00:00:00Z',
    ...more,
  };
}

/** A pending command as the gateway hands it to a store. */
export function pendingCommand(id: string, deviceId: string, more: Partial<PendingCommand> = {}): PendingCommand {
  return {
    id,
    deviceId,
    name: iri('open'),
    value: { angle: 90, steps: [1, 2.5], label: 'ünï' },
    status: 'PENDING',
    attempts: 1,
    createdAt: '2024-05-01T00:00:00Z',
    expiresAt: '2024-05-01T00:05:00Z',
    ...more,
  };
}

/** Commits `writes` as one modification and returns them (the store sets their outboxSeq). */
async function commitWrites(store: EntityStore, tenant: string, writes: EntityWrite[]): Promise<EntityWrite[]> {
  await store.modify(tenant, [], () => ({ writes, result: undefined }));
  return writes;
}

/** [what it shows, filter, expected ids in creation order] */
type FilterCase = [string, EntityFilter, string[]];

const MADRID = { type: 'Point' as const, coordinates: [-3.7, 40.41] };
const PARIS = { type: 'Point' as const, coordinates: [2.35, 48.85] };
const IBERIA = polygon([[-10, 36], [4, 36], [4, 44], [-10, 44], [-10, 36]]);

export const FILTER_CASES: FilterCase[] = [
  ['no filter selects everything', {}, [SENSOR_1, SENSOR_2, SENSOR_3, DEVICE_1, DEVICE_2, BUILDING_1, SENSOR_4, SENSOR_5]],
  ['ids, in creation order, unknown ids ignored', { ids: [DEVICE_1, SENSOR_2, 'urn:x:none'] }, [SENSOR_2, DEVICE_1]],
  ['a single id', { ids: [SENSOR_3] }, [SENSOR_3]],
  ['idPattern', { idPattern: '^urn:ngsi-ld:Device:' }, [DEVICE_1, DEVICE_2]],
  ['idPattern with (?i)', { idPattern: '(?i)SENSOR:1$' }, [SENSOR_1]],
  ['a type', { type: type('Sensor') }, [SENSOR_1, SENSOR_2, SENSOR_3, SENSOR_4, SENSOR_5]],
  ['a type nobody has', { type: type('Nope') }, []],
  ['types or-ed', { type: typeOr(type('Building'), type('Device')) }, [SENSOR_3, DEVICE_1, DEVICE_2, BUILDING_1]],
  ['types and-ed', { type: typeAnd(type('Sensor'), type('Device')) }, [SENSOR_3]],
  ['ids and type together', { ids: [SENSOR_3, DEVICE_1, BUILDING_1], type: type('Device') }, [SENSOR_3, DEVICE_1]],
  ['selectors or-ed, each and-ing its members', { selectors: [{ ids: [SENSOR_1] }, { idPattern: ':Sensor:', type: type('Device') }, { type: type('Building') }] }, [SENSOR_1, SENSOR_3, BUILDING_1]],
  ['selectors and-ed with q', { selectors: [{ type: type('Sensor') }, { ids: [DEVICE_2] }], q: cmp('temperature', '>', num(20)) }, [SENSOR_1, SENSOR_3, SENSOR_5]],
  ['attrs: one attribute', { attrs: [iri('battery')] }, [DEVICE_1, DEVICE_2]],
  ['attrs: any of several', { attrs: [iri('battery'), iri('address')] }, [DEVICE_1, DEVICE_2, BUILDING_1]],
  ['q number >, any instance, never a numeric string', { q: cmp('temperature', '>', num(20)) }, [SENSOR_1, SENSOR_3, SENSOR_5]],
  ['q number ==', { q: cmp('temperature', '==', num(15)) }, [SENSOR_2]],
  ['q number <=', { q: cmp('battery', '<=', num(5)) }, [DEVICE_2]],
  ['q number range', { q: cmp('temperature', '==', range(num(15), num(20))) }, [SENSOR_2, SENSOR_3]],
  ['q number list', { q: cmp('temperature', '==', list(num(15), num(25))) }, [SENSOR_1, SENSOR_2]],
  ['q and of terms, each on any instance', { q: and(cmp('temperature', '>=', num(18)), cmp('temperature', '<=', num(20.5))) }, [SENSOR_3, SENSOR_5]],
  ['q or of terms', { q: or(cmp('battery', '<', num(10)), cmp('temperature', '==', num(15))) }, [SENSOR_2, DEVICE_2]],
  ['q string ==', { q: cmp('name', '==', str('beta')) }, [SENSOR_2]],
  ['q string > (lexical)', { q: cmp('name', '>', str('delta')) }, [SENSOR_3, SENSOR_4]],
  ['q string list', { q: cmp('name', '==', list(str('alpha'), str('delta'))) }, [SENSOR_1, DEVICE_1]],
  ['q string range', { q: cmp('name', '==', range(str('b'), str('e'))) }, [SENSOR_2, DEVICE_1]],
  ['q quoted number string matches the string only', { q: cmp('temperature', '==', str('25')) }, [SENSOR_4]],
  ['q boolean true', { q: cmp('active', '==', bool(true)) }, [SENSOR_1]],
  ['q boolean false', { q: cmp('active', '==', bool(false)) }, [SENSOR_2]],
  ['q date-time >', { q: cmp('observed', '>', date('2024-02-01T00:00:00Z')) }, [SENSOR_2]],
  ['q date-time == compares instants', { q: cmp('observed', '==', date('2024-01-10T11:00:00+01:00')) }, [SENSOR_1]],
  ['q date range', { q: cmp('observed', '==', range(date('2024-01-01'), date('2024-02-01'))) }, [SENSOR_1]],
  ['q relationship object', { q: cmp('controlledBy', '==', uri(DEVICE_1)) }, [SENSOR_1]],
  ['q array value: any element', { q: cmp('tags', '==', str('blue')) }, [SENSOR_1]],
  ['q array value with a list', { q: cmp('tags', '==', list(str('green'), str('red'))) }, [SENSOR_1, SENSOR_5]],
  ['q pattern', { q: matches('name', '^[ab]') }, [SENSOR_1, SENSOR_2]],
  ['q negated pattern: a string target exists and none matches', { q: matches('name', 'a$', true) }, [SENSOR_4]],
  ['q pattern never tests a Relationship object', { q: matches('controlledBy', 'Device') }, []],
  ['q != : the target exists and no value equals', { q: cmp('temperature', '!=', num(25)) }, [SENSOR_2, SENSOR_3, SENSOR_4, SENSOR_5]],
  ['q != : one equal instance is enough to exclude', { q: cmp('temperature', '!=', num(18)) }, [SENSOR_1, SENSOR_2, SENSOR_4, SENSOR_5]],
  ['q != on strings', { q: cmp('name', '!=', str('alpha')) }, [SENSOR_2, SENSOR_3, DEVICE_1, BUILDING_1, SENSOR_4]],
  ['q != on an array value: no element equals', { q: cmp('tags', '!=', str('red')) }, [SENSOR_5]],
  ['q != with a range', { q: cmp('temperature', '!=', range(num(15), num(20))) }, [SENSOR_1, SENSOR_4, SENSOR_5]],
  ['q list mixing numbers and strings', { q: cmp('temperature', '==', list(num(15), str('25'))) }, [SENSOR_2, SENSOR_4]],
  ['q LanguageProperty: any language value', { q: cmp('label', '==', str('pompe')) }, [DEVICE_2]],
  ['q pattern on a LanguageProperty', { q: matches('label', '^pu') }, [DEVICE_2]],
  ['q scalar JsonProperty', { q: cmp('raw', '>', num(40)) }, [DEVICE_2]],
  ['q ListProperty: any element', { q: cmp('readings', '==', num(2)) }, [SENSOR_5]],
  ['q typed DateTime value', { q: cmp('since', '<', date('2024-01-01T00:00:00Z')) }, [SENSOR_3]],
  ['q time of day', { q: cmp('opens', '<', { kind: 'dateTime', value: '09:00:00Z', epochMs: 9 * 3_600_000 }) }, [SENSOR_2]],
  ['q ordering never applies to Relationship objects', { q: cmp('controlledBy', '>', str('a')) }, []],
  ['q ordering never applies to VocabProperty IRIs', { q: cmp('category', '>', str('a')) }, []],
  ['q ordering on booleans never matches', { q: cmp('active', '>', bool(false)) }, []],
  ['q exists on a sub-attribute', { q: exists(path('temperature', [iri('accuracy')])) }, [SENSOR_2]],
  ['q string ordering beyond the BMP', { q: cmp('name', '<', str('\u{1F600}')) }, [SENSOR_1, SENSOR_2, SENSOR_3, DEVICE_1, BUILDING_1, SENSOR_4]],
  ['empty ids select nothing', { ids: [] }, []],
  ['q pattern with (?i)', { q: matches('name', '(?i)^ALPHA') }, [SENSOR_1]],
  ['q exists', { q: exists('battery') }, [DEVICE_1, DEVICE_2]],
  ['q VocabProperty value (expanded)', { q: cmp('category', '==', { kind: 'string', value: 'Actuator', expanded: iri('Actuator') }) }, [DEVICE_2]],
  ['q sub-attribute', { q: cmp(path('temperature', [iri('accuracy')]), '<', num(1)) }, [SENSOR_2]],
  ['q unitCode member', { q: cmp(path('temperature', ['unitCode']), '==', str('CEL')) }, [SENSOR_2]],
  ['q compound value key', { q: cmp(path('address', [], ['city']), '==', str('Paris')) }, [BUILDING_1]],
  ['scope exact', { scopeQ: scope('/Madrid') }, [DEVICE_1]],
  ['scope with descendants', { scopeQ: scope('/Madrid/#') }, [SENSOR_1, SENSOR_2, DEVICE_1]],
  ['scope one level wildcard', { scopeQ: scope('/Madrid/+') }, [SENSOR_1]],
  ['scope any', { scopeQ: scope('/#') }, [SENSOR_1, SENSOR_2, SENSOR_3, DEVICE_1]],
  ['scope or', { scopeQ: { kind: 'or', items: [scope('/Barcelona'), scope('/Madrid/Gardens')] } }, [SENSOR_1, SENSOR_3]],
  ['geo near with maxDistance (10 km of Paris)', {
    type: type('Sensor'),
    geoQ: { georel: 'near', maxDistance: 10_000, geometry: PARIS, geoproperty: LOCATION },
  }, [SENSOR_1]],
  ['geo near with maxDistance (700 km of Madrid)', {
    geoQ: { georel: 'near', maxDistance: 700_000, geometry: MADRID, geoproperty: LOCATION },
  }, [SENSOR_2, SENSOR_3]],
  ['geo near with minDistance', {
    type: type('Sensor'),
    geoQ: { georel: 'near', minDistance: 700_000, geometry: MADRID, geoproperty: LOCATION },
  }, [SENSOR_1]],
  ['geo within', { geoQ: { georel: 'within', geometry: IBERIA, geoproperty: LOCATION } }, [SENSOR_2, SENSOR_3]],
  ['geo intersects a polygon', {
    geoQ: { georel: 'intersects', geometry: polygon([[2.3, 48.8], [2.5, 48.8], [2.5, 49], [2.3, 49], [2.3, 48.8]]), geoproperty: LOCATION },
  }, [SENSOR_1, BUILDING_1]],
  ['everything at once', {
    type: type('Sensor'),
    attrs: [iri('temperature')],
    q: cmp('temperature', '>', num(16)),
    scopeQ: scope('/Madrid/#'),
    geoQ: { georel: 'near', maxDistance: 2_000_000, geometry: MADRID, geoproperty: LOCATION },
  }, [SENSOR_1]],
];

export function runStoreContract(name: string, makeStore: () => Promise<EntityStore>): void {
  describe(`EntityStore contract: ${name}`, () => {
    let store: EntityStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('modify and getEntity', () => {
      it('creates, reads back, updates and deletes an entity', async () => {
        const e = entity('urn:x:1', ['Thing'], { size: prop(1) });
        await putAll(store, '', [e]);
        assert.deepEqual(await store.getEntity('', 'urn:x:1'), e);
        const bigger = entity('urn:x:1', ['Thing'], { size: prop(2) });
        await putAll(store, '', [bigger]);
        assert.deepEqual(await store.getEntity('', 'urn:x:1'), bigger);
        await store.modify('', ['urn:x:1'], (current) => ({
          writes: [{ op: 'delete', id: 'urn:x:1', previous: current.get('urn:x:1')! }],
          result: undefined,
        }));
        assert.equal(await store.getEntity('', 'urn:x:1'), undefined);
        assert.deepEqual(await idsOf(store, {}), []);
      });

      it('hands the plan the current version of the existing ids only, and returns its result', async () => {
        const e = entity('urn:x:1', ['Thing'], { size: prop(1) });
        await putAll(store, '', [e]);
        const seen = await store.modify('', ['urn:x:1', 'urn:x:absent'], (current) => ({
          writes: [],
          result: [...current.entries()],
        }));
        assert.deepEqual(seen, [['urn:x:1', e]]);
      });

      it('writes nothing when the plan throws', async () => {
        const e = entity('urn:x:1', ['Thing'], { size: prop(1) });
        await putAll(store, '', [e]);
        await assert.rejects(
          store.modify('', ['urn:x:1'], () => {
            throw new NgsiError('AlreadyExists', 'urn:x:1');
          }),
          (err: unknown) => err instanceof NgsiError && err.problem === 'AlreadyExists',
        );
        assert.deepEqual(await store.getEntity('', 'urn:x:1'), e);
      });

      it('keeps creation order when an entity is updated, and re-indexes it', async () => {
        await putAll(store, '', [
          entity('urn:x:1', ['A'], { n: prop(1) }),
          entity('urn:x:2', ['A'], { n: prop(2) }),
        ]);
        await putAll(store, '', [entity('urn:x:1', ['B'], { n: prop(3) })]);
        assert.deepEqual(await idsOf(store, {}), ['urn:x:1', 'urn:x:2']);
        assert.deepEqual(await idsOf(store, { type: type('A') }), ['urn:x:2']);
        assert.deepEqual(await idsOf(store, { q: cmp('n', '==', num(1)) }), []);
        assert.deepEqual(await idsOf(store, { q: cmp('n', '==', num(3)) }), ['urn:x:1']);
      });

      it('re-indexes value changes written against the stored previous version (incremental path)', async () => {
        await putAll(store, '', [entity('urn:x:1', ['A'], { n: prop(1), s: prop('old'), location: point(2.35, 48.9) })]);
        const move = (n: number, s: string, lon: number, lat: number) =>
          store.modify('', ['urn:x:1'], (current) => ({
            writes: [{ op: 'put', entity: entity('urn:x:1', ['A'], { n: prop(n), s: prop(s), location: point(lon, lat) }), previous: current.get('urn:x:1') }],
            result: undefined,
          }));
        await move(2, 'new', 2.35, 49.03);
        assert.deepEqual(await idsOf(store, { q: cmp('n', '==', num(1)) }), []);
        assert.deepEqual(await idsOf(store, { q: and(cmp('n', '==', num(2)), cmp('s', '==', str('new'))) }), ['urn:x:1']);
        const nearOld = { georel: 'near' as const, maxDistance: 10_000, geometry: PARIS, geoproperty: LOCATION };
        assert.deepEqual(await idsOf(store, { geoQ: nearOld }), []);
        const nearNew = { ...nearOld, geometry: { type: 'Point' as const, coordinates: [2.35, 49.03] } };
        assert.deepEqual(await idsOf(store, { geoQ: nearNew }), ['urn:x:1']);
        // A `previous` that is not what the store holds (here: claiming the new values
        // already) must not mislead the index into skipping rows.
        await store.modify('', ['urn:x:1'], () => ({
          writes: [{ op: 'put', entity: entity('urn:x:1', ['A'], { n: prop(3), s: prop('x'), location: point(0, 0) }), previous: entity('urn:x:1', ['A'], { n: prop(3), s: prop('x'), location: point(0, 0) }) }],
          result: undefined,
        }));
        assert.deepEqual(await idsOf(store, { q: cmp('n', '==', num(3)) }), ['urn:x:1']);
        assert.deepEqual(await idsOf(store, { q: cmp('n', '==', num(2)) }), []);
      });

      it('commits concurrent modifications independently: a failing plan takes only its own writes back', async () => {
        await putAll(store, '', [entity('urn:x:0', ['A'], { n: prop(0) })]);
        const put = (id: string, n: number, fail = false) =>
          store.modify('', [id], (current) => {
            const writes = [{ op: 'put' as const, entity: entity(id, ['A'], { n: prop(n) }), previous: current.get(id) }];
            if (fail) throw new NgsiError('BadRequestData', 'planned failure');
            return { writes, result: current.has(id) };
          });
        const outcomes = await Promise.allSettled([put('urn:x:1', 1), put('urn:x:2', 2, true), put('urn:x:0', 10), put('urn:x:1', 11)]);
        assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        // The second write of urn:x:1 saw the first one (requests are applied in order).
        assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'x')), [false, 'x', true, true]);
        assert.deepEqual(await idsOf(store, { type: type('A') }), ['urn:x:0', 'urn:x:1']);
        assert.deepEqual(await idsOf(store, { q: cmp('n', '>', num(5)) }), ['urn:x:0', 'urn:x:1']);
        assert.equal(await store.getEntity('', 'urn:x:2'), undefined);
      });

      it('forgets the index rows of a deleted entity', async () => {
        await putAll(store, '', dataset());
        await store.modify('', [SENSOR_1], (current) => ({
          writes: [{ op: 'delete', id: SENSOR_1, previous: current.get(SENSOR_1)! }],
          result: undefined,
        }));
        assert.deepEqual(await idsOf(store, { q: cmp('temperature', '==', num(25)) }), []);
        assert.deepEqual(await idsOf(store, { scopeQ: scope('/Madrid/#') }), [SENSOR_2, DEVICE_1]);
        const near = { georel: 'near' as const, maxDistance: 10_000, geometry: PARIS, geoproperty: LOCATION };
        assert.deepEqual(await idsOf(store, { geoQ: near }), [BUILDING_1]);
      });
    });

    describe('tenants', () => {
      it('keeps tenants apart', async () => {
        await putAll(store, 'acme', [entity('urn:x:1', ['Thing'], { owner: prop('acme') })]);
        await putAll(store, '', [entity('urn:x:1', ['Thing'], { owner: prop('default') })]);
        assert.deepEqual((await store.getEntity('acme', 'urn:x:1'))?.attrs[iri('owner')][0].value, 'acme');
        assert.deepEqual((await store.getEntity('', 'urn:x:1'))?.attrs[iri('owner')][0].value, 'default');
        assert.equal(await store.getEntity('other', 'urn:x:1'), undefined);
        assert.deepEqual(await idsOf(store, { q: cmp('owner', '==', str('acme')) }), []);
        assert.deepEqual(await idsOf(store, { q: cmp('owner', '==', str('acme')) }, 'acme'), ['urn:x:1']);
      });

      it('knows a tenant once something was written to it', async () => {
        assert.equal(await store.hasTenant(''), true);
        assert.equal(await store.hasTenant('acme'), false);
        await store.getEntity('acme', 'urn:x:1');
        await store.queryEntities('acme', {}, ALL);
        assert.equal(await store.hasTenant('acme'), false, 'reads must not create a tenant');
        await putAll(store, 'acme', [entity('urn:x:1', ['Thing'], {})]);
        assert.equal(await store.hasTenant('acme'), true);
        assert.deepEqual(await store.listTenants(), ['', 'acme']);
      });

      it('does not create a tenant when the plan throws or writes nothing', async () => {
        await assert.rejects(store.modify('ghost', ['urn:x:1'], () => {
          throw new Error('no');
        }));
        await store.modify('empty', [], () => ({ writes: [], result: 1 }));
        assert.equal(await store.hasTenant('ghost'), false);
        assert.equal(await store.hasTenant('empty'), false);
      });

      it('answers an unknown tenant with nothing', async () => {
        assert.deepEqual(await store.queryEntities('nobody', {}, { limit: 10, offset: 0, count: true }), { entities: [], count: 0 });
        assert.deepEqual(await store.summarizeTypes('nobody'), []);
      });

      it('accepts any tenant string, telling apart names that differ only in case or punctuation', async () => {
        const names = ['Acme', 'acme', 'a/b/../c', 'ünï cödé ✓', 'x_41', 'x%41'];
        for (const t of names) await putAll(store, t, [entity('urn:x:1', ['Thing'], { owner: prop(t) })]);
        for (const t of names) {
          assert.equal((await store.getEntity(t, 'urn:x:1'))?.attrs[iri('owner')][0].value, t);
        }
        assert.deepEqual(await store.listTenants(), ['', ...names].sort());
      });

      it('rejects a tenant name that is too long with BadRequestData', async () => {
        const tooLong = 'x'.repeat(5000);
        await assert.rejects(putAll(store, tooLong, [entity('urn:x:1', ['Thing'], {})]),
          (err: unknown) => err instanceof NgsiError && err.problem === 'BadRequestData');
        await assert.rejects(store.hasTenant(tooLong), (err: unknown) => err instanceof NgsiError && err.problem === 'BadRequestData');
      });
    });

    describe('queryEntities filters', () => {
      beforeEach(async () => {
        await putAll(store, '', dataset());
      });

      for (const [what, filter, expected] of FILTER_CASES) {
        it(what, async () => {
          assert.deepEqual(await idsOf(store, filter), expected);
        });
      }

      it('pages and counts every filter consistently', async () => {
        for (const [what, filter, expected] of FILTER_CASES) {
          const pages: string[] = [];
          for (let offset = 0; offset < expected.length + 2; offset += 2) {
            const page = await store.queryEntities('', filter, { limit: 2, offset, count: true });
            assert.equal(page.count, expected.length, `count of ${what}`);
            pages.push(...page.entities.map((e) => e.id));
          }
          assert.deepEqual(pages, expected, `pages of ${what}`);
          const countOnly = await store.queryEntities('', filter, { limit: 0, offset: 0, count: true });
          assert.deepEqual(countOnly, { entities: [], count: expected.length }, `count only of ${what}`);
          const noCount = await store.queryEntities('', filter, { limit: 1, offset: 1, count: false });
          assert.equal(noCount.count, undefined);
          assert.deepEqual(noCount.entities.map((e) => e.id), expected.slice(1, 2), `second item of ${what}`);
        }
      });

      it('returns whole entities as they were written', async () => {
        const [first] = (await store.queryEntities('', { ids: [SENSOR_2] }, ALL)).entities;
        assert.deepEqual(first, dataset()[1]);
      });

      it('queries geometry near a point, exactly (a point 20 km away is not within 10 km)', async () => {
        await putAll(store, 'geo', [
          entity('urn:x:near', ['P'], { location: point(2.35, 48.9) }),
          entity('urn:x:far', ['P'], { location: point(2.35, 49.03) }),
        ]);
        const near = { georel: 'near' as const, maxDistance: 10_000, geometry: PARIS, geoproperty: LOCATION };
        assert.deepEqual(await idsOf(store, { geoQ: near }, 'geo'), ['urn:x:near']);
      });
    });

    describe('summarizeTypes', () => {
      it('counts entities and attributes per type, with the attribute kinds', async () => {
        await putAll(store, '', dataset());
        const summaries = await store.summarizeTypes('');
        const byType = new Map(summaries.map((s) => [s.type, s]));
        assert.deepEqual([...byType.keys()].sort(), [iri('Building'), iri('Device'), iri('Sensor')]);
        const sensor = byType.get(iri('Sensor'))!;
        assert.equal(sensor.entityCount, 5);
        assert.deepEqual(sensor.attributes[iri('temperature')], { kinds: ['Property'], entityCount: 5 });
        assert.deepEqual(sensor.attributes[LOCATION], { kinds: ['GeoProperty'], entityCount: 3 });
        assert.deepEqual(sensor.attributes[iri('controlledBy')], { kinds: ['Relationship'], entityCount: 2 });
        const device = byType.get(iri('Device'))!;
        assert.equal(device.entityCount, 3);
        assert.deepEqual(Object.keys(device.attributes).sort(), [
          iri('battery'), iri('category'), iri('config'), iri('label'), LOCATION, iri('name'), iri('raw'),
          iri('since'), iri('temperature'),
        ].sort());
        assert.deepEqual(device.attributes[iri('name')], { kinds: ['Property'], entityCount: 2 });
        assert.deepEqual(device.attributes[iri('category')], { kinds: ['VocabProperty'], entityCount: 1 });
        assert.deepEqual(device.attributes[iri('config')], { kinds: ['JsonProperty'], entityCount: 1 });
      });

      it('reflects every write in the next summary', async () => {
        await putAll(store, '', [entity('urn:x:1', ['A'], { n: prop(1) })]);
        assert.deepEqual((await store.summarizeTypes('')).map((t) => [t.type, t.entityCount, Object.keys(t.attributes)]), [[iri('A'), 1, [iri('n')]]]);
        await putAll(store, '', [entity('urn:x:2', ['A'], { m: prop(2) }), entity('urn:x:3', ['B'], {})]);
        const after = await store.summarizeTypes('');
        assert.deepEqual(after.map((t) => [t.type, t.entityCount]), [[iri('A'), 2], [iri('B'), 1]]);
        assert.deepEqual(Object.keys(after[0].attributes).sort(), [iri('m'), iri('n')]);
        await store.modify('', ['urn:x:3'], (current) => ({ writes: [{ op: 'delete', id: 'urn:x:3', previous: current.get('urn:x:3')! }], result: undefined }));
        assert.deepEqual((await store.summarizeTypes('')).map((t) => t.type), [iri('A')]);
      });

      it('lists every kind an attribute has across entities of a type', async () => {
        await putAll(store, '', [
          entity('urn:x:1', ['T'], { link: prop('x') }),
          entity('urn:x:2', ['T'], { link: { type: 'Relationship', object: 'urn:x:1' } }),
        ]);
        const [t] = await store.summarizeTypes('');
        assert.deepEqual(t.attributes[iri('link')], { kinds: ['Property', 'Relationship'], entityCount: 2 });
      });
    });

    describe('subscriptions', () => {
      it('stores, reads back, replaces and deletes a subscription', async () => {
        const s1 = subscription('urn:ngsi-ld:Subscription:1');
        await store.putSubscription('', s1);
        await store.putSubscription('', subscription('urn:ngsi-ld:Subscription:2'));
        assert.deepEqual(await store.getSubscription('', s1.id), s1);
        const replaced = subscription(s1.id, {
          description: 'hotter', q: 'temperature>30', isActive: false, expiresAt: '2030-01-01T00:00:00Z',
          delivery: { timesSent: 3, timesFailed: 1, status: 'failed', lastFailure: '2024-05-02T00:00:00Z' },
        });
        await store.putSubscription('', replaced);
        assert.deepEqual(await store.getSubscription('', s1.id), replaced);
        const all = (await store.listSubscriptions('', ALL)).subscriptions;
        assert.deepEqual(all.map((s) => s.id), [s1.id, 'urn:ngsi-ld:Subscription:2'], 'a replacement keeps its place');
        assert.equal(await store.deleteSubscription('', s1.id), true);
        assert.equal(await store.deleteSubscription('', s1.id), false);
        assert.equal(await store.getSubscription('', s1.id), undefined);
        assert.deepEqual((await store.listSubscriptions('', ALL)).subscriptions.map((s) => s.id), ['urn:ngsi-ld:Subscription:2']);
      });

      it('lists in creation order, paged, with a count on request', async () => {
        const ids = ['urn:s:e', 'urn:s:a', 'urn:s:d', 'urn:s:b', 'urn:s:c'];
        for (const id of ids) await store.putSubscription('', subscription(id));
        const pages: string[] = [];
        for (let offset = 0; offset < ids.length + 2; offset += 2) {
          const page = await store.listSubscriptions('', { limit: 2, offset, count: true });
          assert.equal(page.count, ids.length);
          pages.push(...page.subscriptions.map((s) => s.id));
        }
        assert.deepEqual(pages, ids);
        assert.deepEqual(await store.listSubscriptions('', { limit: 0, offset: 0, count: true }), { subscriptions: [], count: 5 });
        const noCount = await store.listSubscriptions('', { limit: 1, offset: 1, count: false });
        assert.deepEqual(noCount, { subscriptions: [subscription('urn:s:a')] });
      });

      it("keeps the owner with the subscription, and lists one owner's only, paged and counted, when asked", async () => {
        const alice = { subject: 'alice', roles: ['viewer'], tenants: [''] };
        const bob = { subject: 'bob', roles: ['operator'] };
        const owners = [alice, bob, undefined, alice, bob, alice];
        for (const [i, owner] of owners.entries()) {
          await store.putSubscription('', subscription(`urn:s:${i}`, owner === undefined ? {} : { owner }));
        }
        assert.deepEqual((await store.getSubscription('', 'urn:s:0'))?.owner, alice);
        assert.equal((await store.getSubscription('', 'urn:s:2'))?.owner, undefined);
        const page = (owner: string | undefined, limit: number, offset: number) => store.listSubscriptions('', { limit, offset, count: true, owner });
        const ids = (r: { subscriptions: Subscription[] }) => r.subscriptions.map((s) => s.id);
        assert.deepEqual(ids(await page('alice', 2, 0)), ['urn:s:0', 'urn:s:3']);
        assert.deepEqual(ids(await page('alice', 2, 2)), ['urn:s:5']);
        assert.equal((await page('alice', 2, 2)).count, 3);
        assert.deepEqual(await page('bob', 0, 0), { subscriptions: [], count: 2 });
        assert.deepEqual(await page('carol', 10, 0), { subscriptions: [], count: 0 });
        assert.equal((await page(undefined, 10, 0)).count, 6, 'no owner filter: every subscription');
        assert.deepEqual(ids(await store.listSubscriptions('', { limit: 10, offset: 1, count: false, owner: 'bob' })), ['urn:s:4']);
      });

      it('keeps tenants apart, and allSubscriptions returns those of every tenant', async () => {
        await store.putSubscription('acme', subscription('urn:s:1', { description: 'acme' }));
        await store.putSubscription('', subscription('urn:s:1', { description: 'default' }));
        await store.putSubscription('acme', subscription('urn:s:2'));
        await putAll(store, 'quiet', [entity('urn:x:1', ['Thing'], {})]);
        assert.equal((await store.getSubscription('acme', 'urn:s:1'))?.description, 'acme');
        assert.equal((await store.getSubscription('', 'urn:s:1'))?.description, 'default');
        assert.equal(await store.getSubscription('', 'urn:s:2'), undefined);
        const all = await store.allSubscriptions();
        assert.deepEqual(all.map((a) => [a.tenant, a.subscription.id]), [['', 'urn:s:1'], ['acme', 'urn:s:1'], ['acme', 'urn:s:2']]);
        assert.deepEqual(all[1].subscription, subscription('urn:s:1', { description: 'acme' }));
      });

      it('creates the tenant on put, while reads and no-op writes of an unknown tenant create nothing', async () => {
        assert.equal(await store.getSubscription('ghost', 'urn:s:1'), undefined);
        assert.deepEqual(await store.listSubscriptions('ghost', { limit: 10, offset: 0, count: true }), { subscriptions: [], count: 0 });
        assert.deepEqual(await store.listSubscriptions('ghost', ALL), { subscriptions: [] });
        assert.equal(await store.deleteSubscription('ghost', 'urn:s:1'), false);
        await store.saveDeliveryStatus('ghost', [{ id: 'urn:s:1', delivery: { timesSent: 1, timesFailed: 0 } }]);
        assert.deepEqual(await store.readOutbox('ghost'), []);
        await store.ackOutbox('ghost', 10);
        assert.equal(await store.hasTenant('ghost'), false);
        await store.putSubscription('new', subscription('urn:s:1'));
        assert.equal(await store.hasTenant('new'), true);
        assert.deepEqual(await store.listTenants(), ['', 'new']);
      });

      it('saveDeliveryStatus rewrites only the delivery counters, and skips subscriptions that are gone', async () => {
        const s1 = subscription('urn:s:1', { description: 'one' });
        const s2 = subscription('urn:s:2');
        await store.putSubscription('', s1);
        await store.putSubscription('', s2);
        const d1: DeliveryStatus = { timesSent: 7, timesFailed: 2, lastNotification: '2024-05-03T00:00:00Z', lastSuccess: '2024-05-03T00:00:00Z', status: 'ok' };
        await store.saveDeliveryStatus('', [{ id: 'urn:s:1', delivery: d1 }, { id: 'urn:s:gone', delivery: d1 }]);
        assert.deepEqual(await store.getSubscription('', 'urn:s:1'), { ...s1, delivery: d1 });
        assert.deepEqual(await store.getSubscription('', 'urn:s:2'), s2);
        assert.equal(await store.getSubscription('', 'urn:s:gone'), undefined);
        await store.saveDeliveryStatus('', []);
      });
    });

    describe('outbox', () => {
      const v1 = entity('urn:x:1', ['Thing'], { size: prop(1) });
      const v2 = entity('urn:x:1', ['Thing'], { size: prop(2) });

      it('records nothing while the tenant has no subscription', async () => {
        const writes = await commitWrites(store, '', [{ op: 'put', entity: v1 }]);
        await commitWrites(store, '', [{ op: 'put', entity: v2, previous: v1 }]);
        assert.equal(writes[0].outboxSeq, undefined);
        assert.deepEqual(await store.readOutbox(''), []);
      });

      it('records every write, with its kind, new and previous version, while the tenant has a subscription', async () => {
        await store.putSubscription('', subscription('urn:s:1'));
        const created = await commitWrites(store, '', [{ op: 'put', entity: v1 }, { op: 'put', entity: entity('urn:x:2', ['Thing'], {}) }]);
        const updated = await store.modify('', ['urn:x:1'], (current) => {
          const writes: EntityWrite[] = [{ op: 'put', entity: v2, previous: current.get('urn:x:1') }];
          return { writes, result: writes };
        });
        const deleted = await store.modify('', ['urn:x:2'], (current) => {
          const writes: EntityWrite[] = [{ op: 'delete', id: 'urn:x:2', previous: current.get('urn:x:2')! }];
          return { writes, result: writes };
        });
        const entries = await store.readOutbox('');
        assert.deepEqual(entries.map(({ seq, ...rest }) => rest), [
          { kind: 'create', id: 'urn:x:1', entity: v1 },
          { kind: 'create', id: 'urn:x:2', entity: entity('urn:x:2', ['Thing'], {}) },
          { kind: 'update', id: 'urn:x:1', entity: v2, previous: v1 },
          { kind: 'delete', id: 'urn:x:2', previous: entity('urn:x:2', ['Thing'], {}) },
        ]);
        const seqs = entries.map((e) => e.seq);
        assert.deepEqual([...created, ...updated, ...deleted].map((w) => w.outboxSeq), seqs, 'each write carries its seq');
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'seqs increase');
      });

      it('keeps the outbox per tenant', async () => {
        await store.putSubscription('acme', subscription('urn:s:1'));
        await putAll(store, 'acme', [v1]);
        await putAll(store, '', [v1]);
        assert.deepEqual((await store.readOutbox('acme')).map((e) => e.id), ['urn:x:1']);
        assert.deepEqual(await store.readOutbox(''), []);
      });

      it('forgets entries up to the acknowledged seq, and never hands out a seq twice', async () => {
        await store.putSubscription('', subscription('urn:s:1'));
        const writes = await commitWrites(store, '', [1, 2, 3].map((n) => ({ op: 'put', entity: entity(`urn:x:${n}`, ['Thing'], {}) })));
        const [a, b, c] = writes.map((w) => w.outboxSeq!);
        await store.ackOutbox('', b);
        assert.deepEqual((await store.readOutbox('')).map((e) => e.seq), [c]);
        await store.ackOutbox('', a); // an older acknowledgement changes nothing
        assert.deepEqual((await store.readOutbox('')).map((e) => e.seq), [c]);
        await store.ackOutbox('', c);
        assert.deepEqual(await store.readOutbox(''), []);
        const [next] = await commitWrites(store, '', [{ op: 'put', entity: v1 }]);
        assert.ok(next.outboxSeq! > c, 'a seq after an emptied outbox is still new');
        assert.deepEqual((await store.readOutbox('')).map((e) => e.seq), [next.outboxSeq]);
      });

      it('stops recording, and forgets what it kept, once the last subscription is deleted', async () => {
        await store.putSubscription('', subscription('urn:s:1'));
        await store.putSubscription('', subscription('urn:s:2'));
        await putAll(store, '', [v1]);
        await store.deleteSubscription('', 'urn:s:1');
        await putAll(store, '', [v2]);
        assert.equal((await store.readOutbox('')).length, 2, 'one subscription left: still recording');
        await store.deleteSubscription('', 'urn:s:2');
        assert.deepEqual(await store.readOutbox(''), []);
        const [w] = await commitWrites(store, '', [{ op: 'put', entity: v1, previous: v2 }]);
        assert.equal(w.outboxSeq, undefined);
        assert.deepEqual(await store.readOutbox(''), []);
      });

      it('records nothing of a plan that throws, while a concurrent modification commits its entry', async () => {
        await store.putSubscription('', subscription('urn:s:1'));
        const outcomes = await Promise.allSettled([
          store.modify('', [], () => {
            throw new NgsiError('BadRequestData', 'planned failure');
          }),
          commitWrites(store, '', [{ op: 'put', entity: v1 }]),
        ]);
        assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'fulfilled']);
        assert.deepEqual((await store.readOutbox('')).map((e) => [e.kind, e.id]), [['create', 'urn:x:1']]);
      });
    });

    describe('device registry', () => {
      const page = (limit: number, offset: number, count = false) => ({ limit, offset, count });

      it('stores, reads back exactly, replaces and deletes service groups', async () => {
        const g = serviceGroup('key-1');
        assert.equal(await store.putServiceGroup('acme', g), 'ok');
        assert.deepEqual(await store.getServiceGroup('acme', 'key-1'), g);
        assert.equal(await store.getServiceGroup('', 'key-1'), undefined, 'another tenant does not see it');
        assert.equal(await store.getServiceGroup('acme', 'key-2'), undefined);
        const replaced = serviceGroup('key-1', { payload: 'ul', autoprovision: false, credentials: {}, staticAttributes: [], modifiedAt: '2024-05-02T00:00:00Z' });
        assert.equal(await store.putServiceGroup('acme', replaced), 'ok');
        assert.deepEqual(await store.getServiceGroup('acme', 'key-1'), replaced);
        assert.deepEqual(await store.listServiceGroups('acme', page(10, 0, true)), { groups: [replaced], count: 1 });
        assert.equal(await store.deleteServiceGroup('', 'key-1'), false, 'only its own tenant deletes it');
        assert.equal(await store.deleteServiceGroup('acme', 'key-1'), true);
        assert.equal(await store.deleteServiceGroup('acme', 'key-1'), false);
        assert.equal(await store.getServiceGroup('acme', 'key-1'), undefined);
        assert.equal(await store.findServiceGroup('key-1'), undefined);
      });

      it('refuses an apikey another tenant holds, writing nothing, and frees it once deleted', async () => {
        const mine = serviceGroup('shared');
        await store.putServiceGroup('acme', mine);
        assert.equal(await store.putServiceGroup('other', serviceGroup('shared', { entityType: iri('Thief') })), 'conflict');
        assert.equal(await store.putServiceGroup('', serviceGroup('shared')), 'conflict');
        assert.deepEqual(await store.getServiceGroup('acme', 'shared'), mine);
        assert.equal(await store.getServiceGroup('other', 'shared'), undefined);
        assert.deepEqual(await store.listServiceGroups('other', page(10, 0, true)), { groups: [], count: 0 });
        assert.deepEqual(await store.findServiceGroup('shared'), { tenant: 'acme', group: mine });
        await store.deleteServiceGroup('acme', 'shared');
        assert.equal(await store.putServiceGroup('other', serviceGroup('shared')), 'ok');
        assert.equal((await store.findServiceGroup('shared'))?.tenant, 'other');
      });

      it('finds a group by apikey whichever tenant holds it', async () => {
        const a = serviceGroup('key-a');
        const b = serviceGroup('key-b', { payload: 'ul' });
        const d = serviceGroup('key-d');
        await store.putServiceGroup('acme', a);
        await store.putServiceGroup('Acme', b);
        await store.putServiceGroup('', d);
        assert.deepEqual(await store.findServiceGroup('key-a'), { tenant: 'acme', group: a });
        assert.deepEqual(await store.findServiceGroup('key-b'), { tenant: 'Acme', group: b });
        assert.deepEqual(await store.findServiceGroup('key-d'), { tenant: '', group: d });
        assert.equal(await store.findServiceGroup('KEY-A'), undefined, 'apikeys are case-sensitive');
        assert.equal(await store.findServiceGroup('nope'), undefined);
      });

      it('lists a tenant\'s groups in creation order, paged and counted; a replacement keeps its place', async () => {
        for (const k of ['g1', 'g2', 'g3', 'g4']) await store.putServiceGroup('acme', serviceGroup(k));
        await store.putServiceGroup('other', serviceGroup('o1'));
        await store.putServiceGroup('acme', serviceGroup('g2', { modifiedAt: '2024-06-01T00:00:00Z' }));
        const keys = async (limit: number, offset: number, count = false) => {
          const r = await store.listServiceGroups('acme', page(limit, offset, count));
          return { keys: r.groups.map((g) => g.apikey), count: r.count };
        };
        assert.deepEqual(await keys(10, 0), { keys: ['g1', 'g2', 'g3', 'g4'], count: undefined });
        assert.deepEqual(await keys(2, 1, true), { keys: ['g2', 'g3'], count: 4 });
        assert.deepEqual(await keys(2, 3, true), { keys: ['g4'], count: 4 });
        assert.deepEqual(await keys(0, 0, true), { keys: [], count: 4 });
        assert.deepEqual(await keys(10, 9, true), { keys: [], count: 4 });
        assert.equal((await store.listServiceGroups('acme', page(10, 1)))['groups'][0].modifiedAt, '2024-06-01T00:00:00Z');
        assert.deepEqual(await store.listServiceGroups('nobody', page(10, 0, true)), { groups: [], count: 0 });
        assert.deepEqual(await store.listServiceGroups('nobody', page(10, 0)), { groups: [] });
      });

      it('stores, reads back exactly, replaces and deletes devices per tenant', async () => {
        await store.putServiceGroup('acme', serviceGroup('key-1'));
        const d = device('dev-1', 'key-1');
        await store.putDevice('acme', d);
        assert.deepEqual(await store.getDevice('acme', 'dev-1'), d);
        assert.equal(await store.getDevice('', 'dev-1'), undefined);
        const replaced = device('dev-1', 'key-1', { credentials: { passwordHash: 'scrypt$x' }, attributes: [], autoprovisioned: true });
        await store.putDevice('acme', replaced);
        assert.deepEqual(await store.getDevice('acme', 'dev-1'), replaced);
        assert.deepEqual(await store.listDevices('acme', page(10, 0, true)), { devices: [replaced], count: 1 });
        assert.equal(await store.deleteDevice('', 'dev-1'), false);
        assert.equal(await store.deleteDevice('acme', 'dev-1'), true);
        assert.equal(await store.deleteDevice('acme', 'dev-1'), false);
        assert.equal(await store.getDevice('acme', 'dev-1'), undefined);
        assert.equal(await store.findDevice('key-1', 'dev-1'), undefined);
      });

      it('keeps a group\'s devices when the group is deleted', async () => {
        await store.putServiceGroup('acme', serviceGroup('key-1'));
        await store.putDevice('acme', device('dev-1', 'key-1'));
        assert.equal(await store.deleteServiceGroup('acme', 'key-1'), true);
        assert.deepEqual(await store.getDevice('acme', 'dev-1'), device('dev-1', 'key-1'));
      });

      it('finds the device an MQTT topic names: the apikey\'s tenant, then the device with that apikey there', async () => {
        await store.putServiceGroup('acme', serviceGroup('key-a'));
        await store.putServiceGroup('other', serviceGroup('key-o'));
        const inAcme = device('dev-1', 'key-a');
        const inOther = device('dev-1', 'key-o', { payload: 'json' });
        await store.putDevice('acme', inAcme);
        await store.putDevice('other', inOther);
        assert.deepEqual(await store.findDevice('key-a', 'dev-1'), { tenant: 'acme', device: inAcme });
        assert.deepEqual(await store.findDevice('key-o', 'dev-1'), { tenant: 'other', device: inOther });
        assert.equal(await store.findDevice('key-a', 'dev-2'), undefined);
        assert.equal(await store.findDevice('nope', 'dev-1'), undefined);
        // A device of the apikey's tenant under another group is not the topic's device.
        await store.putServiceGroup('acme', serviceGroup('key-a2'));
        await store.putDevice('acme', device('dev-3', 'key-a2'));
        assert.equal(await store.findDevice('key-a', 'dev-3'), undefined);
        assert.equal((await store.findDevice('key-a2', 'dev-3'))?.tenant, 'acme');
        // A device naming an apikey held by another tenant is never found through it.
        await store.putDevice('stray', device('dev-4', 'key-a'));
        assert.equal(await store.findDevice('key-a', 'dev-4'), undefined);
        // Nor is a device whose group is gone.
        await store.deleteServiceGroup('other', 'key-o');
        assert.equal(await store.findDevice('key-o', 'dev-1'), undefined);
        // Moving a device to another group moves its lookup too.
        await store.putDevice('acme', device('dev-1', 'key-a2'));
        assert.equal(await store.findDevice('key-a', 'dev-1'), undefined);
        assert.equal((await store.findDevice('key-a2', 'dev-1'))?.device.apikey, 'key-a2');
      });

      it('lists a tenant\'s devices in creation order, paged and counted, optionally of one group', async () => {
        await store.putServiceGroup('acme', serviceGroup('k1'));
        await store.putServiceGroup('acme', serviceGroup('k2'));
        await store.putServiceGroup('other', serviceGroup('k3'));
        const plan: Array<[string, string]> = [['d5', 'k1'], ['d1', 'k2'], ['d4', 'k1'], ['d2', 'k1'], ['d3', 'k2']];
        for (const [id, key] of plan) await store.putDevice('acme', device(id, key));
        await store.putDevice('other', device('d1', 'k3'));
        await store.putDevice('acme', device('d4', 'k1', { modifiedAt: '2024-06-01T00:00:00Z' })); // keeps its place
        const ids = async (p: { limit: number; offset: number; count: boolean; apikey?: string }) => {
          const r = await store.listDevices('acme', p);
          return { ids: r.devices.map((d) => d.deviceId), count: r.count };
        };
        assert.deepEqual(await ids(page(10, 0)), { ids: ['d5', 'd1', 'd4', 'd2', 'd3'], count: undefined });
        assert.deepEqual(await ids(page(2, 1, true)), { ids: ['d1', 'd4'], count: 5 });
        assert.deepEqual(await ids(page(0, 0, true)), { ids: [], count: 5 });
        assert.deepEqual(await ids({ ...page(10, 0, true), apikey: 'k1' }), { ids: ['d5', 'd4', 'd2'], count: 3 });
        assert.deepEqual(await ids({ ...page(1, 1, true), apikey: 'k1' }), { ids: ['d4'], count: 3 });
        assert.deepEqual(await ids({ ...page(10, 0, true), apikey: 'k2' }), { ids: ['d1', 'd3'], count: 2 });
        assert.deepEqual(await ids({ ...page(10, 0, true), apikey: 'k3' }), { ids: [], count: 0 }, 'another tenant\'s group');
        assert.deepEqual(await ids({ ...page(10, 0), apikey: 'none' }), { ids: [], count: undefined });
        assert.deepEqual((await store.listDevices('other', page(10, 0, true))).devices, [device('d1', 'k3')]);
        assert.deepEqual(await store.listDevices('nobody', page(10, 0, true)), { devices: [], count: 0 });
      });

      it('keeps pending commands per device, oldest first, and forgets them with the device', async () => {
        await store.putServiceGroup('acme', serviceGroup('k1'));
        await store.putDevice('acme', device('dev-1', 'k1'));
        await store.putDevice('acme', device('dev-2', 'k1'));
        await store.putDevice('other', device('dev-1', 'k9'));
        const c1 = pendingCommand('c1', 'dev-1');
        const c2 = pendingCommand('c2', 'dev-2', { value: 'plain' });
        const c3 = pendingCommand('c3', 'dev-1', { name: iri('reboot'), value: null, createdAt: '2024-05-01T00:01:00Z' });
        const o1 = pendingCommand('c1', 'dev-1', { value: 42 }); // same id, other tenant
        await store.putCommand('acme', c1);
        await store.putCommand('other', o1);
        await store.putCommand('acme', c2);
        await store.putCommand('acme', c3);
        assert.deepEqual(await store.listCommands('acme', 'dev-1'), [c1, c3]);
        assert.deepEqual(await store.listCommands('acme', 'dev-2'), [c2]);
        assert.deepEqual(await store.listCommands('other', 'dev-1'), [o1]);
        assert.deepEqual(await store.listCommands('acme', 'dev-9'), []);
        assert.deepEqual(await store.listCommands('nobody', 'dev-1'), []);

        // A replacement (a retry, a status change) keeps the command's place.
        const c1Delivered = { ...c1, status: 'DELIVERED' as const, attempts: 2 };
        await store.putCommand('acme', c1Delivered);
        assert.deepEqual(await store.listCommands('acme', 'dev-1'), [c1Delivered, c3]);
        assert.deepEqual(await store.allCommands(), [
          { tenant: 'acme', command: c1Delivered },
          { tenant: 'other', command: o1 },
          { tenant: 'acme', command: c2 },
          { tenant: 'acme', command: c3 },
        ]);

        assert.equal(await store.deleteCommand('acme', 'c3'), true);
        assert.equal(await store.deleteCommand('acme', 'c3'), false);
        assert.equal(await store.deleteCommand('nobody', 'c1'), false);
        assert.deepEqual(await store.listCommands('acme', 'dev-1'), [c1Delivered]);

        assert.equal(await store.deleteDevice('acme', 'dev-1'), true);
        assert.deepEqual(await store.listCommands('acme', 'dev-1'), []);
        assert.deepEqual(await store.allCommands(), [
          { tenant: 'other', command: o1 },
          { tenant: 'acme', command: c2 },
        ]);
      });

      it('creates no entity tenant, and leaves the entities alone', async () => {
        await store.putServiceGroup('acme', serviceGroup('k1'));
        await store.putDevice('acme', device('dev-1', 'k1'));
        await store.putCommand('acme', pendingCommand('c1', 'dev-1'));
        await store.getServiceGroup('ghost', 'k1');
        await store.listDevices('ghost', page(10, 0, true));
        assert.equal(await store.hasTenant('acme'), false);
        assert.equal(await store.hasTenant('ghost'), false);
        assert.deepEqual(await store.listTenants(), ['']);
        assert.deepEqual(await store.queryEntities('', {}, { limit: 10, offset: 0, count: true }), { entities: [], count: 0 });
        assert.deepEqual(await store.summarizeTypes(''), []);
        // Creating the twin is what makes the tenant.
        await putAll(store, 'acme', [entity('urn:ngsi-ld:Sensor:dev-1', ['Sensor'], {})]);
        assert.equal(await store.hasTenant('acme'), true);
        assert.deepEqual(await store.listTenants(), ['', 'acme']);
        assert.deepEqual(await store.getDevice('acme', 'dev-1'), device('dev-1', 'k1'));
      });

      it('rejects a tenant name that is too long with BadRequestData, as every other call does', async () => {
        const tooLong = 'x'.repeat(5000);
        const bad = (err: unknown) => err instanceof NgsiError && err.problem === 'BadRequestData';
        await assert.rejects(store.putServiceGroup(tooLong, serviceGroup('k1')), bad);
        await assert.rejects(store.putDevice(tooLong, device('dev-1', 'k1')), bad);
        await assert.rejects(store.putCommand(tooLong, pendingCommand('c1', 'dev-1')), bad);
        assert.equal(await store.findServiceGroup('k1'), undefined);
      });
    });

    describe('@context registry', () => {
      const ctx = (id: string, body: unknown = { '@context': { a: 'https://a.org/' } }): StoredContext => ({
        id,
        url: `http://weft/jsonldContexts/${id}`,
        kind: 'Hosted',
        body,
        createdAt: '2024-05-01T00:00:00Z',
        numberOfHits: 0,
      });

      it('stores, lists, replaces and deletes contexts', async () => {
        await store.putContext(ctx('c1'));
        await store.putContext({ ...ctx('c2'), kind: 'Cached', lastUsage: '2024-05-02T00:00:00Z', numberOfHits: 3 });
        assert.deepEqual(await store.getContext('c1'), ctx('c1'));
        assert.deepEqual((await store.listContexts()).map((c) => c.id), ['c1', 'c2']);
        const replaced = { ...ctx('c1', { '@context': { b: 'https://b.org/' } }), numberOfHits: 7 };
        await store.putContext(replaced);
        assert.deepEqual(await store.getContext('c1'), replaced);
        assert.equal(await store.deleteContext('c1'), true);
        assert.equal(await store.deleteContext('c1'), false);
        assert.equal(await store.getContext('c1'), undefined);
        assert.deepEqual((await store.listContexts()).map((c) => c.id), ['c2']);
        assert.deepEqual((await store.listContexts())[0], {
          ...ctx('c2'), kind: 'Cached', lastUsage: '2024-05-02T00:00:00Z', numberOfHits: 3,
        });
      });
    });
  });
}
