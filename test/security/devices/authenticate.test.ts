import { strict as assert } from 'node:assert';
import { exportJWK } from 'jose';
import type { DeviceCredentials } from '../../../src/devices/model';
import {
  authenticateDevice,
  DeviceAuthError,
  looksLikeDeviceToken,
  MAX_DEVICE_KEYS,
  signDeviceToken,
  toDeviceCredentials,
  verifyPassword,
} from '../../../src/security/devices';
import { badRequest, deviceToken, expectation, makeDeviceKey, rejectsWith, T0, type DeviceKey } from './helpers';

describe('security/devices: authenticateDevice and toDeviceCredentials', () => {
  let es: DeviceKey;
  let ed: DeviceKey;
  let both: DeviceCredentials;
  before(async () => {
    [es, ed] = await Promise.all([makeDeviceKey('ES256'), makeDeviceKey('EdDSA')]);
    both = await toDeviceCredentials({ password: 's3cret-pw', publicKeys: [await exportJWK(ed.privateKey).then(({ d: _d, ...pub }) => pub)] }, 'device');
  });

  describe('authenticateDevice', () => {
    it('accepts the right password and a valid device token', async () => {
      await authenticateDevice(both, 's3cret-pw', expectation());
      const token = await signDeviceToken(ed.privateKey, { deviceId: 'sensor-1', kid: both.publicKeys![0].kid, alg: 'EdDSA', audience: 'weft-mqtt', ttlSec: 60, nowMs: T0 * 1000 });
      await authenticateDevice(both, token, expectation());
    });

    it('a wrong password (bad_password)', async () => {
      await rejectsWith(authenticateDevice(both, 'S3cret-pw', expectation()), 'bad_password');
    });

    it('passes the token refusal through with its reason', async () => {
      await rejectsWith(authenticateDevice(both, await deviceToken(ed, { sub: 'sensor-2' }), expectation()), 'wrong_device');
      await rejectsWith(authenticateDevice(both, await deviceToken(es, { kid: both.publicKeys![0].kid }), expectation()), 'algorithm');
      await rejectsWith(authenticateDevice(both, await deviceToken(ed, { exp: T0 - 1, iat: T0 - 61 }), expectation()), 'expired');
    });

    it('no secret, or none of the presented kind registered (no_credentials)', async () => {
      const passwordOnly = await toDeviceCredentials({ password: 's3cret-pw' }, 'd');
      const keyOnly = await toDeviceCredentials({ publicKeys: [es.stored] }, 'd');
      await rejectsWith(authenticateDevice(both, '', expectation()), 'no_credentials');
      await rejectsWith(authenticateDevice({}, 's3cret-pw', expectation()), 'no_credentials');
      await rejectsWith(authenticateDevice(keyOnly, 's3cret-pw', expectation()), 'no_credentials');
      const err = await rejectsWith(authenticateDevice(passwordOnly, await deviceToken(es), expectation()), 'no_credentials');
      assert.match(err.message, /token but has no registered public key/);
      await authenticateDevice(keyOnly, await deviceToken(es), expectation());
    });

    it('never echoes the secret', async () => {
      const err = await rejectsWith(authenticateDevice(both, 'hunter2-guess', expectation()), 'bad_password');
      assert.ok(!`${err.message} ${err.detail ?? ''}`.includes('hunter2'));
      assert.ok(err instanceof DeviceAuthError && err.name === 'DeviceAuthError');
    });
  });

  it('looksLikeDeviceToken: only three base64url parts whose first is a JSON object', async () => {
    assert.equal(looksLikeDeviceToken(await deviceToken(es)), true);
    for (const s of ['my.pass.word', 'a.b.c', 'eyJ.x.y', 'plain', '', '..', `${Buffer.from('[1]').toString('base64url')}.a.b`]) {
      assert.equal(looksLikeDeviceToken(s), false, s);
    }
  });

  describe('toDeviceCredentials', () => {
    it('hashes the password and validates and names the keys', async () => {
      assert.equal(both.passwordHash?.startsWith('scrypt$'), true);
      assert.equal(await verifyPassword('s3cret-pw', both.passwordHash!), true);
      assert.equal(both.publicKeys?.length, 1);
      assert.equal(both.publicKeys![0].alg, 'EdDSA');
      assert.equal(JSON.stringify(both).includes('s3cret'), false);
    });

    it('leaves out what was not given', async () => {
      assert.deepEqual(await toDeviceCredentials({}, 'd'), {});
      assert.deepEqual(await toDeviceCredentials({ publicKeys: [] }, 'd'), {});
    });

    it('refuses bad passwords', async () => {
      await badRequest(toDeviceCredentials({ password: '' }, 'devices[0]'), /^devices\[0\]: password must be a non-empty string/);
      await badRequest(toDeviceCredentials({ password: 42 as unknown as string }, 'd'), /non-empty string/);
      await badRequest(toDeviceCredentials({ password: 'x'.repeat(1025) }, 'd'), /at most 1024/);
      await badRequest(toDeviceCredentials({ password: await deviceToken(es) }, 'd'), /shape of a signed token/);
    });

    it('refuses bad key lists, naming the key', async () => {
      await badRequest(toDeviceCredentials({ publicKeys: 'jwk' as unknown as unknown[] }, 'd'), /publicKeys must be an array/);
      await badRequest(toDeviceCredentials({ publicKeys: Array.from({ length: MAX_DEVICE_KEYS + 1 }, () => es.stored) }, 'd'), /at most 10/);
      await badRequest(toDeviceCredentials({ publicKeys: [es.stored, { ...ed.stored, kid: es.stored.kid }] }, 'd'), /share the kid/);
      await badRequest(toDeviceCredentials({ publicKeys: [es.stored, es.stored] }, 'd'), /share the kid/);
      await badRequest(toDeviceCredentials({ publicKeys: [es.stored, await exportJWK(ed.privateKey)] }, 'devices[2]'), /^devices\[2\]\.publicKeys\[1\]: the key carries private members \(d\)/);
    });

    it('refuses input that is not an object', async () => {
      await badRequest(toDeviceCredentials(null as never, 'd'), /credentials must be an object/);
    });
  });
});
