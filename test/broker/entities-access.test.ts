/**
 * Policy enforcement in the entity use cases (issue 4): single-entity reads and writes,
 * queries, joins, purge and batch items, each through the real services over an
 * in-memory SQLite store, with principals as the JWT middleware would hand them over.
 */
import { strict as assert } from 'node:assert';
import { AccessGuard, type AuditEvent } from '../../src/broker/access';
import type { BrokerDeps } from '../../src/broker/deps';
import { createBrokerServices, type BrokerServices } from '../../src/broker';
import type { EntityFilter } from '../../src/ngsi/query/ast';
import { coreContext } from '../helpers/context';
import { brokerWith, rejects, ROOM, scope, SENSOR, v, who } from './access-helpers';

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
  own:
    - actions: [read, update]
      ids: ['\${sub}']
  tenantA:
    - actions: [read, create]
      tenants: [a]
`;


describe('broker: access control of entity operations (issue 4)', () => {
  let deps: BrokerDeps;
  let svc: BrokerServices;
  let audit: AuditEvent[];
  const admin = () => scope(who(['admin'], 'root'));

  beforeEach(async () => {
    audit = [];
    ({ deps, svc } = brokerWith(POLICY, audit));
    await svc.entities.create(admin(), {
      id: SENSOR,
      type: 'Sensor',
      temperature: { type: 'Property', value: 21 },
      secret: { type: 'Property', value: 1 },
      room: { type: 'Relationship', object: ROOM },
    });
    await svc.entities.create(admin(), { id: ROOM, type: 'Room', secret: { type: 'Property', value: 1 } });
    audit.length = 0;
  });
  afterEach(() => deps.store.close());

  describe('single-entity reads', () => {
    it('shows a readable entity without its hidden attributes', async () => {
      const e = await svc.entities.retrieve(scope(who(['sensorReader'])), SENSOR);
      assert.deepEqual(Object.keys(e.attrs).sort(), [v('room'), v('temperature')]);
    });

    it('answers an unreadable entity exactly like an absent one', async () => {
      const hidden = await rejects(svc.entities.retrieve(scope(who(['sensorReader'])), ROOM), 'ResourceNotFound');
      const absent = await rejects(svc.entities.retrieve(scope(who(['sensorReader'])), 'urn:ngsi-ld:Room:none'), 'ResourceNotFound');
      assert.equal(hidden.detail.replace(ROOM, 'X'), absent.detail.replace('urn:ngsi-ld:Room:none', 'X'));
      assert.deepEqual(audit.map((a) => [a.outcome, a.action, a.target]), [['denied', 'read', ROOM]]);
    });

    it('lets a subject-bound role read its own entity only', async () => {
      await svc.entities.retrieve(scope(who(['own'], SENSOR)), SENSOR);
      await rejects(svc.entities.retrieve(scope(who(['own'], SENSOR)), ROOM), 'ResourceNotFound');
    });

    it('refuses a scope without a principal when auth is on', async () => {
      await rejects(svc.entities.retrieve(scope(undefined), SENSOR), 'Unauthorized');
    });
  });

  describe('tenants', () => {
    it('refuses a tenant outside the roles before looking it up (no NonexistentTenant)', async () => {
      await rejects(svc.entities.retrieve(scope(who(['tenantA']), ''), SENSOR), 'Forbidden');
      await rejects(svc.entities.retrieve(scope(who(['tenantA']), 'nowhere'), SENSOR), 'Forbidden');
      await rejects(svc.query.query(scope(who(['tenantA']), 'nowhere'), { type: { kind: 'type', iri: v('Sensor') } }, { limit: 20, offset: 0, count: false }), 'Forbidden');
      await rejects(svc.entities.retrieve(scope(who(['tenantA']), 'a'), SENSOR), 'NonexistentTenant');
    });

    it("refuses a tenant outside the token's tenant claim whatever the roles allow", async () => {
      await rejects(svc.entities.retrieve(scope(who(['admin'], 'u', ['a']), ''), SENSOR), 'Forbidden');
      await svc.entities.retrieve(scope(who(['admin'], 'u', ['']), ''), SENSOR);
    });
  });

  describe('single-entity writes', () => {
    it('refuses a reader an update with 403 and an entity it cannot read with 404, changing nothing', async () => {
      const reader = who(['sensorReader']);
      await rejects(svc.entities.merge(scope(reader), SENSOR, { temperature: { type: 'Property', value: 99 } }), 'Forbidden');
      // No update right anywhere in the tenant: 403 whatever the entity, which reveals nothing.
      await rejects(svc.entities.merge(scope(reader), ROOM, { temperature: { type: 'Property', value: 99 } }), 'Forbidden');
      // Update rights, but not on this entity, which the caller cannot read either: as if absent.
      const writer = who(['sensorWriter']);
      await rejects(svc.entities.merge(scope(writer), ROOM, { temperature: { type: 'Property', value: 99 } }), 'ResourceNotFound', /^Entity urn:ngsi-ld:Room:1 not found$/);
      await rejects(svc.entities.delete(scope(writer), ROOM), 'ResourceNotFound');
      await rejects(svc.attributes.update(scope(reader), SENSOR, { temperature: { type: 'Property', value: 99 } }), 'Forbidden');
      const e = await svc.entities.retrieve(admin(), SENSOR);
      assert.equal(e.attrs[v('temperature')][0].value, 21);
    });

    it('lets a writer change visible attributes but not hidden ones', async () => {
      const writer = scope(who(['sensorWriter']));
      await svc.entities.merge(writer, SENSOR, { temperature: { type: 'Property', value: 22 } });
      await rejects(svc.entities.merge(scope(who(['sensorWriter'])), SENSOR, { secret: { type: 'Property', value: 2 } }), 'Forbidden', /secret/);
      await rejects(svc.attributes.delete(scope(who(['sensorWriter'])), SENSOR, 'secret', { deleteAll: false }), 'Forbidden');
      // A replace would drop the hidden attribute: that is writing it too.
      await rejects(svc.entities.replace(scope(who(['sensorWriter'])), SENSOR, { type: 'Sensor', temperature: { type: 'Property', value: 1 } }), 'Forbidden');
      const e = await svc.entities.retrieve(admin(), SENSOR);
      assert.equal(e.attrs[v('temperature')][0].value, 22);
      assert.equal(e.attrs[v('secret')][0].value, 1);
      assert.deepEqual(audit.filter((a) => a.outcome === 'allowed').map((a) => [a.action, a.target]), [['update', SENSOR]]);
    });

    it('needs create of every type of a new entity, and of a type an update adds', async () => {
      const writer = who(['sensorWriter']);
      await svc.entities.create(scope(writer), { id: 'urn:ngsi-ld:Sensor:2', type: 'Sensor' });
      await rejects(svc.entities.create(scope(writer), { id: 'urn:ngsi-ld:Room:2', type: 'Room' }), 'Forbidden');
      await rejects(svc.entities.create(scope(writer), { id: 'urn:ngsi-ld:X:3', type: ['Sensor', 'Room'] }), 'Forbidden');
      await rejects(svc.entities.create(scope(writer), { id: 'urn:ngsi-ld:Sensor:4', type: 'Sensor', secret: { type: 'Property', value: 1 } }), 'Forbidden');
      await rejects(svc.entities.merge(scope(writer), SENSOR, { type: ['Sensor', 'Room'] }), 'Forbidden');
      await rejects(svc.entities.retrieve(admin(), 'urn:ngsi-ld:Room:2'), 'ResourceNotFound');
      await rejects(svc.entities.retrieve(admin(), 'urn:ngsi-ld:Sensor:4'), 'ResourceNotFound');
    });
  });

  describe('queries', () => {
    const both: EntityFilter = { type: { kind: 'or', items: [{ kind: 'type', iri: v('Sensor') }, { kind: 'type', iri: v('Room') }] } };
    const page = { limit: 20, offset: 0, count: true };

    it('returns and counts only permitted entities, masked', async () => {
      const r = await svc.query.query(scope(who(['sensorReader'])), both, page);
      assert.deepEqual(r.entities.map((e) => e.id), [SENSOR]);
      assert.equal(r.count, 1);
      assert.equal(r.entities[0].attrs[v('secret')], undefined);
      const all = await svc.query.query(admin(), both, page);
      assert.equal(all.count, 2);
    });

    it('never matches through a hidden attribute in q or attrs', async () => {
      const reader = who(['sensorReader']);
      const byQ = await svc.query.query(scope(reader), { ...both, q: { kind: 'exists', path: { attr: v('secret'), sub: [], compound: [] } } as never }, page);
      assert.equal(byQ.count, 0);
      const byAttrs = await svc.query.query(scope(reader), { attrs: [v('secret')] }, page);
      assert.equal(byAttrs.count, 0);
    });

    it('refuses a caller without read in the tenant', async () => {
      await rejects(svc.query.query(scope(who(['nobody'])), both, page), 'Forbidden');
    });

    it('leaves linked entities the caller cannot read out of a join', async () => {
      const sensor = await svc.entities.retrieve(scope(who(['sensorReader'])), SENSOR);
      assert.equal((await svc.query.linked(scope(who(['sensorReader'])), [sensor], 1)).size, 0);
      assert.deepEqual([...(await svc.query.linked(admin(), [sensor], 1)).keys()], [ROOM]);
    });

    it('purges only what the caller may delete', async () => {
      assert.equal(await svc.query.purge(scope(who(['sensorWriter'])), both), 1);
      await svc.entities.retrieve(admin(), ROOM);
    });
  });

  describe('batch operations', () => {
    it('reports a denied item in its place and commits the others', async () => {
      const writer = who(['sensorWriter']);
      const ctx = coreContext();
      const r = await svc.batch.upsert(
        scope(writer),
        [
          { doc: { id: 'urn:ngsi-ld:Sensor:9', type: 'Sensor' }, context: ctx },
          { doc: { id: 'urn:ngsi-ld:Room:9', type: 'Room' }, context: ctx },
          { doc: { id: ROOM, type: 'Room' }, context: ctx },
        ],
        'update',
      );
      assert.deepEqual(r.success, ['urn:ngsi-ld:Sensor:9']);
      assert.deepEqual(r.errors.map((e) => [e.entityId, e.error.type.split(/[/:]/).pop()]), [
        ['urn:ngsi-ld:Room:9', 'Forbidden'],
        [ROOM, 'ResourceNotFound'],
      ]);
      await rejects(svc.entities.retrieve(admin(), 'urn:ngsi-ld:Room:9'), 'ResourceNotFound');
      const del = await svc.batch.delete(scope(writer), [SENSOR, ROOM]);
      assert.deepEqual(del.success, [SENSOR]);
      assert.equal(del.errors[0].error.type.split(/[/:]/).pop(), 'ResourceNotFound');
    });
  });

  describe('with auth off', () => {
    it('allows everything and still records writes', async () => {
      const events: AuditEvent[] = [];
      const open = { ...deps, access: new AccessGuard(undefined, { record: (e) => events.push(e) }) };
      const s = createBrokerServices(open);
      const e = await s.entities.retrieve(scope(undefined), ROOM);
      assert.ok(e.attrs[v('secret')]);
      await s.entities.delete(scope(undefined), ROOM);
      assert.deepEqual(events.map((a) => [a.action, a.target, a.subject]), [['delete', ROOM, undefined]]);
    });
  });
});
