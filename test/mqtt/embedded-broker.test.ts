import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import { connectAsync } from 'mqtt';
import { startEmbeddedBroker } from '../../src/mqtt/embedded-broker';
import { subscribeTo } from '../notify/mqtt-receiver';

describe('mqtt: embedded broker', () => {
  it('routes a publish to a subscriber (MQTT 3.1.1)', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    try {
      assert.equal(broker.url, `mqtt://127.0.0.1:${broker.port}`);
      const sub = await subscribeTo(broker.url, 'devices/+/attrs', { qos: 1 });
      const pub = await connectAsync(broker.url, { protocolVersion: 4 });
      await pub.publishAsync('devices/d1/attrs', JSON.stringify({ t: 21.5 }), { qos: 1 });
      const [msg] = await sub.waitFor(1);
      assert.deepEqual(msg, { topic: 'devices/d1/attrs', payload: { t: 21.5 }, qos: 1 });
      await pub.endAsync();
      await sub.close();
    } finally {
      await broker.close();
    }
  });

  it('close() frees the port, also with clients still connected', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    const client = await connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    await broker.close();
    await closed;
    await broker.close(); // twice is harmless
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(broker.port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => again.close(() => resolve()));
    await client.endAsync(true);
  });

  it('rejects when the port is taken', async () => {
    const first = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    try {
      await assert.rejects(startEmbeddedBroker({ host: '127.0.0.1', port: first.port }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });

  it('refuses a client that the authenticate hook refuses', async () => {
    const broker = await startEmbeddedBroker({
      host: '127.0.0.1',
      port: 0,
      hooks: { authenticate: (_c, username, _p, done) => done(null, username === 'device-1') },
    });
    try {
      await assert.rejects(connectAsync(broker.url, { username: 'intruder', reconnectPeriod: 0 }), /Not authorized/);
      const ok = await connectAsync(broker.url, { username: 'device-1', reconnectPeriod: 0 });
      await ok.endAsync();
    } finally {
      await broker.close();
    }
  });

  it('does not let clients publish on the broker\'s $SYS/ topics', async () => {
    const broker = await startEmbeddedBroker({ host: '127.0.0.1', port: 0 });
    try {
      const sub = await subscribeTo(broker.url, '$SYS/fake');
      const pub = await connectAsync(broker.url, { reconnectPeriod: 0 });
      // aedes disconnects a client whose publish is refused.
      const gone = new Promise<void>((resolve) => pub.once('close', () => resolve()));
      pub.publish('$SYS/fake', 'x');
      await gone;
      await assert.rejects(sub.waitFor(1, 100));
      await pub.endAsync(true);
      await sub.close();
    } finally {
      await broker.close();
    }
  });
});
