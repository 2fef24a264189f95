/**
 * Policy enforcement in the temporal use cases (issue 4: "temporal reads ... obey the same
 * rules"): queries, counts and retrieval list only readable histories with their hidden
 * attributes removed, hidden attributes never select through attrs or q, and history
 * writes are checked like entity writes. Real services over an in-memory SQLite store.
 */
import { strict as assert } from 'node:assert';
import type { AuditEvent } from '../../src/broker/access';
import type { BrokerDeps } from '../../src/broker/deps';
import type { BrokerServices } from '../../src/broker';
import type { EntityFilter } from '../../src/ngsi/query/ast';
import type { TemporalQuery } from '../../src/ngsi/temporal';
import { DEFAULT_VOCAB } from '../helpers/context';
import { brokerWith, rejects, ROOM, scope, SENSOR, SENSOR2, v, who } from './access-helpers';

const POLICY = `
roles:
  admin:
    - actions: '*'
  sensorReader:
    - actions: [read]
      types: [Sensor]
      attributes: { deny: [secret] }
  sensorWriter:
    - actions: [read, create, update, delete]
      types: [Sensor]
      attributes: { deny: [secret] }
  mixed:
    - actions: [read]
      types: [Sensor]
      attributes: { deny: [secret] }
    - actions: [read]
      types: [Room]
  own:
    - actions: [read, update]
      ids: ['\${sub}']
`;

const WHOLE: TemporalQuery = { timeproperty: 'observedAt' };
const ALL: EntityFilter = {};
const page = (count = true) => ({ limit: 20, offset: 0, count, local: true });
const secretIs1: EntityFilter = { q: { kind: 'compare', path: { attr: v('secret'), sub: [], keys: [] }, op: '==', value: { kind: 'number', value: 1 } } };

