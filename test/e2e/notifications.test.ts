/**
 * Notifications end to end: a real Weft server, a real HTTP receiver on 127.0.0.1 and,
 * for MQTT endpoints, the embedded MQTT broker with a real `mqtt` client.
 */
import { strict as assert } from 'node:assert';
import mqtt from 'mqtt';
import { startTestReceiver as startReceiver, type TestReceiver as Receiver } from '../helpers/receiver';
import { CORE_CONTEXT, sensor, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const NS = 'https://example.org/ns/';
const USER_CONTEXT = { Sensor: `${NS}Sensor`, temperature: `${NS}temperature`, humidity: `${NS}humidity` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` until `ok` holds (the receiver sees a request before Weft sees the answer). */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await sleep(20);
  }
}

describe('e2e: notifications', () => {
  let t: TestServer;
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
    t = await startTestServer({ notifyBackoffMs: 20, notifyAttempts: 3, notifyTimeoutMs: 2000 });
  });
  afterEach(async () => {
    await t.stop();
    await rx.close();
  });

  function subscribe(extra: Record<string, unknown> = {}, notification: Record<string, unknown> = {}, tenant?: string) {
    const body = {
      id: 'urn:ngsi-ld:Subscription:s1',
      type: 'Subscription',
      entities: [{ type: 'Sensor' }],
      ...extra,
      notification: { ...notification, endpoint: { uri: rx.url, ...(notification.endpoint as object | undefined) } },
    };
    const req = t.http.post(`${BASE}/subscriptions`).set('Content-Type', 'application/json');
    if (tenant) req.set('NGSILD-Tenant', tenant);
    return req.send(JSON.stringify(body)).expect(201);
  }
  const createEntity = (body: unknown, tenant?: string) => {
    const req = t.http.post(`${BASE}/entities`).set('Content-Type', 'application/json');
    if (tenant) req.set('NGSILD-Tenant', tenant);
    return req.send(JSON.stringify(body)).expect(201);
  };
  const patchAttrs = (id: string, body: unknown) =>
    t.http.patch(`${BASE}/entities/${id}/attrs`).set('Content-Type', 'application/json').send(JSON.stringify(body)).expect(204);

  it('notifies a created entity with the spec\'s Notification payload and headers (clause 5.3.1)', async () => {
    await subscribe();
    await createEntity(sensor(1));
    const [n] = await rx.waitFor(1);
    assert.equal(n.method, 'POST');
    assert.equal(n.headers['content-type'], 'application/json');
    assert.equal(n.headers.link, `<${CORE_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    assert.match(n.body.id, /^urn:ngsi-ld:Notification:/);
    assert.equal(n.body.type, 'Notification');
    assert.equal(n.body.subscriptionId, 'urn:ngsi-ld:Subscription:s1');
    assert.match(n.body.notifiedAt, /^\d{4}-\d\d-\d\dT.*Z$/);
    assert.deepEqual(n.body.data, [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', temperature: { type: 'Property', value: 21, unitCode: 'CEL' } }]);
  });

  describe('join (clause 5.2.14, linked entity retrieval)', () => {
    /** Sensor:1 -isIn-> Room:r1 -partOf-> Building:b1 (both created first). */
    async function linkedSensor(): Promise<void> {
      await createEntity({ id: 'urn:ngsi-ld:Building:b1', type: 'Building', name: { type: 'Property', value: 'HQ' } });
      await createEntity({ id: 'urn:ngsi-ld:Room:r1', type: 'Room', floor: { type: 'Property', value: 2 }, partOf: { type: 'Relationship', object: 'urn:ngsi-ld:Building:b1' } });
      await createEntity(sensor(1, { isIn: { type: 'Relationship', object: 'urn:ngsi-ld:Room:r1' } }));
    }

    it('flat: adds the entities the notified one points at to data, joinLevel hops deep', async () => {
      await subscribe({}, { join: 'flat', joinLevel: 2 });
      await linkedSensor();
      const [n] = await rx.waitFor(1);
      assert.deepEqual(n.body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Room:r1', 'urn:ngsi-ld:Building:b1']);
      assert.deepEqual(n.body.data[1].floor, { type: 'Property', value: 2 });
      const shown = (await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200)).body;
      assert.deepEqual({ join: shown.notification.join, joinLevel: shown.notification.joinLevel }, { join: 'flat', joinLevel: 2 });
    });

    it('inline: nests the target in the relationship (`entity`), one hop by default', async () => {
      await subscribe({}, { join: 'inline' });
      await linkedSensor();
      const [n] = await rx.waitFor(1);
      assert.equal(n.body.data.length, 1);
      const isIn = n.body.data[0].isIn;
      assert.equal(isIn.object, 'urn:ngsi-ld:Room:r1');
      assert.equal(isIn.entity.id, 'urn:ngsi-ld:Room:r1');
      assert.deepEqual(isIn.entity.floor, { type: 'Property', value: 2 });
      assert.equal(isIn.entity.partOf.entity, undefined, 'joinLevel 1 stops at the room');
    });

    it('adds nothing for a link to an entity that does not exist (hidden ones: test/notify/owner-view.test.ts)', async () => {
      await subscribe({}, { join: 'flat' });
      await createEntity(sensor(1, { isIn: { type: 'Relationship', object: 'urn:ngsi-ld:Room:missing' } }));
      const [n] = await rx.waitFor(1);
      assert.deepEqual(n.body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:1']);
    });

    it('PATCH changes joinLevel alone, and null removes the join', async () => {
      await subscribe({}, { join: 'flat' });
      const patch = (notification: unknown) =>
        t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json').send(JSON.stringify({ notification })).expect(204);
      const shown = async () => (await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200)).body.notification;
      await patch({ joinLevel: 3 });
      assert.deepEqual([(await shown()).join, (await shown()).joinLevel], ['flat', 3]);
      await patch({ join: null });
      assert.deepEqual([(await shown()).join, (await shown()).joinLevel], [undefined, undefined]);
      await t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json').send(JSON.stringify({ notification: { joinLevel: 2 } })).expect(400);
    });
  });

  it('notifies only changes that pass q, and only of the watched attributes', async () => {
    await createEntity(sensor(1, { humidity: { type: 'Property', value: 40 } }));
    await subscribe({ q: 'temperature>30', watchedAttributes: ['temperature'] });
    await patchAttrs('urn:ngsi-ld:Sensor:1', { humidity: { type: 'Property', value: 41 } }); // not watched
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 25 } }); // fails q
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 35 } });
    const got = await rx.waitFor(1);
    await sleep(150);
    assert.equal(got.length, 1);
    assert.equal(got[0].body.data[0].temperature.value, 35);
  });

  it('notifies only entities inside the geoQ area and the scopeQ scope', async () => {
    await subscribe({
      geoQ: { geometry: 'Polygon', coordinates: [[[2, 48], [3, 48], [3, 49], [2, 49], [2, 48]]], georel: 'within' },
      scopeQ: '/Paris/#',
    });
    const at = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });
    await createEntity(sensor(1, { location: at(-3.7, 40.4), scope: '/Paris/North' })); // outside the area
    await createEntity(sensor(2, { location: at(2.35, 48.85), scope: '/Madrid' })); // outside the scope
    await createEntity(sensor(3, { location: at(2.35, 48.85), scope: '/Paris/North' }));
    const got = await rx.waitFor(1);
    await sleep(150);
    assert.deepEqual(got.flatMap((r) => r.body.data.map((e: { id: string }) => e.id)), ['urn:ngsi-ld:Sensor:3']);
  });

  it('renders the concise format', async () => {
    await subscribe({}, { format: 'concise' });
    await createEntity(sensor(1));
    const [n] = await rx.waitFor(1);
    assert.deepEqual(n.body.data, [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', temperature: { value: 21, unitCode: 'CEL' } }]);
  });

  it('notifies a deletion with entityDeleted', async () => {
    await createEntity(sensor(1));
    await subscribe({ notificationTrigger: ['entityDeleted'] });
    await t.http.delete(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(204);
    const [n] = await rx.waitFor(1);
    assert.equal(n.body.data[0].id, 'urn:ngsi-ld:Sensor:1');
    assert.equal(n.body.data[0].type, 'Sensor');
    assert.match(n.body.data[0].deletedAt, /^\d{4}-/);
  });

  it('renders keyValues with only the listed attributes, and previousValue with showChanges', async () => {
    await createEntity(sensor(1, { humidity: { type: 'Property', value: 40 } }));
    await subscribe({}, { format: 'keyValues', attributes: ['temperature'] });
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 30 } });
    const [kv] = await rx.waitFor(1);
    assert.deepEqual(kv.body.data, [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor', temperature: 30 }]);

    await t.http.delete(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(204);
    await subscribe({ id: 'urn:ngsi-ld:Subscription:s2' }, { showChanges: true });
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 31 } });
    const all = await rx.waitFor(2);
    assert.equal(all[1].body.data[0].temperature.value, 31);
    assert.equal(all[1].body.data[0].temperature.previousValue, 30);
  });

  it('sends application/ld+json with the subscription\'s @context in the body, names compacted with it', async () => {
    await t.http.post(`${BASE}/subscriptions`).set('Content-Type', 'application/ld+json').send(JSON.stringify({
      id: 'urn:ngsi-ld:Subscription:s1', type: 'Subscription', entities: [{ type: 'Sensor' }],
      notification: { endpoint: { uri: rx.url, accept: 'application/ld+json' } },
      '@context': [USER_CONTEXT, CORE_CONTEXT],
    })).expect(201);
    await t.http.post(`${BASE}/entities`).set('Content-Type', 'application/ld+json')
      .send(JSON.stringify({ ...sensor(1), '@context': [USER_CONTEXT, CORE_CONTEXT] })).expect(201);
    const [n] = await rx.waitFor(1);
    assert.equal(n.headers['content-type'], 'application/ld+json');
    assert.equal(n.headers.link, undefined);
    assert.deepEqual(n.body['@context'], [USER_CONTEXT, CORE_CONTEXT]);
    assert.equal(n.body.data[0].type, 'Sensor');
    assert.equal(n.body.data[0].temperature.value, 21);
  });

  it('links an inline @context for application/json receivers through an ImplicitlyCreated context (clause 5.13)', async () => {
    await t.http.post(`${BASE}/subscriptions`).set('Content-Type', 'application/ld+json').send(JSON.stringify({
      id: 'urn:ngsi-ld:Subscription:s1', type: 'Subscription', entities: [{ type: 'Sensor' }],
      notification: { endpoint: { uri: rx.url } },
      '@context': [USER_CONTEXT, CORE_CONTEXT],
    })).expect(201);
    await t.http.post(`${BASE}/entities`).set('Content-Type', 'application/ld+json')
      .send(JSON.stringify({ ...sensor(1), '@context': [USER_CONTEXT, CORE_CONTEXT] })).expect(201);
    const [n] = await rx.waitFor(1);
    assert.equal(n.headers['content-type'], 'application/json');
    const link = /^<([^>]+)>; rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/.exec(String(n.headers.link));
    assert.ok(link, `Link header: ${n.headers.link}`);
    assert.equal(n.body.data[0].type, 'Sensor');
    assert.equal(n.body.data[0].temperature.value, 21);
    // The linked context is served by Weft and is the one the subscription was made with.
    const path = new URL(link[1]).pathname;
    const served = await t.http.get(path).expect(200);
    assert.deepEqual(served.body, { '@context': [USER_CONTEXT, CORE_CONTEXT] });
    const details = await t.http.get(`${path}?details=true`).expect(200);
    assert.equal(details.body.kind, 'ImplicitlyCreated');
  });

  it('sends receiverInfo as headers and the tenant in NGSILD-Tenant', async () => {
    await subscribe({}, { endpoint: { receiverInfo: [{ key: 'X-Auth-Token', value: 'secret' }] } }, 'acme');
    await createEntity(sensor(1), 'acme');
    const [n] = await rx.waitFor(1);
    assert.equal(n.headers['x-auth-token'], 'secret');
    assert.equal(n.headers['ngsild-tenant'], 'acme');
  });

  it('sends nothing while paused (isActive false) and resumes when reactivated', async () => {
    await createEntity(sensor(1));
    await subscribe({ isActive: false });
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 1 } });
    await sleep(150);
    assert.equal(rx.requests.length, 0);
    await t.http.patch(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).set('Content-Type', 'application/json').send('{"isActive":true}').expect(204);
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 2 } });
    const [n] = await rx.waitFor(1);
    assert.equal(n.body.data[0].temperature.value, 2);
  });

  it('stops at expiresAt and reports the subscription as expired', async () => {
    await createEntity(sensor(1));
    await subscribe({ expiresAt: new Date(Date.now() + 400).toISOString() });
    await sleep(500);
    await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: 1 } });
    await sleep(150);
    assert.equal(rx.requests.length, 0);
    const got = await t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200);
    assert.equal(got.body.status, 'expired');
  });

  it('throttles: one notification per window, then the latest state of the entity', async () => {
    await createEntity(sensor(1));
    await subscribe({ throttling: 1 });
    for (const v of [1, 2, 3]) await patchAttrs('urn:ngsi-ld:Sensor:1', { temperature: { type: 'Property', value: v } });
    const first = await rx.waitFor(1);
    assert.equal(first[0].body.data[0].temperature.value, 1);
    const both = await rx.waitFor(2, 3000);
    assert.equal(both[1].body.data.length, 1);
    assert.equal(both[1].body.data[0].temperature.value, 3);
    assert.ok(both[1].at - both[0].at >= 900, `second notification ${both[1].at - both[0].at} ms after the first`);
  });

  it('notifies periodically with timeInterval, changed or not', async () => {
    await createEntity(sensor(1));
    await subscribe({ timeInterval: 1 });
    const got = await rx.waitFor(2, 4000);
    assert.deepEqual(got[0].body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:1']);
    assert.deepEqual(got[1].body.data.map((e: { id: string }) => e.id), ['urn:ngsi-ld:Sensor:1']);
  });

  it('retries a failed notification with back-off and counts it in the subscription\'s status', async () => {
    rx.answer((n) => ({ status: n === 1 ? 500 : 200 }));
    await subscribe();
    await createEntity(sensor(1));
    const got = await rx.waitFor(2);
    assert.deepEqual(got[1].body.data, got[0].body.data);
    const s = await eventually(() => t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200), (r) => r.body.notification.status === 'ok');
    assert.equal(s.body.notification.timesSent, 2);
    assert.equal(s.body.notification.timesFailed, 1);
    assert.equal(s.body.notification.status, 'ok');
    assert.ok(s.body.notification.lastFailure <= s.body.notification.lastSuccess);
  });

  it('gives up after the configured attempts, marks the status failed and goes on with the next change', async () => {
    rx.answer((n) => ({ status: n <= 3 ? 503 : 200 }));
    await subscribe();
    await createEntity(sensor(1));
    await rx.waitFor(3);
    const failed = await eventually(() => t.http.get(`${BASE}/subscriptions/urn:ngsi-ld:Subscription:s1`).expect(200), (r) => r.body.notification.timesFailed === 3);
    assert.equal(failed.body.notification.status, 'failed');
    assert.equal(failed.body.notification.timesFailed, 3);
    await createEntity(sensor(2));
    const got = await rx.waitFor(4);
    assert.equal(got[3].body.data[0].id, 'urn:ngsi-ld:Sensor:2');
  });

  it('keeps delivering to a healthy receiver while another subscription\'s receiver hangs', async () => {
    // A receiver that accepts connections and never answers.
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    try {
      await subscribe({ id: 'urn:ngsi-ld:Subscription:dead' }, { endpoint: { uri: `http://127.0.0.1:${port}/x` } });
      await subscribe({ id: 'urn:ngsi-ld:Subscription:live' });
      const started = Date.now();
      for (const n of [1, 2, 3]) await createEntity(sensor(n));
      const ids = new Set<string>();
      while (ids.size < 3 && Date.now() - started < 1500) {
        for (const r of rx.requests) for (const e of r.body.data) ids.add(e.id);
        await sleep(10);
      }
      // The hanging receiver's time-out is 2 s: everything arrived well before it.
      assert.equal(ids.size, 3, `live receiver got ${[...ids].join(', ')} within ${Date.now() - started} ms`);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it('notifies changes made by batch operations', async () => {
    await subscribe();
    const batch = [sensor(1), sensor(2), sensor(3)];
    await t.http.post(`${BASE}/entityOperations/upsert`).set('Content-Type', 'application/json').send(JSON.stringify(batch)).expect(201);
    const ids = new Set<string>();
    const deadline = Date.now() + 3000;
    while (ids.size < 3 && Date.now() < deadline) {
      for (const r of rx.requests) for (const e of r.body.data) ids.add(e.id);
      await sleep(20);
    }
    assert.deepEqual([...ids].sort(), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Sensor:2', 'urn:ngsi-ld:Sensor:3']);
  });

  it('delivers to an MQTT endpoint on the embedded broker: {metadata, body} on the topic of the URI', async () => {
    const mqttUrl = t.server.mqttUrl;
    assert.ok(mqttUrl, 'the embedded MQTT broker runs');
    // The embedded broker admits applications with a Weft token as their password.
    await assert.rejects(mqtt.connectAsync(mqttUrl, { reconnectPeriod: 0 }));
    const client = await mqtt.connectAsync(mqttUrl, { username: 'receiver', password: await t.token({ roles: ['viewer'], subject: 'receiver' }) });
    try {
      const messages: Array<{ topic: string; payload: any }> = [];
      client.on('message', (topic, payload) => messages.push({ topic, payload: JSON.parse(payload.toString()) }));
      await client.subscribeAsync('weft/notify/#', { qos: 1 });
      await subscribe({}, { endpoint: { uri: `${mqttUrl}/weft/notify/sensors`, notifierInfo: [{ key: 'MQTT-QoS', value: '1' }] } });
      await createEntity(sensor(1));
      const deadline = Date.now() + 3000;
      while (messages.length === 0 && Date.now() < deadline) await sleep(20);
      assert.equal(messages.length, 1);
      assert.equal(messages[0].topic, 'weft/notify/sensors');
      assert.equal(messages[0].payload.body.type, 'Notification');
      assert.equal(messages[0].payload.body.data[0].id, 'urn:ngsi-ld:Sensor:1');
      assert.equal(messages[0].payload.metadata['Content-Type'], 'application/json');
    } finally {
      await client.endAsync();
    }
  });

  it('delivers after a restart what was committed but not yet delivered (the outbox)', async () => {
    rx.answer({ status: 503 });
    await t.stop(false);
    // Long back-off: the first attempt fails and the retry is still waiting at shutdown.
    t = await startTestServer({ notifyBackoffMs: 60_000, notifyAttempts: 5 }, t.dataDir);
    await subscribe();
    await createEntity(sensor(1));
    await rx.waitFor(1);
    await t.stop(false);
    rx.answer({ status: 200 });
    t = await startTestServer({ notifyBackoffMs: 20 }, t.dataDir);
    const got = await rx.waitFor(2);
    assert.equal(got[1].body.data[0].id, 'urn:ngsi-ld:Sensor:1');
    // Acknowledged now: a further restart sends nothing again.
    await sleep(200);
    await t.stop(false);
    t = await startTestServer({}, t.dataDir);
    await sleep(300);
    assert.equal(rx.requests.length, 2);
  });
});
