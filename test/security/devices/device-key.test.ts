import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { deviceKeyAlgorithm, parseDevicePublicKey } from '../../../src/security/devices/device-key';
import { badRequest } from './helpers';

describe('security/devices: device public keys', () => {
  const pairs: Record<string, { pub: JWK; priv: JWK }> = {};
  before(async () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      pairs[alg] = { pub: await exportJWK(publicKey), priv: await exportJWK(privateKey) };
    }
  });

  describe('accepts', () => {
    for (const [alg, kty, crv] of [
      ['ES256', 'EC', 'P-256'],
      ['EdDSA', 'OKP', 'Ed25519'],
      ['RS256', 'RSA', undefined],
    ] as const) {
      it(`a ${kty}${crv === undefined ? '' : ` ${crv}`} public JWK, pinned to ${alg}, kid = its RFC 7638 thumbprint`, async () => {
        const { pub } = pairs[alg];
        const key = await parseDevicePublicKey(pub, 'devices[0].publicKeys[0]');
        assert.equal(key.kty, kty);
        assert.equal(key.crv, crv);
        assert.equal(key.alg, alg);
        assert.equal(key.kid, await calculateJwkThumbprint(pub));
        assert.equal(deviceKeyAlgorithm(key), alg);
      });
    }

    it('keeps the given kid and only the public members (key_ops, ext and unknown members dropped)', async () => {
      const key = await parseDevicePublicKey({ ...pairs.ES256.pub, kid: 'sensor-1-2026', use: 'sig', alg: 'ES256', key_ops: ['verify'], ext: true, note: 'x' }, 'k');
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      assert.equal(key.kid, 'sensor-1-2026');
    });

    it('an RSA key above 2048 bits', async function () {
      this.timeout(30_000); // RSA key generation time varies a lot on a loaded machine
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
      const key = await parseDevicePublicKey(publicKey.export({ format: 'jwk' }), 'k');
      assert.equal(key.alg, 'RS256');
    });
  });

  describe('refuses, with BadRequestData naming where', () => {
    for (const alg of ['ES256', 'EdDSA', 'RS256'] as const) {
      it(`a private ${alg} JWK (the device leaked its key: never stripped silently)`, async () => {
        const detail = await badRequest(parseDevicePublicKey(pairs[alg].priv, 'devices[3].publicKeys[1]'), /private members \(d/);
        assert.match(detail, /^devices\[3\]\.publicKeys\[1\]: /);
        assert.match(detail, /compromised/);
      });
    }

    it('each private member on its own, and a symmetric key', async () => {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) {
        await badRequest(parseDevicePublicKey({ ...pairs.RS256.pub, [member]: 'AQAB' }, 'k'), new RegExp(`private members \\(${member}\\)`));
      }
      await badRequest(parseDevicePublicKey({ kty: 'oct', k: 'c2VjcmV0' }, 'k'), /symmetric/);
    });

    it('an RSA key of 1024 bits', async () => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      await badRequest(parseDevicePublicKey(publicKey.export({ format: 'jwk' }), 'k'), /1024 bits; at least 2048/);
    });

    it('an RSA key with an even or oversized public exponent', async () => {
      await badRequest(parseDevicePublicKey({ ...pairs.RS256.pub, e: 'AQAA' }, 'k'), /exponent/);
      await badRequest(parseDevicePublicKey({ ...pairs.RS256.pub, e: Buffer.alloc(64, 0xff).toString('base64url') }, 'k'), /exponent/);
    });

    it('curves and key types devices may not use', async () => {
      const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
      await badRequest(parseDevicePublicKey(p384, 'k'), /unsupported EC curve "P-384"; use P-256/);
      const x25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' });
      await badRequest(parseDevicePublicKey(x25519, 'k'), /unsupported OKP curve "X25519"; use Ed25519/);
      await badRequest(parseDevicePublicKey({ kty: 'AKP', pub: 'AAAA' }, 'k'), /unsupported key type "AKP"/);
      await badRequest(parseDevicePublicKey({ x: 'AAAA' }, 'k'), /unsupported key type undefined/);
    });

    it('an alg other than the one its type is pinned to, a use other than sig, key_ops without verify', async () => {
      await badRequest(parseDevicePublicKey({ ...pairs.RS256.pub, alg: 'PS256' }, 'k'), /signs with RS256, not "PS256"/);
      await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, alg: 'HS256' }, 'k'), /signs with ES256/);
      await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, use: 'enc' }, 'k'), /"use" must be "sig"/);
      await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, key_ops: ['encrypt'] }, 'k'), /key_ops/);
    });

    it('a kid that is not a printable string', async () => {
      for (const kid of [42, '', 'a b', 'line\nbreak', 'x'.repeat(257)]) {
        await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, kid }, 'k'), /"kid" must be/);
      }
    });

    it('not an object, or a member missing or not base64url', async () => {
      for (const jwk of [null, 'jwk', [pairs.ES256.pub], 42]) await badRequest(parseDevicePublicKey(jwk, 'k'), /must be a JWK object/);
      await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, y: undefined }, 'k'), /lacks "y"/);
      await badRequest(parseDevicePublicKey({ ...pairs.EdDSA.pub, x: 'not base64!' }, 'k'), /"x" is not base64url/);
    });

    it('a key that does not import (a point off the curve, a short Ed25519 key)', async () => {
      const { x, y } = pairs.ES256.pub as { x: string; y: string };
      await badRequest(parseDevicePublicKey({ ...pairs.ES256.pub, y: x === y ? 'AAAA' : x }, 'k'), /does not import as an ES256 public key/);
      await badRequest(parseDevicePublicKey({ ...pairs.EdDSA.pub, x: 'AAAA' }, 'k'), /does not import as an EdDSA public key/);
    });
  });
});