describe('broker: access control of temporal operations (issue 4)', () => {
  let deps: BrokerDeps;
  let svc: BrokerServices;
  let audit: AuditEvent[];
  const admin = () => scope(who(['admin'], 'root'));

  async function history(id: string): Promise<Record<string, number>> {
    const te = await deps.store.getTemporal('', id, WHOLE);
    const out: Record<string, number> = {};
    for (const [name, instances] of Object.entries(te?.attrs ?? {})) out[name.replace(DEFAULT_VOCAB, '')] = instances.length;
    return out;
  }

  /** A broker over `policy` (undefined: auth off) with the three entities and their history. */
  async function build(policy: string | undefined): Promise<void> {
    audit = [];
    ({ deps, svc } = brokerWith(policy, audit));
    const root = scope(who(['admin'], 'root'));
    for (const [id, t, secret] of [[SENSOR, 21, 1], [SENSOR2, 5, 7]] as const) {
      await svc.entities.create(root, { id, type: 'Sensor', temperature: { type: 'Property', value: t }, secret: { type: 'Property', value: secret } });
      await svc.entities.merge(root, id, { temperature: { type: 'Property', value: t + 1 } });
    }
    await svc.entities.create(root, { id: ROOM, type: 'Room', temperature: { type: 'Property', value: 30 }, secret: { type: 'Property', value: 1 } });
    audit.length = 0;
  }

  beforeEach(() => build(POLICY));
  afterEach(() => deps.store.close());

  describe('reads', () => {
    it('lists and counts only the histories of readable types, without hidden attributes', async () => {
      const r = await svc.temporal.query(scope(who(['sensorReader'])), ALL, WHOLE, page());
      assert.deepEqual(r.entities.map((e) => e.id), [SENSOR, SENSOR2]);
      assert.equal(r.count, 2);
      for (const e of r.entities) assert.deepEqual(Object.keys(e.attrs), [v('temperature')]);
      const second = await svc.temporal.query(scope(who(['sensorReader'])), ALL, WHOLE, { ...page(), offset: 1 });
      assert.deepEqual(second.entities.map((e) => e.id), [SENSOR2]);
      assert.equal(second.count, 2);
    });

    it('answers an unreadable history exactly like an absent one', async () => {
      const reader = who(['sensorReader']);
      const hidden = await rejects(svc.temporal.retrieve(scope(reader), ROOM, WHOLE), 'ResourceNotFound');
      const absent = await rejects(svc.temporal.retrieve(scope(reader), 'urn:ngsi-ld:Room:none', WHOLE), 'ResourceNotFound');
      assert.equal(hidden.detail.replace(ROOM, 'X'), absent.detail.replace('urn:ngsi-ld:Room:none', 'X'));
      assert.deepEqual(audit.map((a) => [a.outcome, a.action, a.target]), [['denied', 'read', ROOM]]);
    });

    it('retrieves a readable history without its hidden attributes, even when asked for them', async () => {
      const reader = scope(who(['sensorReader']));
      const { entity } = await svc.temporal.retrieve(reader, SENSOR, WHOLE);
      assert.deepEqual(Object.keys(entity.attrs), [v('temperature')]);
      assert.equal(entity.attrs[v('temperature')].length, 2);
      const asked = await svc.temporal.retrieve(reader, SENSOR, WHOLE, [v('secret')]);
      assert.deepEqual(asked.entity.attrs, {});
    });

    it('never selects by a hidden attribute through attrs or q', async () => {
      const reader = scope(who(['sensorReader']));
      const byAttrs = await svc.temporal.query(reader, { attrs: [v('secret')] }, WHOLE, page());
      assert.deepEqual([byAttrs.entities.length, byAttrs.count], [0, 0]);
      const byQ = await svc.temporal.query(reader, secretIs1, WHOLE, page());
      assert.deepEqual([byQ.entities.length, byQ.count], [0, 0]);
    });

    it('decides per history when the attribute is hidden on some readable types only', async () => {
      const mixed = scope(who(['mixed']));
      const all = await svc.temporal.query(mixed, ALL, WHOLE, page());
      assert.deepEqual(all.entities.map((e) => [e.id, Object.keys(e.attrs).sort()]), [
        [SENSOR, [v('temperature')]],
        [SENSOR2, [v('temperature')]],
        [ROOM, [v('secret'), v('temperature')]],
      ]);
      // SENSOR has secret == 1 too, but it may not be seen there: only the Room matches.
      const byQ = await svc.temporal.query(mixed, secretIs1, WHOLE, page());
      assert.deepEqual([byQ.entities.map((e) => e.id), byQ.count], [[ROOM], 1]);
      assert.deepEqual(Object.keys(byQ.entities[0].attrs).sort(), [v('secret'), v('temperature')]);
      const byAttrs = await svc.temporal.query(mixed, { attrs: [v('secret'), v('temperature')] }, WHOLE, page());
      assert.deepEqual([byAttrs.entities.map((e) => e.id), byAttrs.count], [[SENSOR, SENSOR2, ROOM], 3]);
      const secretOnly = await svc.temporal.query(mixed, { attrs: [v('secret')] }, WHOLE, { ...page(), limit: 1 });
      assert.deepEqual([secretOnly.entities.map((e) => e.id), secretOnly.count], [[ROOM], 1]);
      assert.deepEqual(Object.keys(secretOnly.entities[0].attrs), [v('secret')]);
    });

    it('shows a device its own history only', async () => {
      const device = scope(who(['own'], SENSOR2));
      const r = await svc.temporal.query(device, ALL, WHOLE, page());
      assert.deepEqual([r.entities.map((e) => e.id), r.count], [[SENSOR2], 1]);
      assert.deepEqual(Object.keys(r.entities[0].attrs).sort(), [v('secret'), v('temperature')]);
      await rejects(svc.temporal.retrieve(device, SENSOR, WHOLE), 'ResourceNotFound');
    });

    it('refuses a caller without read in the tenant before looking anything up', async () => {
      await rejects(svc.temporal.query(scope(who(['nobody'])), ALL, WHOLE, page()), 'Forbidden');
      await rejects(svc.temporal.retrieve(scope(who(['nobody'])), SENSOR, WHOLE), 'Forbidden');
    });
  });

  describe('writes', () => {
    const reading = (value: number) => ({ temperature: [{ type: 'Property', value, observedAt: '2024-01-01T00:00:00Z' }] });

    it('refuses a reader any history write with 403, changing nothing', async () => {
      const reader = scope(who(['sensorReader']));
      const before = await history(SENSOR);
      await rejects(svc.temporal.appendAttrs(reader, SENSOR, reading(1)), 'Forbidden');
      await rejects(svc.temporal.deleteAttr(reader, SENSOR, 'temperature', { all: true }), 'Forbidden');
      await rejects(svc.temporal.delete(reader, SENSOR), 'Forbidden');
      await rejects(svc.temporal.createOrAppend(reader, { id: 'urn:ngsi-ld:Sensor:new', type: 'Sensor', ...reading(1) }), 'Forbidden');
      const { entity } = await svc.temporal.retrieve(admin(), SENSOR, WHOLE);
      const instance = entity.attrs[v('temperature')][0].instanceId;
      await rejects(svc.temporal.patchInstance(reader, SENSOR, 'temperature', instance, { type: 'Property', value: 0 }), 'Forbidden');
      await rejects(svc.temporal.deleteInstance(reader, SENSOR, 'temperature', instance), 'Forbidden');
      assert.deepEqual(await history(SENSOR), before);
      assert.equal(await deps.store.getTemporal('', 'urn:ngsi-ld:Sensor:new', WHOLE), undefined);
    });

    it('answers a writer a history it cannot read exactly like an absent one', async () => {
      const writer = scope(who(['sensorWriter']));
      const before = await history(ROOM);
      const hidden = await rejects(svc.temporal.appendAttrs(writer, ROOM, reading(1)), 'ResourceNotFound');
      const absent = await rejects(svc.temporal.appendAttrs(writer, 'urn:ngsi-ld:Room:none', reading(1)), 'ResourceNotFound');
      assert.equal(hidden.detail.replace(ROOM, 'X'), absent.detail.replace('urn:ngsi-ld:Room:none', 'X'));
      await rejects(svc.temporal.delete(writer, ROOM), 'ResourceNotFound', /^Temporal entity urn:ngsi-ld:Room:1 not found$/);
      await rejects(svc.temporal.deleteAttr(writer, ROOM, 'temperature', { all: true }), 'ResourceNotFound', /has no history of attribute temperature$/);
      await rejects(svc.temporal.deleteInstance(writer, ROOM, 'temperature', 'urn:x'), 'ResourceNotFound', /^Instance urn:x of temperature of entity/);
      // A POST cannot answer "absent" for a history that exists: refused like an unwritable one.
      await rejects(svc.temporal.createOrAppend(writer, { id: ROOM, type: 'Sensor', ...reading(1) }), 'Forbidden');
      assert.deepEqual(await history(ROOM), before);
    });

    it('lets a writer write the attributes it may write, and records each write', async () => {
      const writer = scope(who(['sensorWriter']));
      await rejects(svc.temporal.appendAttrs(writer, SENSOR, { secret: [{ type: 'Property', value: 2 }] }), 'Forbidden', /secret/);
      await rejects(svc.temporal.deleteAttr(writer, SENSOR, 'secret', { all: true }), 'Forbidden');
      await svc.temporal.appendAttrs(writer, SENSOR, reading(3));
      assert.deepEqual(await history(SENSOR), { secret: 1, temperature: 3 });
      const created = await svc.temporal.createOrAppend(writer, { id: 'urn:ngsi-ld:Sensor:new', type: 'Sensor', ...reading(4) });
      assert.equal(created.created, true);
      // Another type for an existing history needs create of it.
      await rejects(svc.temporal.createOrAppend(writer, { id: SENSOR, type: ['Sensor', 'Room'], ...reading(5) }), 'Forbidden');
      await svc.temporal.delete(writer, 'urn:ngsi-ld:Sensor:new');
      assert.deepEqual(
        audit.filter((a) => a.outcome === 'allowed').map((a) => [a.action, a.target]),
        [['temporal:update', SENSOR], ['temporal:create', 'urn:ngsi-ld:Sensor:new'], ['temporal:delete', 'urn:ngsi-ld:Sensor:new']],
      );
    });

    it('does not let a history be started under other types for an entity whose history was deleted', async () => {
      await svc.temporal.delete(admin(), ROOM);
      await rejects(svc.temporal.createOrAppend(scope(who(['sensorWriter'])), { id: ROOM, type: 'Sensor', ...reading(1) }), 'Forbidden');
      assert.equal(await deps.store.getTemporal('', ROOM, WHOLE), undefined);
    });

    it('lets a device update its own history only', async () => {
      const device = scope(who(['own'], SENSOR2));
      await svc.temporal.appendAttrs(device, SENSOR2, reading(9));
      await rejects(svc.temporal.appendAttrs(device, SENSOR, reading(9)), 'ResourceNotFound');
      await rejects(svc.temporal.delete(device, SENSOR2), 'Forbidden');
    });
  });

  describe('with auth off', () => {
    beforeEach(async () => {
      deps.store.close();
      await build(undefined);
    });

    it('shows, selects and writes everything as before', async () => {
      const anyone = scope(undefined);
      const r = await svc.temporal.query(anyone, secretIs1, WHOLE, page());
      assert.deepEqual([r.entities.map((e) => e.id), r.count], [[SENSOR, ROOM], 2]);
      assert.deepEqual(Object.keys(r.entities[0].attrs).sort(), [v('secret'), v('temperature')]);
      const { entity } = await svc.temporal.retrieve(anyone, ROOM, WHOLE, [v('secret')]);
      assert.deepEqual(Object.keys(entity.attrs), [v('secret')]);
      await svc.temporal.appendAttrs(anyone, ROOM, { secret: [{ type: 'Property', value: 2 }] });
      await svc.temporal.delete(anyone, SENSOR);
      assert.deepEqual(await history(ROOM), { secret: 2, temperature: 1 });
    });
  });
});
