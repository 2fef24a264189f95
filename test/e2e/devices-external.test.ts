/**
 * The device gateway over an external broker (issue 5, --mqtt-url): Mosquitto from Debian,
 * which .ci/run installs. Skipped with a printed reason where it is absent.
 */
import { strict as assert } from 'node:assert';
import mqtt, { type MqttClient } from 'mqtt';
import { hasMosquitto, MOSQUITTO, startMosquitto, type Mosquitto } from '../notify/mosquitto';
import { freePort } from '../helpers/receiver';
import { startTestServer, type TestServer } from '../helpers/server';
import { eventually, sleep } from '../helpers/wait';

const IOT = '/weft/v1/iot';
const TWIN = 'urn:ngsi-ld:Meter:m1';
async function provision(t: TestServer): Promise<void> {
  await t.http.post(`${IOT}/services`).send({ services: [{ apikey: 'ext', entity_type: 'Meter', attributes: [{ object_id: 'p', name: 'power', type: 'Number' }] }] }).expect(201);
  await t.http.post(`${IOT}/devices`).send({ devices: [{ device_id: 'm1', apikey: 'ext', commands: [{ name: 'switch' }] }] }).expect(201);
}

describe('e2e: device gateway over an external MQTT broker (Mosquitto)', function () {
  let broker: Mosquitto;
  const servers: TestServer[] = [];
  let device: MqttClient;

  before(async function () {
    if (!hasMosquitto()) {
      console.log(`      (skipped: ${MOSQUITTO} is not installed; .ci/run installs it)`);
      this.skip();
    }
    broker = await startMosquitto();
    for (let i = 0; i < 2; i++) {
      const t = await startTestServer({ mqttUrl: broker.url, mqttEmbedded: false });
      servers.push(t);
      await provision(t);
    }
    device = await mqtt.connectAsync(broker.url, { clientId: 'ext-m1', reconnectPeriod: 0 });
  });
  after(async () => {
    await device?.endAsync(true);
    for (const t of servers) await t.stop();
    await broker?.stop();
  });

  it('ingests measures and splits them between instances (one shared subscription group)', async () => {
    for (let i = 1; i <= 20; i++) await device.publishAsync('/ext/m1/attrs', JSON.stringify({ p: i }), { qos: 1 });
    const updates = () => servers.reduce((n, t) => n + t.server.gateway!.stats.updates, 0);
    await eventually(async () => assert.equal(updates(), 20));
    await sleep(100);
    // Each message went to exactly one instance.
    assert.equal(updates(), 20);
    const last = await Promise.all(servers.map(async (t) => (await t.http.get(`/ngsi-ld/v1/entities/${TWIN}`).expect(200)).body.power?.value));
    assert.ok(last.includes(20), `one instance holds the last measure: ${JSON.stringify(last)}`);
  });

  it('sends commands through the external broker and takes the result back', async () => {
    const t = servers[0];
    const received: string[] = [];
    device.on('message', (_topic, payload) => received.push(payload.toString()));
    await device.subscribeAsync('/ext/m1/cmd', { qos: 1 });
    await t.http.patch(`/ngsi-ld/v1/entities/${TWIN}/attrs/switch`).send({ type: 'Property', value: 'on' }).expect(204);
    await eventually(async () => assert.deepEqual(received, ['{"switch":"on"}']));
    // The reply may reach either instance (shared group); the one holding the command must
    // see it: publish until it does (the other ignores a result with no pending command).
    await eventually(async () => {
      await device.publishAsync('/ext/m1/cmdexe', JSON.stringify({ switch: 'done' }), { qos: 1 });
      await sleep(50);
      const e = (await t.http.get(`/ngsi-ld/v1/entities/${TWIN}`).expect(200)).body;
      assert.equal(e.switch_status.value, 'OK');
    });
  });
});

describe('e2e: an external MQTT broker that is down when Weft starts', function () {
  before(function () {
    if (!hasMosquitto()) {
      console.log(`      (skipped: ${MOSQUITTO} is not installed; .ci/run installs it)`);
      this.skip();
    }
  });

  it('answers 503 while it waits for the broker, starts after the wait, and takes devices in once the broker is up', async function () {
    this.timeout(30_000);
    const brokerPort = await freePort(); // nobody listens there yet
    const httpPort = await freePort();
    let t: TestServer | undefined;
    let broker: Mosquitto | undefined;
    const starting = startTestServer({ port: httpPort, mqttUrl: `mqtt://127.0.0.1:${brokerPort}`, mqttEmbedded: false });
    try {
      const early = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/ngsi-ld/v1/types`);
        return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { title: string; status: number } };
      });
      assert.deepEqual(
        { status: early.status, retryAfter: early.retryAfter, title: early.body.title, bodyStatus: early.body.status },
        { status: 503, retryAfter: '1', title: 'Starting', bodyStatus: 503 },
      );
      t = await starting;
      await t.http.get('/ngsi-ld/v1/types').expect(200);
      await provision(t);
      broker = await startMosquitto({ port: brokerPort });
      const device = await mqtt.connectAsync(broker.url, { clientId: 'late-m1', reconnectPeriod: 0 });
      try {
        // Weft's client reconnects by itself and subscribes: measures published from then on arrive.
        await eventually(async () => {
          await device.publishAsync('/ext/m1/attrs', JSON.stringify({ p: 7 }), { qos: 1 });
          await sleep(100);
          const twin = (await t!.http.get(`/ngsi-ld/v1/entities/${TWIN}`).expect(200)).body as { power?: { value: number } };
          assert.equal(twin.power?.value, 7);
        }, 10_000);
      } finally {
        await device.endAsync(true);
      }
    } finally {
      t ??= await starting.catch(() => undefined);
      await t?.stop();
      await broker?.stop();
    }
  });
});
