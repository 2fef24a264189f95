/**
 * The embedded broker's access rules (devices/mqtt/access.ts), hook by hook: which client
 * is a device, an application or Weft itself, and what each may publish, subscribe to and
 * receive. The e2e suites check the same rules through a real broker.
 */
import { strict as assert } from 'node:assert';
import pino from 'pino';
import type { DeviceChannel } from '../../../src/broker/device-channel';
import { embeddedAccess, INTERNAL_USERNAME } from '../../../src/devices/mqtt/access';
import type { MqttAuthHooks } from '../../../src/mqtt/auth-hooks';
import { DeviceAuthError } from '../../../src/security/devices';
import type { Authenticator } from '../../../src/security/jwt';

const log = pino({ level: 'silent' });

/** A channel that knows one device, k1/d1, with password 'pw'. */
const channel = {
  authenticate: async (apikey: string, deviceId: string, secret: string | undefined) => {
    if (apikey !== 'k1' || deviceId !== 'd1' || secret !== 'pw') throw new DeviceAuthError('bad_password');
  },
} as unknown as DeviceChannel;

const authenticate: Authenticator = async (token) => {
  if (token !== 'good-token') throw new Error('invalid');
  return { subject: 'app', roles: ['viewer'] } as never;
};

type Hooks = MqttAuthHooks;
const client = (id: string) => ({ id }) as never;

function connect(hooks: Hooks, c: object, username?: string, password?: string): Promise<{ ok: boolean; code?: number }> {
  return new Promise((resolve) =>
    hooks.authenticate(c as never, username, password === undefined ? undefined : Buffer.from(password), (err, ok) =>
      resolve(err ? { ok: false, code: err.returnCode } : { ok: ok === true }),
    ),
  );
}

const publish = (hooks: Hooks, c: object | null, topic: string): Promise<boolean> =>
  new Promise((resolve) => hooks.authorizePublish(c as never, { topic, payload: Buffer.from('x') } as never, (err) => resolve(!err)));

const subscribe = (hooks: Hooks, c: object, topic: string): Promise<boolean> =>
  new Promise((resolve) => hooks.authorizeSubscribe(c as never, { topic, qos: 0 } as never, (_err, sub) => resolve(sub != null)));

