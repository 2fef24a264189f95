import { strict as assert } from 'node:assert';
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, type JsonWebKey } from 'node:crypto';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import type { DevicePublicKey } from '../../../src/devices/model';
import { parseDevicePublicKey } from '../../../src/security/devices/device-key';
import { DeviceAuthError, signDeviceToken, verifyDeviceToken } from '../../../src/security/devices/device-token';
import { b64, deviceToken, expectation, makeDeviceKey, rejectsWith, T0, type DeviceKey } from './helpers';

describe('security/devices: device tokens', () => {
  let es: DeviceKey;
  let ed: DeviceKey;
  let rs: DeviceKey;
  before(async () => {
    [es, ed, rs] = await Promise.all([makeDeviceKey('ES256'), makeDeviceKey('EdDSA'), makeDeviceKey('RS256')]);
  });

  describe('accepts', () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
      it(`a ${alg} token from signDeviceToken, returning its expiry in epoch ms`, async () => {
        const key = { ES256: es, EdDSA: ed, RS256: rs }[alg];
        const token = await signDeviceToken(key.privateKey, { deviceId: 'sensor-1', kid: key.stored.kid, alg, audience: 'weft-mqtt', ttlSec: 300, nowMs: T0 * 1000 + 999 });
        assert.deepEqual(await verifyDeviceToken(token, [key.stored], expectation()), { expiresAtMs: (T0 + 300) * 1000 });
      });
    }

    it('a token signed with a node KeyObject', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const stored = await parseDevicePublicKey(publicKey.export({ format: 'jwk' }), 'k');
      const token = await signDeviceToken(privateKey, { deviceId: 'sensor-1', kid: stored.kid, alg: 'EdDSA', audience: 'weft-mqtt', ttlSec: 60, nowMs: T0 * 1000 });
      await verifyDeviceToken(token, [stored], expectation());
    });

    it('the key its kid names among several (rotation), and the sole key when it names none', async () => {
      await verifyDeviceToken(await deviceToken(ed), [es.stored, ed.stored, rs.stored], expectation());
      await verifyDeviceToken(await deviceToken(ed, { kid: null }), [ed.stored], expectation());
    });

    it('an audience list that includes the expected audience', async () => {
      await verifyDeviceToken(await deviceToken(es, { aud: ['other', 'weft-mqtt'] }), [es.stored], expectation());
    });

    it('a lifetime of exactly maxLifetimeSec', async () => {
      await verifyDeviceToken(await deviceToken(es, { exp: T0 + 3600 }), [es.stored], expectation());
    });

    it('the same key again (imports are cached) and a stored key given back with private members (they are ignored)', async () => {
      const token = await deviceToken(rs);
      await verifyDeviceToken(token, [{ ...rs.stored }], expectation());
      await verifyDeviceToken(token, [{ ...rs.stored, ...(await exportJWK(rs.privateKey)), kid: rs.stored.kid, alg: 'RS256' } as DevicePublicKey], expectation());
    });
  });

  describe('refuses forged and confused tokens', () => {
    it('alg none (algorithm)', async () => {
      const token = `${b64({ alg: 'none', kid: es.stored.kid })}.${b64({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 60 })}.`;
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation()), 'algorithm');
      await rejectsWith(verifyDeviceToken(token.replace('none', 'None'), [es.stored], expectation()), 'algorithm');
    });

    it('HS256 signed with the RSA public key bytes (algorithm)', async () => {
      const pem = createPublicKey({ key: rs.stored as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      for (const secret of [pem, Buffer.from(rs.stored.n as string, 'base64url')]) {
        const input = `${b64({ alg: 'HS256', kid: rs.stored.kid, typ: 'JWT' })}.${b64({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 60 })}`;
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        await rejectsWith(verifyDeviceToken(token, [rs.stored], expectation()), 'algorithm');
      }
    });

    it('a valid signature under an algorithm the named key is not pinned to (algorithm)', async () => {
      // The EC key signs, but the token names the RSA key: the header's ES256 does not fit it.
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { kid: rs.stored.kid }), [es.stored, rs.stored], expectation()), 'algorithm');
      // RSA-PSS and ES384 are asymmetric but not device algorithms.
      const rsaKeyObject = createPrivateKey({ key: (await exportJWK(rs.privateKey)) as JsonWebKey, format: 'jwk' });
      const rsaPss = await new SignJWT({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 60 }).setProtectedHeader({ alg: 'PS256', kid: rs.stored.kid }).sign(rsaKeyObject);
      await rejectsWith(verifyDeviceToken(rsaPss, [rs.stored], expectation()), 'algorithm');
      const p384 = await makeDeviceKeyUnchecked('ES384');
      await rejectsWith(verifyDeviceToken(p384.token, [p384.stored], expectation()), 'algorithm');
    });

    it('a token signed by another key under the registered kid (bad_signature)', async () => {
      const attacker = await makeDeviceKey('ES256', es.stored.kid);
      await rejectsWith(verifyDeviceToken(await deviceToken(attacker), [es.stored], expectation()), 'bad_signature');
      // A key embedded in the header is never followed.
      const embedded = await new SignJWT({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 60 })
        .setProtectedHeader({ alg: 'ES256', kid: es.stored.kid, jwk: { kty: 'EC', crv: 'P-256', x: attacker.stored.x as string, y: attacker.stored.y as string } })
        .sign(attacker.privateKey);
      await rejectsWith(verifyDeviceToken(embedded, [es.stored], expectation()), 'bad_signature');
      // Without a kid, the sole registered key is used: still not the attacker's.
      await rejectsWith(verifyDeviceToken(await deviceToken(attacker, { kid: null }), [es.stored], expectation()), 'bad_signature');
    });

    it('a payload changed after signing (bad_signature)', async () => {
      const [h, , s] = (await deviceToken(ed, { sub: 'sensor-2' })).split('.');
      const forged = `${h}.${b64({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 600 })}.${s}`;
      await rejectsWith(verifyDeviceToken(forged, [ed.stored], expectation()), 'bad_signature');
    });

    it('a kid the device has not registered, no kid with several keys, no keys at all (unknown_key)', async () => {
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { kid: 'other' }), [es.stored], expectation()), 'unknown_key');
      await rejectsWith(verifyDeviceToken(await deviceToken(es), [ed.stored, rs.stored], expectation()), 'unknown_key');
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { kid: null }), [es.stored, ed.stored], expectation()), 'unknown_key');
      await rejectsWith(verifyDeviceToken(await deviceToken(es), [], expectation()), 'unknown_key');
    });

    it('a stored RSA key under 2048 bits that slipped past provisioning (unknown_key)', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const weak = { ...publicKey.export({ format: 'jwk' }), kid: 'weak', alg: 'RS256' } as DevicePublicKey;
      const input = `${b64({ alg: 'RS256', kid: 'weak' })}.${b64({ sub: 'sensor-1', aud: 'weft-mqtt', iat: T0, exp: T0 + 60 })}`;
      const token = `${input}.${nodeSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
      await rejectsWith(verifyDeviceToken(token, [weak], expectation()), 'unknown_key');
    });
  });

  describe('refuses tokens for someone else', () => {
    it('another device (wrong_device)', async () => {
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { sub: 'sensor-2' }), [es.stored], expectation()), 'wrong_device');
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { sub: 'sensor-1' }), [es.stored], expectation({ deviceId: 'sensor-10' })), 'wrong_device');
    });

    it('another audience, or none (wrong_audience)', async () => {
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { aud: 'weft-http' }), [es.stored], expectation()), 'wrong_audience');
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { aud: null }), [es.stored], expectation()), 'wrong_audience');
    });
  });

  describe('time', () => {
    it('expired: refused without tolerance, accepted within it', async () => {
      const token = await deviceToken(es, { exp: T0 + 600 });
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation({ nowMs: (T0 + 600) * 1000 })), 'expired');
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation({ nowMs: (T0 + 700) * 1000, clockToleranceSec: 60 })), 'expired');
      await verifyDeviceToken(token, [es.stored], expectation({ nowMs: (T0 + 630) * 1000, clockToleranceSec: 60 }));
    });

    it('nbf in the future: refused without tolerance, accepted within it', async () => {
      const token = await deviceToken(es, { nbf: T0 + 30 });
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation()), 'not_yet_valid');
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation({ clockToleranceSec: 10 })), 'not_yet_valid');
      await verifyDeviceToken(token, [es.stored], expectation({ clockToleranceSec: 30 }));
    });

    it('iat in the future (a device clock ahead): refused beyond tolerance, accepted within it', async () => {
      const token = await deviceToken(es, { iat: T0 + 30, exp: T0 + 630 });
      await rejectsWith(verifyDeviceToken(token, [es.stored], expectation()), 'not_yet_valid');
      await verifyDeviceToken(token, [es.stored], expectation({ clockToleranceSec: 30 }));
    });

    it('a lifetime beyond maxLifetimeSec (lifetime_too_long), even when still valid now', async () => {
      const token = await deviceToken(es, { exp: T0 + 3601 });
      const err = await rejectsWith(verifyDeviceToken(token, [es.stored], expectation()), 'lifetime_too_long');
      assert.match(err.detail ?? '', /3601 s, at most 3600/);
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { exp: T0 + 10 * 365 * 86400 }), [es.stored], expectation()), 'lifetime_too_long');
    });
  });

  describe('malformed', () => {
    it('missing exp, iat or sub', async () => {
      for (const shape of [{ exp: null }, { iat: null }, { sub: null }] as const) {
        await rejectsWith(verifyDeviceToken(await deviceToken(es, shape), [es.stored], expectation()), 'malformed');
      }
    });

    it('exp before iat', async () => {
      await rejectsWith(verifyDeviceToken(await deviceToken(es, { iat: T0 + 5, exp: T0 + 3 }), [es.stored], expectation({ clockToleranceSec: 10 })), 'malformed');
    });

    it('not a compact JWS, not JSON, overlong', async () => {
      for (const token of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', `${b64('[1]')}.${b64({})}.AAAA`, `${b64({ alg: 'ES256' })}.${b64({})}.`, 'A'.repeat(20_000)]) {
        await rejectsWith(verifyDeviceToken(token, [es.stored], expectation()), 'malformed');
      }
    });

    it('a time claim that is not a number, in a correctly signed token', async () => {
      for (const claims of [{ exp: 'later', iat: T0 }, { exp: T0 + 60, iat: '2026-01-01' }, { exp: T0 + 60, iat: T0, nbf: true }]) {
        const token = await new SignJWT({ sub: 'sensor-1', aud: 'weft-mqtt', ...claims } as unknown as JWTPayload).setProtectedHeader({ alg: 'EdDSA', kid: ed.stored.kid }).sign(ed.privateKey);
        await rejectsWith(verifyDeviceToken(token, [ed.stored], expectation()), 'malformed');
      }
    });
  });

  it('refuses a wiring mistake in the expectation with a TypeError, not a DeviceAuthError', async () => {
    const token = await deviceToken(es);
    for (const bad of [{ audience: '' }, { deviceId: '' }, { maxLifetimeSec: 0 }, { maxLifetimeSec: NaN }, { clockToleranceSec: -1 }]) {
      await assert.rejects(verifyDeviceToken(token, [es.stored], expectation(bad)), (err: unknown) => err instanceof TypeError && !(err instanceof DeviceAuthError));
    }
  });

  it('signDeviceToken refuses a non-positive ttl', async () => {
    await assert.rejects(signDeviceToken(es.privateKey, { deviceId: 'd', kid: 'k', alg: 'ES256', audience: 'a', ttlSec: 0 }), TypeError);
  });
});

/** A P-384 key stored as if provisioning had let it through, with a token it signed. */
async function makeDeviceKeyUnchecked(alg: 'ES384'): Promise<{ stored: DevicePublicKey; token: string }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const stored = { ...publicKey.export({ format: 'jwk' }), kid: 'p384' } as DevicePublicKey;
  const token = await signDeviceToken(createPrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' })), {
    deviceId: 'sensor-1',
    kid: 'p384',
    alg: alg as never,
    audience: 'weft-mqtt',
    ttlSec: 60,
    nowMs: T0 * 1000,
  });
  return { stored, token };
}
