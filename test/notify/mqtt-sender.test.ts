import { strict as assert } from 'node:assert';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { MqttSender } from '../../src/notify/mqtt-sender';
import { hasMosquitto, MOSQUITTO, startMosquitto, type Mosquitto } from './mosquitto';
import { subscribeTo, type MqttTestReceiver } from './mqtt-receiver';
import { LINK, notification } from './notification';
import { freePort } from '../helpers/receiver';

describe('notify: MQTT sender (MQTT notification binding)', () => {
  describe('against the embedded broker (MQTT 3.1.1)', () => {
    let broker: EmbeddedBroker;
    let sender: MqttSender;
    let receivers: MqttTestReceiver[];

    beforeEach(async () => {
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
      sender = new MqttSender({ reconnectPeriodMs: 50 });
      receivers = [];
    });
    afterEach(async () => {
      await sender.close();
      for (const r of receivers) await r.close();
      await broker.close();
    });

    async function receiver(topic: string, qos: 0 | 1 | 2 = 0): Promise<MqttTestReceiver> {
      const r = await subscribeTo(broker.url, topic, { qos });
      receivers.push(r);
      return r;
    }

    it('fails at once, saying what to set, when MQTT-Version mqtt5.0 meets this 3.1.1-only broker', async () => {
      const v5 = notification(`${broker.url}/weft/v5`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-Version', value: 'mqtt5.0' }] } });
      for (let i = 0; i < 2; i++) {
        const started = Date.now();
        await assert.rejects(sender.send(v5, 5000), /does not speak MQTT 5\.0.*set MQTT-Version mqtt3\.1\.1/);
        assert.ok(Date.now() - started < 2000, `attempt ${i + 1} waited ${Date.now() - started} ms of its 5,000 ms time-out`);
      }
      const r = await receiver('weft/v5');
      await sender.send({ ...v5, endpoint: { ...v5.endpoint, notifierInfo: [{ key: 'MQTT-Version', value: 'mqtt3.1.1' }] } }, 2000);
      assert.equal((await r.waitFor(1)).length, 1);
    });

    it('publishes { metadata, body } on the topic named by the URI path', async () => {
      const r = await receiver('weft/notify');
      const n = notification(`${broker.url}/weft/notify`, undefined, {
        tenant: 'acme',
        endpoint: { receiverInfo: [{ key: 'X-Trace', value: '42' }] },
      });
      await sender.send(n, 2000);
      const [msg] = await r.waitFor(1);
      assert.equal(msg!.topic, 'weft/notify');
      assert.deepEqual(msg!.payload, {
        metadata: { 'Content-Type': 'application/json', Link: LINK, 'NGSILD-Tenant': 'acme', 'X-Trace': '42' },
        body: n.body,
      });
    });

    it('leaves Link and NGSILD-Tenant out when absent or default', async () => {
      const r = await receiver('t');
      await sender.send(notification(`${broker.url}/t`, undefined, { contentType: 'application/ld+json', link: undefined }), 2000);
      const [msg] = await r.waitFor(1);
      assert.deepEqual(msg!.payload.metadata, { 'Content-Type': 'application/ld+json' });
    });

    it('URL-decodes the topic', async () => {
      const r = await receiver('rooms/room 1/ä');
      await sender.send(notification(`${broker.url}/rooms/room%201/%C3%A4`), 2000);
      const [msg] = await r.waitFor(1);
      assert.equal(msg!.topic, 'rooms/room 1/ä');
    });

    it('publishes with the QoS of notifierInfo MQTT-QoS', async () => {
      const r = await receiver('qos', 1);
      await sender.send(notification(`${broker.url}/qos`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-QoS', value: '1' }] } }), 2000);
      const [msg] = await r.waitFor(1);
      assert.equal(msg!.qos, 1);
    });

    it('resolves a QoS 1 publish only once the broker acknowledged it', async () => {
      // The broker answers PUBACK only after authorizePublish: delay that by 200 ms.
      const slow = await startEmbeddedBroker({
        host: '127.0.0.1',
        port: 0,
        hooks: { authorizePublish: (_client, _packet, callback) => void setTimeout(() => callback(null), 200) },
      });
      try {
        await sender.send(notification(`${slow.url}/warm-up`), 2000); // connected, QoS 0
        let started = Date.now();
        await sender.send(notification(`${slow.url}/q0`), 2000);
        assert.ok(Date.now() - started < 150, 'QoS 0 does not wait for the broker');
        started = Date.now();
        await sender.send(notification(`${slow.url}/q1`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-QoS', value: '1' }] } }), 2000);
        assert.ok(Date.now() - started >= 190, 'QoS 1 waits for PUBACK');
        await assert.rejects(
          sender.send(notification(`${slow.url}/q1`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-QoS', value: '1' }] } }), 100),
          /not acknowledged within 100 ms/,
        );
      } finally {
        await sender.close();
        await slow.close();
      }
    });

    it('shares one client per broker between subscriptions and topics', async () => {
      const r = await receiver('shared/#');
      const before = broker.aedes.connectedClients;
      await Promise.all([
        sender.send(notification(`${broker.url}/shared/a`), 2000),
        sender.send(notification(`${broker.url}/shared/b`), 2000),
        sender.send(notification(`${broker.url}/shared/c`, undefined, { subscriptionId: 'urn:ngsi-ld:Subscription:2' }), 2000),
      ]);
      await r.waitFor(3);
      assert.equal(broker.aedes.connectedClients, before + 1);
    });

    it('connects with the user name and password of the URI', async () => {
      const seen: Array<[string | undefined, string | undefined]> = [];
      const secured = await startEmbeddedBroker({
        host: '127.0.0.1',
        port: 0,
        hooks: {
          authenticate: (_client, username, password, done) => {
            seen.push([username, password?.toString()]);
            done(null, username === 'weft user' && password?.toString() === 's3:cret');
          },
        },
      });
      try {
        const r = await subscribeTo(secured.url, 'auth', { username: 'weft user', password: 's3:cret' });
        receivers.push(r);
        await sender.send(notification(`mqtt://weft%20user:s3%3Acret@127.0.0.1:${secured.port}/auth`), 2000);
        await r.waitFor(1);
        assert.deepEqual(seen[1], ['weft user', 's3:cret']);
      } finally {
        await sender.close();
        await secured.close();
      }
    });

    it('rejects within the time-out when the broker cannot be reached', async () => {
      const port = await freePort();
      const started = Date.now();
      await assert.rejects(sender.send(notification(`mqtt://127.0.0.1:${port}/t`), 200), /not reachable within 200 ms.*ECONNREFUSED/);
      assert.ok(Date.now() - started < 1000);
    });

    it('reconnects by itself after the broker restarts', async () => {
      await sender.send(notification(`${broker.url}/t`), 2000);
      const port = broker.port;
      await broker.close();
      await new Promise((r) => setTimeout(r, 100)); // the client notices the lost connection
      await assert.rejects(sender.send(notification(`${broker.url}/t`), 100), /not reachable/);
      broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
      const r = await receiver('t');
      await sender.send(notification(`${broker.url}/t`), 3000);
      await r.waitFor(1);
    });

    it('rejects a bad MQTT-QoS, a missing topic and a non-mqtt URI without connecting', async () => {
      await assert.rejects(sender.send(notification(`${broker.url}/t`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-QoS', value: '3' }] } }), 500), /MQTT-QoS/);
      await assert.rejects(sender.send(notification(`${broker.url}/t`, undefined, { endpoint: { notifierInfo: [{ key: 'MQTT-Version', value: 'toString' }] } }), 500), /MQTT-Version/);
      await assert.rejects(sender.send(notification(`${broker.url}`), 500), /no topic/);
      await assert.rejects(sender.send(notification('http://127.0.0.1/t'), 500), /not an mqtt/);
    });

    it('close() ends every client', async () => {
      await sender.send(notification(`${broker.url}/t`), 2000);
      const before = broker.aedes.connectedClients;
      await sender.close();
      for (let i = 0; i < 50 && broker.aedes.connectedClients >= before; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(broker.aedes.connectedClients, before - 1);
      await assert.rejects(sender.send(notification(`${broker.url}/t`), 200), /closed/);
    });
  });

  describe('against Mosquitto (MQTT 5 and 3.1.1)', () => {
    let mosquitto: Mosquitto | undefined;
    let sender: MqttSender;

    before(async function () {
      if (!hasMosquitto()) {
        console.log(`      skipped: ${MOSQUITTO} not installed (apt-get install mosquitto)`);
        this.skip();
      }
      mosquitto = await startMosquitto();
    });
    after(async () => {
      await mosquitto?.stop();
    });
    beforeEach(() => {
      sender = new MqttSender();
    });
    afterEach(async () => {
      await sender.close();
    });

    for (const [version, protocolVersion] of [['mqtt5.0', 5], ['mqtt3.1.1', 4]] as const) {
      it(`delivers with MQTT-Version ${version} at QoS 0, 1 and 2`, async () => {
        const r = await subscribeTo(mosquitto!.url, `v/${version}`, { qos: 2, protocolVersion });
        try {
          for (const qos of ['0', '1', '2']) {
            await sender.send(notification(`${mosquitto!.url}/v/${version}`, [{ id: `urn:ngsi-ld:Sensor:${qos}`, type: 'Sensor' }], {
              endpoint: { notifierInfo: [{ key: 'MQTT-Version', value: version }, { key: 'MQTT-QoS', value: qos }] },
            }), 2000);
          }
          const msgs = await r.waitFor(3);
          assert.deepEqual(msgs.map((m) => m.qos).sort(), [0, 1, 2]);
          assert.deepEqual(msgs.map((m) => m.payload.body.data[0].id).sort(), ['urn:ngsi-ld:Sensor:0', 'urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Sensor:2']);
          assert.equal(msgs[0]!.payload.metadata['Content-Type'], 'application/json');
        } finally {
          await r.close();
        }
      });
    }
  });
});
