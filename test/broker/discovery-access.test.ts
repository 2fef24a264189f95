/**
 * Discovery under a policy (issue 4: "/types and /attributes list only what the caller may
 * see"): types, attributes and their counts are those of the entities the caller may read,
 * with their hidden attributes removed, whichever way the answer is computed (the store's
 * summary filtered, or aggregated over the visible entities). Real services over an
 * in-memory SQLite store.
 */
import { strict as assert } from 'node:assert';
import type { BrokerDeps } from '../../src/broker/deps';
import type { BrokerServices } from '../../src/broker';
import type { TypeSummary } from '../../src/store/port';
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
  mixed:
    - actions: [read]
      types: [Sensor]
      attributes: { deny: [secret] }
    - actions: [read]
      types: [Room]
  everythingButSecret:
    - actions: [read]
      attributes: { deny: [secret] }
  own:
    - actions: [read]
      ids: ['\${sub}']
  writerOnly:
    - actions: [create]
`;


/** [type, entityCount, {attribute: entityCount}] with short names, for readable assertions. */
function brief(types: TypeSummary[]): Array<[string, number, Record<string, number>]> {
  const short = (iri: string) => iri.replace(DEFAULT_VOCAB, '');
  return types.map((t) => [
    short(t.type),
    t.entityCount,
    Object.fromEntries(Object.entries(t.attributes).map(([name, a]) => [short(name), a.entityCount]).sort()),
  ]);
}

describe('broker: access control of discovery (issue 4)', () => {
  let deps: BrokerDeps;
  let svc: BrokerServices;
  const as = (roles: string[], subject?: string) => scope(who(roles, subject));

  /** A broker over `policy` (undefined: auth off) with the three entities. */
  async function build(policy: string | undefined): Promise<void> {
    ({ deps, svc } = brokerWith(policy));
    const root = scope(who(['admin'], 'root'));
    await svc.entities.create(root, { id: SENSOR, type: 'Sensor', temperature: { type: 'Property', value: 21 }, secret: { type: 'Property', value: 1 } });
    await svc.entities.create(root, { id: SENSOR2, type: 'Sensor', temperature: { type: 'Property', value: 5 }, room: { type: 'Relationship', object: ROOM } });
    await svc.entities.create(root, { id: ROOM, type: 'Room', secret: { type: 'Property', value: 1 } });
  }

  beforeEach(() => build(POLICY));
  afterEach(() => deps.store.close());

  it('lists only the readable types, without hidden attributes, with exact counts', async () => {
    const reader = as(['sensorReader']);
    assert.deepEqual(brief(await svc.discovery.types(reader)), [['Sensor', 2, { room: 1, temperature: 2 }]]);
    const attrs = await svc.discovery.attributes(reader);
    assert.deepEqual(attrs.map((a) => [a.name, a.entityCount, a.types]), [[v('room'), 1, [v('Sensor')]], [v('temperature'), 2, [v('Sensor')]]]);
    assert.equal((await svc.discovery.type(reader, 'Sensor')).entityCount, 2);
  });

  it('answers a hidden type or attribute exactly like an absent one', async () => {
    const reader = as(['sensorReader']);
    const hiddenType = await rejects(svc.discovery.type(reader, 'Room'), 'ResourceNotFound');
    const absentType = await rejects(svc.discovery.type(reader, 'Nothing'), 'ResourceNotFound');
    assert.equal(hiddenType.detail.replace('Room', 'X'), absentType.detail.replace('Nothing', 'X'));
    const hiddenAttr = await rejects(svc.discovery.attribute(reader, 'secret'), 'ResourceNotFound');
    const absentAttr = await rejects(svc.discovery.attribute(reader, 'nothing'), 'ResourceNotFound');
    assert.equal(hiddenAttr.detail.replace('secret', 'X'), absentAttr.detail.replace('nothing', 'X'));
  });

  it('hides an attribute on every type when no permission shows it', async () => {
    assert.deepEqual(brief(await svc.discovery.types(as(['everythingButSecret']))), [
      ['Room', 1, {}],
      ['Sensor', 2, { room: 1, temperature: 2 }],
    ]);
    await rejects(svc.discovery.attribute(as(['everythingButSecret']), 'secret'), 'ResourceNotFound');
  });

  it('shows an attribute only on the types whose permissions show it', async () => {
    assert.deepEqual(brief(await svc.discovery.types(as(['mixed']))), [
      ['Room', 1, { secret: 1 }],
      ['Sensor', 2, { room: 1, temperature: 2 }],
    ]);
    const secret = await svc.discovery.attribute(as(['mixed']), 'secret');
    assert.deepEqual([secret.entityCount, secret.types], [1, [v('Room')]]);
  });

  it('counts an entity of a readable and a hidden type under both (an Alarm readable as a Sensor)', async () => {
    await svc.entities.create(as(['admin']), { id: 'urn:ngsi-ld:Alarm:1', type: ['Sensor', 'Alarm'], level: { type: 'Property', value: 3 } });
    await svc.entities.create(as(['admin']), { id: 'urn:ngsi-ld:Alarm:2', type: 'Alarm', level: { type: 'Property', value: 4 } });
    assert.deepEqual(brief(await svc.discovery.types(as(['sensorReader']))), [
      ['Alarm', 1, { level: 1 }],
      ['Sensor', 3, { level: 1, room: 1, temperature: 2 }],
    ]);
  });

  it('shows an attribute on an entity one of whose other types lets it be seen', async () => {
    await svc.entities.create(as(['admin']), { id: 'urn:ngsi-ld:Both:1', type: ['Sensor', 'Room'], secret: { type: 'Property', value: 2 } });
    assert.deepEqual(brief(await svc.discovery.types(as(['mixed']))), [
      ['Room', 2, { secret: 2 }],
      ['Sensor', 3, { room: 1, secret: 1, temperature: 2 }],
    ]);
  });

  it("shows a device only its own entity's type, counted once", async () => {
    const device = as(['own'], SENSOR2);
    assert.deepEqual(brief(await svc.discovery.types(device)), [['Sensor', 1, { room: 1, temperature: 1 }]]);
    await rejects(svc.discovery.type(device, 'Room'), 'ResourceNotFound');
    await rejects(svc.discovery.attribute(device, 'secret'), 'ResourceNotFound');
    // The aggregated answer has the store's shape.
    const [sensor] = await svc.discovery.types(device);
    assert.deepEqual(sensor.attributes[v('room')], { kinds: ['Relationship'], entityCount: 1 });
  });

  it('gives a caller who may read everything the store summary itself', async () => {
    assert.deepEqual(await svc.discovery.types(as(['admin'])), await deps.store.summarizeTypes(''));
  });

  it('agrees, for every role, with a summary of what the caller can read entity by entity', async () => {
    const root = as(['admin']);
    await svc.entities.create(root, { id: 'urn:ngsi-ld:Alarm:1', type: ['Sensor', 'Alarm'], level: { type: 'Property', value: 3 } });
    await svc.entities.create(root, { id: 'urn:ngsi-ld:Both:1', type: ['Sensor', 'Room'], secret: { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } } });
    const everything = await svc.query.query(root, {}, { limit: 100, offset: 0, count: false, local: true });
    const normal = (types: TypeSummary[]) =>
      types.map((t) => [t.type, t.entityCount, Object.entries(t.attributes).sort(([a], [b]) => a.localeCompare(b))]);
    for (const principal of [who(['sensorReader']), who(['mixed']), who(['everythingButSecret']), who(['own'], SENSOR2), who(['admin']), who(['own', 'sensorReader'], ROOM)]) {
      const expected = new Map<string, TypeSummary>();
      for (const e of everything.entities) {
        const seen = deps.access.visibleTo(principal, '', e);
        if (seen === undefined) continue;
        for (const type of seen.type) {
          const t = expected.get(type) ?? { type, entityCount: 0, attributes: {} };
          expected.set(type, t);
          t.entityCount++;
          for (const [name, instances] of Object.entries(seen.attrs)) {
            const a = (t.attributes[name] ??= { kinds: [], entityCount: 0 });
            a.entityCount++;
            for (const i of instances) if (!a.kinds.includes(i.type)) a.kinds.push(i.type);
          }
        }
      }
      const want = [...expected.values()].sort((a, b) => (a.type < b.type ? -1 : 1));
      for (const t of want) for (const a of Object.values(t.attributes)) a.kinds.sort();
      assert.deepEqual(normal(await svc.discovery.types(scope(principal))), normal(want), JSON.stringify(principal));
    }
  });

  it('refuses a caller without read in the tenant', async () => {
    await rejects(svc.discovery.types(as(['writerOnly'])), 'Forbidden');
    await rejects(svc.discovery.attributes(as(['nobody'])), 'Forbidden');
  });

  it('answers as before with auth off', async () => {
    deps.store.close();
    await build(undefined);
    const anyone = scope(undefined);
    assert.deepEqual(await svc.discovery.types(anyone), await deps.store.summarizeTypes(''));
    assert.deepEqual(brief(await svc.discovery.types(anyone)), [
      ['Room', 1, { secret: 1 }],
      ['Sensor', 2, { room: 1, secret: 1, temperature: 2 }],
    ]);
  });
});
