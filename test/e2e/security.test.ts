/**
 * The zero-trust security suite (issue 4, "Tests and figures"): a real server with the
 * policy below, real tokens from its local issuer, and every way a caller could try to see
 * or change what its roles do not grant: another tenant, another type, a hidden attribute
 * through q / attrs / pick / GeoJSON, batch items, subscriptions, temporal reads and
 * discovery. Each case asserts the denial AND that nothing leaked or changed (checked as
 * admin afterwards). Token forgery (signatures, algorithms, expiry) is in auth.test.ts.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { startTestReceiver, type TestReceiver } from '../helpers/receiver';
import { startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const SENSOR = 'urn:ngsi-ld:Sensor:1';
const ROOM = 'urn:ngsi-ld:Room:1';

const POLICY = `
roles:
  admin:
    - actions: '*'
  sensorViewer:
    - actions: [read, subscribe]
      tenants: ['']
      types: [Sensor]
      attributes: { deny: [secret] }
  sensorOperator:
    - actions: [read, create, update, delete, subscribe]
      tenants: ['']
      types: [Sensor]
      attributes: { deny: [secret] }
  device:
    - actions: [read, update]
      ids: ['\${sub}']
  auditor:
    - actions: [admin]
      resources: [audit]
`;

const sensor = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'Sensor',
  temperature: { type: 'Property', value: 21, observedAt: '2026-01-01T00:00:00Z' },
  secret: { type: 'Property', value: 'hunter2', observedAt: '2026-01-01T00:00:00Z' },
  location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [2.35, 48.85] } },
  ...extra,
});

type Agent = ReturnType<typeof supertest.agent>;

/** 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound' -> 'ResourceNotFound', 'urn:weft:errors:Forbidden' -> 'Forbidden'. */
const problemName = (type: string): string => /[^/:]+$/.exec(type)?.[0] ?? type;

