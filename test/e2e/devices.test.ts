/**
 * The device gateway end to end (issue 5): provisioning over HTTP, real MQTT clients (the
 * `mqtt` package) as devices against the embedded broker, twins, temporal history and
 * commands observed through the NGSI-LD API.
 */
import { strict as assert } from 'node:assert';
import { exportJWK, generateKeyPair } from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { signDeviceToken } from '../../src/security/devices';
import { startTestServer, type TestServer } from '../helpers/server';
import { eventually, sleep } from '../helpers/wait';

const BASE = '/ngsi-ld/v1';
const IOT = '/weft/v1/iot';
const TWIN = 'urn:ngsi-ld:Thermometer:th1';
const DEVICE_PASSWORD = 'device-secret-1';

describe('e2e: device gateway (issue 5)', function () {
  let t: TestServer;
  const clients: MqttClient[] = [];

  const connect = async (username: string, password?: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(t.server.mqttUrl!, { username, password, reconnectPeriod: 0, clientId: `${username.replace('/', '-')}-${clients.length}` });
    clients.push(c);
    return c;
  };
  const twin = async (id = TWIN) => (await t.http.get(`${BASE}/entities/${id}`).expect(200)).body;

  before(async () => {
    t = await startTestServer();
    await t.http
      .post(`${IOT}/services`)
      .send({
        services: [
          {
            apikey: 'k1',
            entity_type: 'Thermometer',
            attributes: [{ object_id: 't', name: 'temperature', type: 'Number', unitCode: 'CEL' }],
            static_attributes: [{ name: 'vendor', type: 'Text', value: 'Acme' }],
            commands: [{ name: 'ping' }],
            explicitAttrs: false,
          },
          { apikey: 'k2', entity_type: 'Thermometer', autoprovision: true, payload: 'ul', credentials: { password: 'group-secret-2' } },
        ],
      })
      .expect(201);
    await t.http
      .post(`${IOT}/devices`)
      .send({
        devices: [
          {
            device_id: 'th1',
            apikey: 'k1',
            attributes: [{ object_id: 'h', name: 'humidity', type: 'Integer' }],
            static_attributes: [{ name: 'model', type: 'Text', value: 'TH-100' }],
            commands: [{ name: 'reboot', type: 'command' }],
            credentials: { password: DEVICE_PASSWORD },
          },
          { device_id: 'th2', apikey: 'k1', credentials: { password: 'device-secret-2' } },
        ],
      })
      .expect(201);
  });
  // Each test's devices go away after it: a device still connected would change what the next sees.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  after(async () => {
    await t.stop();
  });

  /** Resolves when the broker has closed `c` (MQTT 3.1.1 answers a refused PUBLISH by disconnecting). */
  const closed = (c: MqttClient): Promise<void> => new Promise((resolve) => (c.connected ? c.once('close', () => resolve()) : resolve()));

  describe('provisioning', () => {
    it("creates the twin with its group's and its own static attributes and commands", async () => {
      const e = await twin();
      assert.deepEqual(e.type, 'Thermometer');
      assert.equal(e.model.value, 'TH-100');
      assert.equal(e.vendor.value, 'Acme');
      assert.equal(e.ping_status.value, 'UNKNOWN');
      assert.equal(e.reboot.value, '');
      assert.equal(e.reboot_status.value, 'UNKNOWN');
    });

    it('shows the device in the IoT Agent shape, never its password', async () => {
      const res = await t.http.get(`${IOT}/devices/th1`).expect(200);
      assert.equal(res.body.device_id, 'th1');
      assert.equal(res.body.entity_name, TWIN);
      assert.equal(res.body.entity_type, 'Thermometer');
      assert.equal(JSON.stringify(res.body).includes(DEVICE_PASSWORD), false);
      const list = await t.http.get(`${IOT}/devices?apikey=k1&count=true`).expect(200);
      assert.equal(list.headers['ngsild-results-count'], '2');
      assert.deepEqual(list.body.devices.map((d: { device_id: string }) => d.device_id), ['th1', 'th2']);
    });

    it('refuses duplicates, unknown groups, bad bodies, and callers without the right', async () => {
      await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'th1', apikey: 'k1' }] }).expect(409);
      await t.http.post(`${IOT}/services`).send({ services: [{ apikey: 'k1', entity_type: 'X' }] }).expect(409);
      const unknown = await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'x1', apikey: 'nope' }] }).expect(400);
      assert.match(unknown.body.detail, /nope/);
      await t.http.post(`${IOT}/devices`).set('Content-Type', 'application/json').send('{"devices": [').expect(400);
      await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'a/b', apikey: 'k1' }] }).expect(400);
      await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'attrs', apikey: 'k1' }] }).expect(400);
      await t.http.delete(`${IOT}/services/k1`).expect(409);
      await t.anonymous.get(`${IOT}/devices`).expect(401);
      const viewer = await t.token({ roles: ['viewer'] });
      await t.anonymous.get(`${IOT}/devices`).set('Authorization', `Bearer ${viewer}`).expect(403);
      await t.http.get(`${IOT}/devices/none`).expect(404);
      await t.http.get(`${IOT}/devices`).expect(200);
    });
  });

  describe('MQTT ingestion', () => {
    it('maps JSON measures to typed attributes, with observedAt from TimeInstant', async () => {
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      await dev.publishAsync('/k1/th1/attrs', JSON.stringify({ t: 21.5, h: '40', TimeInstant: '2026-11-25T10:00:00Z' }), { qos: 1 });
      const e = await eventually(async () => {
        const e = await twin();
        assert.equal(e.temperature?.value, 21.5);
        return e;
      });
      assert.equal(e.temperature.unitCode, 'CEL');
      assert.equal(e.temperature.observedAt, '2026-11-25T10:00:00Z');
      assert.equal(e.humidity.value, 40);
    });

    it('takes UltraLight and single-measure topics, and keeps each in the temporal history', async () => {
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      await dev.publishAsync('/ul/k1/th1/attrs', 't|22.5|h|41', { qos: 1 });
      await eventually(async () => assert.equal((await twin()).temperature.value, 22.5));
      await dev.publishAsync('/k1/th1/attrs/t', '23', { qos: 1 });
      await eventually(async () => assert.equal((await twin()).temperature.value, 23));
      const history = await t.http.get(`${BASE}/temporal/entities/${TWIN}?attrs=temperature&options=temporalValues`).expect(200);
      assert.deepEqual(history.body.temperature.values.map((v: [number, string]) => v[0]), [21.5, 22.5, 23]);
    });

    it('acknowledges a QoS 1 measure only once it is committed', async () => {
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      for (const t of [30, 31, 32]) {
        await dev.publishAsync('/k1/th1/attrs', JSON.stringify({ t }), { qos: 1 });
        // No waiting: aedes sends the PUBACK after the gateway's authorizePublish hook, which
        // resolves after the commit.
        assert.equal((await twin()).temperature.value, t);
      }
    });

    it('stores unknown keys under the default vocabulary (explicitAttrs false)', async () => {
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      await dev.publishAsync('/k1/th1/attrs', JSON.stringify({ battery: 88 }), { qos: 1 });
      await eventually(async () => assert.equal((await twin()).battery?.value, 88));
    });

    it('drops malformed payloads without touching the twin', async () => {
      const before = await twin();
      const bad = t.server.gateway!.stats.badPayload;
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      await dev.publishAsync('/k1/th1/attrs', '{"t": 3', { qos: 1 });
      await dev.publishAsync('/ul/k1/th1/attrs', 't|1|h', { qos: 1 });
      await eventually(async () => assert.equal(t.server.gateway!.stats.badPayload, bad + 2));
      assert.deepEqual(await twin(), before);
      const stats = await t.http.get(`${IOT}/stats`).expect(200);
      assert.equal(stats.body.gateway.badPayload, bad + 2);
      assert.ok(stats.body.gateway.measures >= 3);
      const viewer = await t.token({ roles: ['viewer'] });
      await t.anonymous.get(`${IOT}/stats`).set('Authorization', `Bearer ${viewer}`).expect(403);
    });

    it('refuses wrong credentials and unknown devices at CONNECT', async () => {
      await assert.rejects(connect('k1/th1', 'wrong-password'), /Bad username or password/);
      await assert.rejects(connect('k1/ghost', 'whatever-pass'), /Bad username or password/);
      await assert.rejects(connect('k1/th1'), /Bad username or password/);
      await assert.rejects(connect('nobody'), /Not authorized/);
    });

    it("keeps a device to its own topics, and device topics away from other clients", async () => {
      const app = await connect('watcher', await t.token({ roles: ['admin'], subject: 'watcher' }));
      const seen: string[] = [];
      app.on('message', (topic) => seen.push(topic));
      await app.subscribeAsync('#', { qos: 0 });
      const th2Before = (await twin('urn:ngsi-ld:Thermometer:th2')).temperature;

      const intruder = await connect('k1/th1', DEVICE_PASSWORD);
      intruder.publish('/k1/th2/attrs', JSON.stringify({ t: 99 }), { qos: 1 });
      await closed(intruder);
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      await dev.publishAsync('/k1/th1/attrs', JSON.stringify({ t: 24 }), { qos: 1 });
      await eventually(async () => assert.equal((await twin()).temperature.value, 24));
      assert.deepEqual((await twin('urn:ngsi-ld:Thermometer:th2')).temperature, th2Before);
      // SUBACK 0x80 for another device's command topic.
      await assert.rejects(dev.subscribeAsync('/k1/th2/cmd'), /Subscribe error/);
      assert.deepEqual(seen.filter((s) => s.includes('k1/')), []);

      // An application cannot pose as a device either.
      app.publish('/k1/th1/attrs', JSON.stringify({ t: -1 }), { qos: 1 });
      await closed(app);
      await sleep(50);
      assert.equal((await twin()).temperature.value, 24);
    });
  });

  describe("an external broker's HTTP auth backend (EMQX, mosquitto-go-auth)", () => {
    const auth = (body: object) => t.http.post(`${IOT}/mqtt/authenticate`).send(body).expect(200);
    const acl = (body: object) => t.http.post(`${IOT}/mqtt/authorize`).send(body).expect(200);

    it('checks device credentials as the embedded broker does', async () => {
      assert.deepEqual((await auth({ username: 'k1/th1', password: DEVICE_PASSWORD, clientid: 'c1' })).body, { result: 'allow', ok: true });
      assert.deepEqual((await auth({ username: 'k1/th1', password: 'wrong' })).body, { result: 'deny', ok: false });
      assert.deepEqual((await auth({ username: 'k1/ghost', password: DEVICE_PASSWORD })).body, { result: 'deny', ok: false });
      assert.equal((await auth({ username: 'some-app', password: 'x' })).body.result, 'ignore');
    });

    it('keeps devices to their own topics and everyone else off device topics', async () => {
      const r = async (body: object) => (await acl(body)).body.result;
      assert.equal(await r({ username: 'k1/th1', topic: '/k1/th1/attrs', action: 'publish' }), 'allow');
      assert.equal(await r({ username: 'k1/th1', topic: '/k1/th2/attrs', action: 'publish' }), 'deny');
      assert.equal(await r({ username: 'k1/th1', topic: '/k1/th1/cmd', action: 'subscribe' }), 'allow');
      assert.equal(await r({ username: 'k1/th1', topic: '#', acc: 4 }), 'deny');
      assert.equal(await r({ username: 'k1/th1', topic: '/k1/th1/attrs', acc: 2 }), 'allow');
      assert.equal(await r({ username: 'some-app', topic: '/k1/th1/attrs', action: 'publish' }), 'deny');
      assert.equal(await r({ username: 'some-app', topic: '#', action: 'subscribe' }), 'deny');
      assert.equal(await r({ username: 'some-app', topic: 'weft/notify/x', action: 'subscribe' }), 'ignore');
    });

    it('answers only a caller with admin on devices, and refuses malformed questions', async () => {
      const viewer = await t.token({ roles: ['viewer'] });
      await t.anonymous.post(`${IOT}/mqtt/authenticate`).set('Authorization', `Bearer ${viewer}`).send({ username: 'k1/th1', password: DEVICE_PASSWORD }).expect(403);
      await t.anonymous.post(`${IOT}/mqtt/authenticate`).send({ username: 'k1/th1', password: DEVICE_PASSWORD }).expect(401);
      await t.http.post(`${IOT}/mqtt/authorize`).send({ username: 'k1/th1', topic: '/k1/th1/attrs' }).expect(400);
      await t.http.post(`${IOT}/mqtt/authorize`).send(['x']).expect(400);
    });
  });

  describe('commands', () => {
    it('publishes a twin write to the device and reports DELIVERED then OK with the result', async () => {
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      const received: string[] = [];
      dev.on('message', (_topic, payload) => received.push(payload.toString()));
      await dev.subscribeAsync('/k1/th1/cmd', { qos: 1 });
      await t.http.patch(`${BASE}/entities/${TWIN}/attrs/reboot`).send({ type: 'Property', value: { delay: 5 } }).expect(204);
      await eventually(async () => assert.deepEqual(received.map((r) => JSON.parse(r)), [{ reboot: { delay: 5 } }]));
      await eventually(async () => assert.equal((await twin()).reboot_status.value, 'DELIVERED'));
      await dev.publishAsync('/k1/th1/cmdexe', JSON.stringify({ reboot: 'rebooted' }), { qos: 1 });
      const e = await eventually(async () => {
        const e = await twin();
        assert.equal(e.reboot_status.value, 'OK');
        return e;
      });
      assert.equal(e.reboot_info.value, 'rebooted');
      const history = await t.http.get(`${BASE}/temporal/entities/${TWIN}?attrs=reboot_status&options=temporalValues`).expect(200);
      assert.deepEqual(history.body.reboot_status.values.map((v: [string, string]) => v[0]).slice(-3), ['PENDING', 'DELIVERED', 'OK']);
    });

    it('keeps a command PENDING while the device is away and delivers it when it subscribes', async () => {
      await t.http.patch(`${BASE}/entities/${TWIN}/attrs/reboot`).send({ type: 'Property', value: 'now' }).expect(204);
      await eventually(async () => assert.equal((await twin()).reboot_status.value, 'PENDING'));
      const dev = await connect('k1/th1', DEVICE_PASSWORD);
      const received: string[] = [];
      dev.on('message', (_topic, payload) => received.push(payload.toString()));
      await dev.subscribeAsync('/k1/th1/cmd', { qos: 1 });
      await eventually(async () => assert.deepEqual(received, ['{"reboot":"now"}']));
      await eventually(async () => assert.equal((await twin()).reboot_status.value, 'DELIVERED'));
    });
  });

  describe('autoprovisioning and device-signed tokens', () => {
    it('creates an unknown device of an autoprovisioning group on its first message', async () => {
      await assert.rejects(connect('k2/auto1', 'not-the-group-secret'), /Bad username or password/);
      const dev = await connect('k2/auto1', 'group-secret-2');
      await dev.publishAsync('/k2/auto1/attrs', 'temperature|19', { qos: 1 });
      const e = await eventually(() => twin('urn:ngsi-ld:Thermometer:auto1'));
      assert.equal(e.temperature.value, 19);
      const d = await t.http.get(`${IOT}/devices/auto1`).expect(200);
      assert.equal(d.body.apikey, 'k2');
    });

    it('accepts a short-lived token signed by the key the device registered', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: 'th3-key' };
      await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'th3', apikey: 'k1', credentials: { publicKeys: [jwk] } }] }).expect(201);
      const token = await signDeviceToken(privateKey, { deviceId: 'th3', kid: 'th3-key', alg: 'ES256', audience: 'weft', ttlSec: 300 });
      const dev = await connect('k1/th3', token);
      await dev.publishAsync('/k1/th3/attrs', JSON.stringify({ t: 5 }), { qos: 1 });
      await eventually(async () => assert.equal((await twin('urn:ngsi-ld:Thermometer:th3')).temperature.value, 5));
      const other = await signDeviceToken(privateKey, { deviceId: 'th1', kid: 'th3-key', alg: 'ES256', audience: 'weft', ttlSec: 300 });
      await assert.rejects(connect('k1/th1', other), /Bad username or password/);
      const tooLong = await signDeviceToken(privateKey, { deviceId: 'th3', kid: 'th3-key', alg: 'ES256', audience: 'weft', ttlSec: 7200 });
      await assert.rejects(connect('k1/th3', tooLong), /Bad username or password/);
    });
  });

  describe('deleting', () => {
    it('keeps the twin by default, deletes it with twin=delete, and forgets the device', async () => {
      await t.http.delete(`${IOT}/devices/th2`).expect(204);
      await twin('urn:ngsi-ld:Thermometer:th2');
      await assert.rejects(connect('k1/th2', 'device-secret-2'), /Bad username or password/);
      await t.http.delete(`${IOT}/devices/th3?twin=delete`).expect(204);
      await t.http.get(`${BASE}/entities/urn:ngsi-ld:Thermometer:th3`).expect(404);
      await t.http.delete(`${IOT}/devices/th3`).expect(404);
      await t.http.delete(`${IOT}/devices/th1?twin=later`).expect(400);
    });
  });

  describe('in another tenant, with a short command time-to-live', () => {
    let u: TestServer;
    before(async () => {
      u = await startTestServer({ commandTtlSec: 1 });
      const tenant = { 'NGSILD-Tenant': 'plant-7' };
      await u.http.post(`${IOT}/services`).set(tenant).send({ services: [{ apikey: 'p7', entity_type: 'Valve', payload: 'ul' }] }).expect(201);
      await u.http.post(`${IOT}/devices`).set(tenant).send({ devices: [{ device_id: 'v1', apikey: 'p7', commands: [{ name: 'open' }], credentials: { password: 'valve-secret-1' } }] }).expect(201);
    });
    after(() => u.stop());

    it("keeps the twin in the group's tenant and times out unanswered commands", async () => {
      const id = 'urn:ngsi-ld:Valve:v1';
      await u.http.get(`${BASE}/entities/${id}`).expect(404);
      const dev = await mqtt.connectAsync(u.server.mqttUrl!, { username: 'p7/v1', password: 'valve-secret-1', reconnectPeriod: 0 });
      try {
        const received: string[] = [];
        dev.on('message', (_topic, payload) => received.push(payload.toString()));
        await dev.subscribeAsync('/p7/v1/cmd', { qos: 1 });
        await dev.publishAsync('/p7/v1/attrs', 'flow|3.5', { qos: 1 });
        const get = async () => (await u.http.get(`${BASE}/entities/${id}`).set('NGSILD-Tenant', 'plant-7').expect(200)).body;
        await eventually(async () => assert.equal((await get()).flow?.value, 3.5));
        await u.http.patch(`${BASE}/entities/${id}/attrs/open`).set('NGSILD-Tenant', 'plant-7').send({ type: 'Property', value: 50 }).expect(204);
        await eventually(async () => assert.deepEqual(received, ['v1@open|50']));
        const e = await eventually(async () => {
          const e = await get();
          assert.equal(e.open_status.value, 'TIMEOUT');
          return e;
        });
        assert.ok(Date.parse(e.open_status.observedAt) > 0);
      } finally {
        await dev.endAsync(true);
      }
    });
  });
});