describe('devices/mqtt/access: the embedded broker access rules', () => {
  const { hooks, deviceOf } = embeddedAccess({ channel, authenticate, internalSecret: 'internal', log });

  it('authenticates devices by <apikey>/<deviceId> and refuses bad credentials with code 4', async () => {
    const d = client('d');
    assert.deepEqual(await connect(hooks, d, 'k1/d1', 'pw'), { ok: true });
    assert.deepEqual(deviceOf(d), { apikey: 'k1', deviceId: 'd1' });
    assert.deepEqual(await connect(hooks, client('x'), 'k1/d1', 'nope'), { ok: false, code: 4 });
    assert.deepEqual(await connect(hooks, client('y'), 'k1/d2', 'pw'), { ok: false, code: 4 });
  });

  it('admits applications with a valid bearer token, refuses others (5 without, 4 with a bad one)', async () => {
    const a = client('a');
    assert.deepEqual(await connect(hooks, a, 'anyone', 'good-token'), { ok: true });
    assert.equal(deviceOf(a), undefined);
    assert.deepEqual(await connect(hooks, client('b'), 'anyone'), { ok: false, code: 5 });
    assert.deepEqual(await connect(hooks, client('c'), undefined, 'bad-token'), { ok: false, code: 4 });
  });

  it("admits Weft's own client only with the process secret", async () => {
    assert.deepEqual(await connect(hooks, client('w'), INTERNAL_USERNAME, 'internal'), { ok: true });
    assert.deepEqual(await connect(hooks, client('v'), INTERNAL_USERNAME, 'internaL'), { ok: false, code: 4 });
    assert.deepEqual(await connect(hooks, client('u'), INTERNAL_USERNAME), { ok: false, code: 4 });
  });

  it('lets a device publish only its own measures and command results', async () => {
    const d = client('d2');
    await connect(hooks, d, 'k1/d1', 'pw');
    for (const t of ['/k1/d1/attrs', '/k1/d1/attrs/t', '/ul/k1/d1/attrs', 'k1/d1/attrs', '/k1/d1/cmdexe']) assert.equal(await publish(hooks, d, t), true, t);
    for (const t of ['/k1/d2/attrs', '/k2/d1/attrs', '/k1/d1/cmd', 'weft/notify/x', '$SYS/x']) assert.equal(await publish(hooks, d, t), false, t);
  });

  it("hands a device's own message to the gateway and lets aedes acknowledge it only afterwards", async () => {
    const access = embeddedAccess({ channel, authenticate, internalSecret: 'internal', log });
    const d = client('d9');
    await connect(access.hooks, d, 'k1/d1', 'pw');
    let release: () => void = () => undefined;
    const seen: string[] = [];
    access.onDeviceMessage((topic) => {
      seen.push(topic);
      return new Promise<void>((resolve) => (release = resolve));
    });
    let allowed = false;
    access.hooks.authorizePublish(d as never, { topic: '/k1/d1/attrs', payload: Buffer.from('{}') } as never, () => (allowed = true));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['/k1/d1/attrs']);
    assert.equal(allowed, false, 'no PUBACK before the gateway is done');
    release();
    await new Promise((r) => setImmediate(r));
    assert.equal(allowed, true);
  });

  it('lets applications publish anywhere but on device topics and $SYS', async () => {
    const a = client('a2');
    await connect(hooks, a, 'app', 'good-token');
    assert.equal(await publish(hooks, a, 'weft/notify/x'), true);
    for (const t of ['/k1/d1/attrs', '/k1/d1/cmd', '/k1/d1/cmdexe', '$SYS/broker']) assert.equal(await publish(hooks, a, t), false, t);
    assert.equal(await publish(hooks, null, '/k1/d1/cmd'), true, "Weft's in-process publications");
  });

  it('lets a device subscribe only to its own command topic, exactly', async () => {
    const d = client('d3');
    await connect(hooks, d, 'k1/d1', 'pw');
    assert.equal(await subscribe(hooks, d, '/k1/d1/cmd'), true);
    for (const t of ['/k1/d2/cmd', '/k1/+/cmd', '#', '/k1/d1/#', 'weft/notify/x']) assert.equal(await subscribe(hooks, d, t), false, t);
  });

  it('never forwards device topics to anyone but the device whose commands they are', async () => {
    const d = client('d4');
    await connect(hooks, d, 'k1/d1', 'pw');
    const other = client('d5');
    const a = client('a3');
    await connect(hooks, a, 'app', 'good-token');
    const packet = (topic: string) => ({ topic, payload: Buffer.from('x') }) as never;
    assert.ok(hooks.authorizeForward(d as never, packet('/k1/d1/cmd')));
    assert.equal(hooks.authorizeForward(a as never, packet('/k1/d1/cmd')), null);
    assert.equal(hooks.authorizeForward(other as never, packet('/k1/d1/cmd')), null);
    assert.equal(hooks.authorizeForward(a as never, packet('/k1/d1/attrs')), null);
    assert.equal(hooks.authorizeForward(d as never, packet('/k1/d1/attrs')), null);
    assert.ok(hooks.authorizeForward(a as never, packet('weft/notify/x')));
  });

  it('with auth off (no authenticator) admits applications without a token, devices still by credentials', async () => {
    const open = embeddedAccess({ channel, authenticate: undefined, internalSecret: 'internal', log }).hooks;
    assert.deepEqual(await connect(open, client('o'), undefined, undefined), { ok: true });
    assert.deepEqual(await connect(open, client('p'), 'k1/d1', 'wrong'), { ok: false, code: 4 });
  });
});