describe('e2e: zero-trust security suite (issue 4)', function () {
  let t: TestServer;
  let dir: string;
  let viewer: Agent;
  let operator: Agent;
  let device: Agent;
  const admin = (): Agent => t.http as unknown as Agent;

  const agentWith = async (roles: string[], subject = 'user-1', tenants?: string[]): Promise<Agent> => {
    const token = await t.token({ roles, subject, tenants });
    return supertest.agent(t.server.url).set('Authorization', `Bearer ${token}`);
  };

  /** Everything an admin sees, to compare before and after an attempted escape. */
  async function snapshot(): Promise<unknown> {
    const entities = await admin().get(`${BASE}/entities?local=true&limit=1000`).expect(200);
    const b = await admin().get(`${BASE}/entities?local=true&limit=1000`).set('NGSILD-Tenant', 'b').expect(200);
    const history = await admin().get(`${BASE}/temporal/entities/${SENSOR}?timerel=after&timeAt=2000-01-01T00:00:00Z`).expect(200);
    const subs = await admin().get(`${BASE}/subscriptions?limit=1000`).expect(200);
    return { entities: entities.body, b: b.body, history: history.body, subs: subs.body.map((s: { id: string }) => s.id) };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weft-security-'));
    const policyFile = join(dir, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    t = await startTestServer({ policyFile });
    await admin().post(`${BASE}/entities`).send(sensor(SENSOR)).expect(201);
    await admin().post(`${BASE}/entities`).send({ id: ROOM, type: 'Room', secret: { type: 'Property', value: 'room-secret' } }).expect(201);
    await admin().post(`${BASE}/entities`).set('NGSILD-Tenant', 'b').send(sensor('urn:ngsi-ld:Sensor:b1')).expect(201);
    viewer = await agentWith(['sensorViewer']);
    operator = await agentWith(['sensorOperator'], 'user-2');
    device = await agentWith(['device'], SENSOR);
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('tenant escape through NGSILD-Tenant', () => {
    it('answers 403 for another tenant, whether it exists or not, and shows nothing', async () => {
      const existing = await viewer.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', 'b').expect(403);
      const absent = await viewer.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', 'nowhere').expect(403);
      assert.equal(existing.body.detail, absent.body.detail);
      await viewer.get(`${BASE}/entities/urn:ngsi-ld:Sensor:b1`).set('NGSILD-Tenant', 'b').expect(403);
      await viewer.get(`${BASE}/types`).set('NGSILD-Tenant', 'b').expect(403);
      await viewer.get(`${BASE}/temporal/entities?type=Sensor`).set('NGSILD-Tenant', 'b').expect(403);
    });

    it("holds a token's tenant claim above its roles", async () => {
      const limited = await agentWith(['admin'], 'root-b', ['b']);
      await limited.get(`${BASE}/entities/${SENSOR}`).expect(403);
      await limited.get(`${BASE}/entities/urn:ngsi-ld:Sensor:b1`).set('NGSILD-Tenant', 'b').expect(200);
      const before = await snapshot();
      await limited.post(`${BASE}/entities`).send(sensor('urn:ngsi-ld:Sensor:escape')).expect(403);
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('type escape', () => {
    it('answers a hidden entity exactly like an absent one', async () => {
      const hidden = await viewer.get(`${BASE}/entities/${ROOM}`).expect(404);
      const absent = await viewer.get(`${BASE}/entities/urn:ngsi-ld:Room:absent`).expect(404);
      assert.equal(hidden.body.type, absent.body.type);
      assert.equal(hidden.body.detail.replace(ROOM, 'X'), absent.body.detail.replace('urn:ngsi-ld:Room:absent', 'X'));
    });

    it('filters queries, counts and paging to permitted types', async () => {
      const res = await viewer.get(`${BASE}/entities?type=Sensor,Room&count=true`).expect(200);
      assert.deepEqual(res.body.map((e: { id: string }) => e.id), [SENSOR]);
      assert.equal(res.headers['ngsild-results-count'], '1');
      const rooms = await viewer.get(`${BASE}/entities?type=Room&count=true`).expect(200);
      assert.deepEqual(rooms.body, []);
      assert.equal(rooms.headers['ngsild-results-count'], '0');
      const local = await viewer.get(`${BASE}/entities?local=true&count=true`).expect(200);
      assert.deepEqual(local.body.map((e: { id: string }) => e.id), [SENSOR]);
      const post = await viewer.post(`${BASE}/entityOperations/query?count=true`).send({ type: 'Query', entities: [{ type: 'Room' }, { id: ROOM }] }).expect(200);
      assert.deepEqual(post.body, []);
    });
  });

  describe('attribute escape', () => {
    it('never returns a hidden attribute, whatever the projection', async () => {
      const one = await viewer.get(`${BASE}/entities/${SENSOR}`).expect(200);
      assert.equal(one.body.secret, undefined);
      assert.ok(one.body.temperature);
      const attrs = await viewer.get(`${BASE}/entities/${SENSOR}?attrs=secret`).expect(200);
      assert.equal(attrs.body.secret, undefined);
      const pick = await viewer.get(`${BASE}/entities/${SENSOR}?pick=id,secret`).expect(200);
      assert.equal(pick.body.secret, undefined);
      const kv = await viewer.get(`${BASE}/entities?type=Sensor&format=keyValues`).expect(200);
      assert.equal(kv.body[0].secret, undefined);
      const geo = await viewer.get(`${BASE}/entities?type=Sensor&geometryProperty=secret`).set('Accept', 'application/geo+json').expect(200);
      assert.equal(JSON.stringify(geo.body).includes('hunter2'), false);
    });

    it('never matches through a hidden attribute in q, attrs or geoQ', async () => {
      for (const query of ['q=secret==%22hunter2%22', 'q=secret', 'q=secret~=%22hunt.*%22', 'attrs=secret', 'q=temperature==21;secret==%22hunter2%22', 'q=temperature==21|secret==%22x%22']) {
        const res = await viewer.get(`${BASE}/entities?type=Sensor&count=true&${query}`).expect(200);
        const expected = query.includes('|') ? 1 : 0;
        assert.equal(res.headers['ngsild-results-count'], String(expected), query);
        assert.equal(JSON.stringify(res.body).includes('hunter2'), false, query);
      }
    });

    it('refuses to write a hidden attribute and keeps its value', async () => {
      const before = await snapshot();
      await operator.patch(`${BASE}/entities/${SENSOR}/attrs`).send({ secret: { type: 'Property', value: 'pwned' } }).expect(403);
      await operator.patch(`${BASE}/entities/${SENSOR}`).send({ secret: { type: 'Property', value: 'pwned' } }).expect(403);
      await operator.delete(`${BASE}/entities/${SENSOR}/attrs/secret`).expect(403);
      await operator.put(`${BASE}/entities/${SENSOR}`).send({ type: 'Sensor', temperature: { type: 'Property', value: 1 } }).expect(403);
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('batch operations', () => {
    it('denies the forbidden items in the 207 and commits only the permitted ones', async () => {
      const res = await operator
        .post(`${BASE}/entityOperations/upsert`)
        .send([sensor('urn:ngsi-ld:Sensor:2', { secret: undefined }), { id: 'urn:ngsi-ld:Room:2', type: 'Room' }, { id: ROOM, type: 'Room' }])
        .expect(207);
      assert.deepEqual(res.body.success, ['urn:ngsi-ld:Sensor:2']);
      assert.deepEqual(res.body.errors.map((e: { entityId: string; error: { type: string } }) => [e.entityId, problemName(e.error.type)]), [
        ['urn:ngsi-ld:Room:2', 'Forbidden'],
        [ROOM, 'ResourceNotFound'],
      ]);
      await admin().get(`${BASE}/entities/urn:ngsi-ld:Room:2`).expect(404);
      const room = await admin().get(`${BASE}/entities/${ROOM}`).expect(200);
      assert.equal(room.body.secret.value, 'room-secret');
      const upd = await operator.post(`${BASE}/entityOperations/update`).send([{ id: SENSOR, type: 'Sensor', secret: { type: 'Property', value: 'pwned' } }]).expect(207);
      assert.equal(problemName(upd.body.errors[0].error.type), 'Forbidden');
      const del = await operator.post(`${BASE}/entityOperations/delete`).send([ROOM]).expect(207);
      assert.equal(problemName(del.body.errors[0].error.type), 'ResourceNotFound');
      await admin().get(`${BASE}/entities/${ROOM}`).expect(200);
      await admin().delete(`${BASE}/entities/urn:ngsi-ld:Sensor:2`).expect(204);
    });
  });

  describe('the device role', () => {
    it('reads and updates its own twin only', async () => {
      await device.get(`${BASE}/entities/${SENSOR}`).expect(200);
      await device.get(`${BASE}/entities/${ROOM}`).expect(404);
      const all = await device.get(`${BASE}/entities?local=true&count=true`).expect(200);
      assert.equal(all.headers['ngsild-results-count'], '1');
      await device.patch(`${BASE}/entities/${ROOM}/attrs`).send({ secret: { type: 'Property', value: 'x' } }).expect(404);
      await device.post(`${BASE}/entities`).send({ id: 'urn:ngsi-ld:Sensor:new', type: 'Sensor' }).expect(403);
      await device.post(`${BASE}/subscriptions`).send({ type: 'Subscription', entities: [{ type: 'Sensor' }], notification: { endpoint: { uri: 'http://127.0.0.1:9/x' } } }).expect(403);
    });
  });

  describe('temporal reads', () => {
    it('shows only permitted entities and attributes of the history', async () => {
      const q = 'timerel=after&timeAt=2000-01-01T00:00:00Z';
      const list = await viewer.get(`${BASE}/temporal/entities?type=Sensor,Room&${q}&count=true`).expect(200);
      const ids: string[] = list.body.map((e: { id: string }) => e.id);
      assert.ok(ids.includes(SENSOR));
      assert.equal(ids.some((id) => id.includes(':Room:')), false);
      assert.equal(list.headers['ngsild-results-count'], String(ids.length));
      assert.equal(JSON.stringify(list.body).includes('hunter2'), false);
      const one = await viewer.get(`${BASE}/temporal/entities/${SENSOR}?${q}`).expect(200);
      assert.equal(one.body.secret, undefined);
      assert.ok(one.body.temperature);
      await viewer.get(`${BASE}/temporal/entities/${ROOM}?${q}`).expect(404);
      const byQ = await viewer.get(`${BASE}/temporal/entities?type=Sensor&${q}&q=secret==%22hunter2%22`).expect(200);
      assert.deepEqual(byQ.body, []);
      const before = await snapshot();
      await operator.post(`${BASE}/temporal/entities/${SENSOR}/attrs`).send({ secret: [{ type: 'Property', value: 'old', observedAt: '2025-01-01T00:00:00Z' }] }).expect(403);
      await viewer.delete(`${BASE}/temporal/entities/${SENSOR}`).expect(403);
      assert.deepEqual(await snapshot(), before);
    });
  });

  describe('discovery', () => {
    it('lists only the types and attributes the caller may see', async () => {
      const types = await viewer.get(`${BASE}/types`).expect(200);
      assert.deepEqual(types.body.typeList, ['Sensor']);
      const attrs = await viewer.get(`${BASE}/attributes`).expect(200);
      assert.deepEqual([...attrs.body.attributeList].sort(), ['location', 'temperature']);
      await viewer.get(`${BASE}/types/Room`).expect(404);
      await viewer.get(`${BASE}/attributes/secret`).expect(404);
      const mine = await device.get(`${BASE}/types?details=true`).expect(200);
      assert.deepEqual(mine.body.map((x: { typeName: string }) => x.typeName), ['Sensor']);
    });
  });

  describe('subscriptions', () => {
    let rx: TestReceiver;
    beforeEach(async () => {
      rx = await startTestReceiver();
    });
    afterEach(() => rx.close());

    it('notifies a subscriber only of what it may read, checked at notification time', async () => {
      const sub = (types: string, watched?: string[]) => ({
        type: 'Subscription',
        entities: [{ type: types }],
        ...(watched ? { watchedAttributes: watched } : {}),
        notification: { endpoint: { uri: `${rx.url}/n` } },
      });
      await viewer.post(`${BASE}/subscriptions`).send(sub('Room')).expect(201);
      await viewer.post(`${BASE}/subscriptions`).send(sub('Sensor', ['secret'])).expect(201);
      await viewer.post(`${BASE}/subscriptions`).send({ ...sub('Sensor'), q: 'secret=="hunter3"' }).expect(201);
      await admin().patch(`${BASE}/entities/${ROOM}/attrs`).send({ secret: { type: 'Property', value: 'r2' } }).expect(204);
      await admin().patch(`${BASE}/entities/${SENSOR}/attrs`).send({ secret: { type: 'Property', value: 'hunter3' } }).expect(204);
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(rx.requests.length, 0, JSON.stringify(rx.requests.map((r) => r.body)));
      await viewer.post(`${BASE}/subscriptions`).send(sub('Sensor', ['temperature'])).expect(201);
      await admin().patch(`${BASE}/entities/${SENSOR}/attrs`).send({ temperature: { type: 'Property', value: 22 } }).expect(204);
      const [n] = await rx.waitFor(1);
      assert.equal(n.body.data[0].id, SENSOR);
      assert.equal(n.body.data[0].secret, undefined);
      assert.equal(JSON.stringify(n.body).includes('hunter'), false);
    });

    it("keeps subscriptions private to their owner", async () => {
      const created = await viewer.post(`${BASE}/subscriptions`).send({ type: 'Subscription', entities: [{ type: 'Sensor' }], notification: { endpoint: { uri: `${rx.url}/n` } } }).expect(201);
      const id = decodeURIComponent(String(created.headers.location).split('/').pop() ?? '');
      await operator.get(`${BASE}/subscriptions/${id}`).expect(404);
      await operator.delete(`${BASE}/subscriptions/${id}`).expect(404);
      const list = await operator.get(`${BASE}/subscriptions?count=true`).expect(200);
      assert.equal(list.body.some((s: { id: string }) => s.id === id), false);
      await viewer.get(`${BASE}/subscriptions/${id}`).expect(200);
      await admin().get(`${BASE}/subscriptions/${id}`).expect(200);
    });
  });

  describe('@context management', () => {
    it('needs admin to add or delete a hosted context', async () => {
      await operator.post(`${BASE}/jsonldContexts`).send({ '@context': { a: 'https://example.org/a' } }).expect(403);
      const list = await operator.get(`${BASE}/jsonldContexts`).expect(200);
      assert.ok(Array.isArray(list.body));
    });
  });

  describe('audit log', () => {
    it('records writes and denials with principal, tenant, operation, target and outcome', async () => {
      const intruder = await agentWith(['sensorViewer'], 'intruder');
      await intruder.patch(`${BASE}/entities/${SENSOR}/attrs`).send({ temperature: { type: 'Property', value: 99 } }).expect(403);
      await intruder.get(`${BASE}/entities?type=Sensor`).set('NGSILD-Tenant', 'b').expect(403);
      const writer = await agentWith(['sensorOperator'], 'writer');
      await writer.patch(`${BASE}/entities/${SENSOR}/attrs`).send({ temperature: { type: 'Property', value: 23 } }).expect(204);

      const auditor = await agentWith(['auditor'], 'auditor-1');
      const denied = await auditor.get('/weft/v1/audit?subject=intruder&count=true').expect(200);
      assert.equal(denied.headers['ngsild-results-count'], '2');
      const events = denied.body as Array<Record<string, unknown>>;
      assert.ok(events.every((e) => e.outcome === 'denied' && e.subject === 'intruder'));
      assert.deepEqual(events.map((e) => [e.tenant, e.action, e.target]).sort(), [
        ['', 'update', SENSOR],
        ['b', 'read', 'query'],
      ]);
      const allowed = await auditor.get('/weft/v1/audit?subject=writer&outcome=allowed').expect(200);
      assert.ok(allowed.body.some((e: { target: string; tenant: string }) => e.target === SENSOR && e.tenant === ''));

      // Reading the log is itself guarded, and an auditor sees no entity data.
      await viewer.get('/weft/v1/audit').expect(403);
      await t.anonymous.get('/weft/v1/audit').expect(401);
      await auditor.get(`${BASE}/entities/${SENSOR}`).expect(403); // no read right at all: 403 whatever the id
    });
  });
});
