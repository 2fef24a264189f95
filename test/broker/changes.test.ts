import { strict as assert } from 'node:assert';
import { AccessGuard } from '../../src/broker/access';
import { BatchService } from '../../src/broker/batch';
import { ChangeFeed, type EntityChange } from '../../src/broker/changes';
import type { BrokerDeps } from '../../src/broker/deps';
import { EntityService } from '../../src/broker/entities';
import { QueryService } from '../../src/broker/query';
import type { RequestScope } from '../../src/broker/scope';
import { createSqliteStore } from '../../src/store/sqlite';
import { coreContext, DEFAULT_VOCAB } from '../helpers/context';

describe('broker: the change feed (ARCHITECTURE.md, data flow step 2)', () => {
  let deps: BrokerDeps;
  let seen: EntityChange[][];
  let errors: unknown[];
  const scope = (requestId: string): RequestScope => ({ tenant: '', principal: undefined, context: coreContext(), requestId });
  const doc = (n: number, value: number) => ({ id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor', temperature: { type: 'Property', value } });

  beforeEach(() => {
    seen = [];
    errors = [];
    const feed = new ChangeFeed((err) => errors.push(err));
    feed.subscribe((changes) => seen.push([...changes]));
    deps = { store: createSqliteStore({ memory: true }), feed, now: () => '2026-01-01T00:00:00.000Z', limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000 }, access: new AccessGuard(undefined) };
  });
  afterEach(() => deps.store.close());

  it('publishes create, update and delete after each commit, with the states before and after', async () => {
    const entities = new EntityService(deps);
    await entities.create(scope('r1'), doc(1, 20));
    await entities.merge(scope('r2'), 'urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 21 } });
    await entities.delete(scope('r3'), 'urn:ngsi-ld:Sensor:1');
    assert.deepEqual(seen.map((batch) => batch.map((c) => [c.kind, c.id, c.requestId])), [
      [['create', 'urn:ngsi-ld:Sensor:1', 'r1']],
      [['update', 'urn:ngsi-ld:Sensor:1', 'r2']],
      [['delete', 'urn:ngsi-ld:Sensor:1', 'r3']],
    ]);
    const temp = `${DEFAULT_VOCAB}temperature`;
    const [create, update, del] = seen.map((b) => b[0]);
    assert.equal(create.previous, undefined);
    assert.equal(update.previous?.attrs[temp][0].value, 20);
    assert.equal(update.entity?.attrs[temp][0].value, 21);
    assert.equal(del.entity, undefined);
    assert.equal(del.previous?.attrs[temp][0].value, 21);
  });

  it('publishes nothing for a rejected request, and one event per stored entity of a batch', async () => {
    const entities = new EntityService(deps);
    await entities.create(scope('r1'), doc(1, 20));
    await assert.rejects(entities.create(scope('r2'), doc(1, 30)));
    const ctx = coreContext();
    const result = await new BatchService(deps).create(scope('r3'), [doc(2, 1), doc(1, 2), doc(3, 3)].map((d) => ({ doc: d, context: ctx })));
    assert.deepEqual(result.errors.map((e) => e.entityId), ['urn:ngsi-ld:Sensor:1']);
    assert.deepEqual(seen.map((batch) => batch.map((c) => `${c.kind} ${c.id}`)), [
      ['create urn:ngsi-ld:Sensor:1'],
      ['create urn:ngsi-ld:Sensor:2', 'create urn:ngsi-ld:Sensor:3'],
    ]);
  });

  it('isolates a listener that throws: the write stands and other listeners still hear of it', async () => {
    const other: string[] = [];
    deps.feed.subscribe(() => {
      throw new Error('listener bug');
    });
    deps.feed.subscribe((changes) => other.push(...changes.map((c) => c.id)));
    await new EntityService(deps).create(scope('r1'), doc(7, 1));
    assert.deepEqual(other, ['urn:ngsi-ld:Sensor:7']);
    assert.equal(errors.length, 1);
    const { entities } = await new QueryService(deps).query(scope('q'), { ids: ['urn:ngsi-ld:Sensor:7'] }, { limit: 1, offset: 0, count: false });
    assert.equal(entities.length, 1);
  });
});
