import { strict as assert } from 'node:assert';
import { createHmac, createPublicKey } from 'node:crypto';
import { CompactSign, exportSPKI, SignJWT } from 'jose';
import { JwkKeySet } from '../../../src/security/jwt/jwk-key-set';
import { createTokenVerifier, type TokenVerifierOptions } from '../../../src/security/jwt/verifier';
import { b64, CountingKeySource, craft, keySet, makeKey, rejectsWith, sign, T0, testClock, type TestKey } from './helpers';

describe('security/jwt: token verifier', () => {
  let es: TestKey;
  let rs: TestKey;
  let ed: TestKey;
  before(async () => {
    [es, rs, ed] = await Promise.all([makeKey('ES256'), makeKey('RS256'), makeKey('EdDSA')]);
  });

  const verifierFor = (keys: CountingKeySource, extra: Partial<TokenVerifierOptions> = {}) => {
    const clock = testClock();
    const verifier = createTokenVerifier({ keys, issuer: 'https://idp.test', now: clock.now, ...extra });
    return { verifier, clock };
  };

  describe('accepts', () => {
    for (const which of ['ES256', 'RS256', 'EdDSA'] as const) {
      it(`a valid ${which} token, returning subject, claims and expiry in epoch ms`, async () => {
        const key = { ES256: es, RS256: rs, EdDSA: ed }[which];
        const { verifier } = verifierFor(keySet(es, rs, ed));
        const token = await sign(key, { roles: ['reader'] }, { exp: T0 + 600 });
        const verified = await verifier.verify(token);
        assert.equal(verified.subject, 'user-1');
        assert.deepEqual(verified.claims.roles, ['reader']);
        assert.equal(verified.expiresAt, (T0 + 600) * 1000);
      });
    }

    it('a token without kid when one of several keys of its type signed it', async () => {
      const other = await makeKey('ES256');
      const keys = new CountingKeySource(new JwkKeySet([{ ...other.publicJwk, kid: undefined }, { ...es.publicJwk, kid: undefined }]));
      const { verifier } = verifierFor(keys);
      const verified = await verifier.verify(await sign(es, {}, { kid: null }));
      assert.equal(verified.subject, 'user-1');
    });

    it('any one of several configured audiences', async () => {
      const { verifier } = verifierFor(keySet(es), { audience: ['weft', 'weft-admin'] });
      await verifier.verify(await sign(es, {}, { aud: ['other', 'weft-admin'] }));
    });
  });

  describe('refuses forged and confused signatures', () => {
    it('a token signed by another key under a trusted kid (bad_signature)', async () => {
      const attacker = await makeKey('ES256', es.kid);
      const { verifier } = verifierFor(keySet(es));
      await rejectsWith(verifier.verify(await sign(attacker)), 'bad_signature');
    });

    it('a token whose payload was changed after signing (bad_signature)', async () => {
      const { verifier } = verifierFor(keySet(es));
      const [h, , s] = (await sign(es, { roles: ['reader'] })).split('.');
      const forged = `${h}.${b64({ sub: 'user-1', iss: 'https://idp.test', exp: T0 + 3600, roles: ['admin'] })}.${s}`;
      await rejectsWith(verifier.verify(forged), 'bad_signature');
    });

    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      it(`alg "${alg}" (hand-crafted, empty signature) before any key lookup (unsupported_alg)`, async () => {
        const keys = keySet(es);
        const { verifier } = verifierFor(keys);
        const token = craft({ alg, typ: 'JWT' }, { sub: 'admin', iss: 'https://idp.test', exp: T0 + 3600, roles: ['admin'] });
        await rejectsWith(verifier.verify(token), 'unsupported_alg');
        assert.equal(keys.calls, 0);
      });
    }

    it('HS256 "signed" with the RSA public key PEM as HMAC secret (algorithm confusion, unsupported_alg)', async () => {
      const keys = keySet(rs);
      const { verifier } = verifierFor(keys, { algorithms: ['RS256'] });
      const pem = await exportSPKI(rs.publicKey);
      for (const secret of [pem, pem.trim(), createPublicKey(pem).export({ type: 'pkcs1', format: 'pem' }).toString()]) {
        const signingInput = `${b64({ alg: 'HS256', typ: 'JWT', kid: rs.kid })}.${b64({ sub: 'admin', iss: 'https://idp.test', exp: T0 + 3600 })}`;
        const token = `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
        await rejectsWith(verifier.verify(token), 'unsupported_alg');
      }
      assert.equal(keys.calls, 0, 'the RSA key is never even looked up');
    });

    it('ignores keys the token brings along (jwk / jku / x5u headers)', async () => {
      const attacker = await makeKey('ES256');
      const { verifier } = verifierFor(keySet(es));
      const withEmbedded = (kid: string) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid, jwk: attacker.publicJwk, jku: 'https://evil.test/jwks', x5u: 'https://evil.test/cert' })
          .setSubject('admin')
          .setIssuer('https://idp.test')
          .setIssuedAt(T0)
          .setExpirationTime(T0 + 60)
          .sign(attacker.privateKey);
      await rejectsWith(verifier.verify(await withEmbedded(es.kid)), 'bad_signature');
      await rejectsWith(verifier.verify(await withEmbedded(attacker.kid)), 'unknown_key');
    });

    it('an RS256 token when only ES256 is allowed (unsupported_alg)', async () => {
      const { verifier } = verifierFor(keySet(es, rs), { algorithms: ['ES256'] });
      await rejectsWith(verifier.verify(await sign(rs)), 'unsupported_alg');
    });

    it('cannot be configured with none or HS* algorithms, or with a symmetric key', () => {
      for (const algorithms of [['none'], ['HS256'], ['RS256', 'HS512'], ['RS265'], []]) {
        assert.throws(() => createTokenVerifier({ keys: keySet(rs), algorithms }), /jwt: /);
      }
      assert.throws(() => new JwkKeySet([{ kty: 'oct', k: 'c2VjcmV0' } as never]), /symmetric/);
    });
  });

  describe('checks time with a clock tolerance', () => {
    it('an expired token is refused past the tolerance and accepted within it', async () => {
      const { verifier, clock } = verifierFor(keySet(es), { clockToleranceSec: 30, cache: { ttlSec: 0 } });
      await rejectsWith(verifier.verify(await sign(es, {}, { iat: T0 - 3600, exp: T0 - 31 })), 'expired');
      await verifier.verify(await sign(es, {}, { iat: T0 - 3600, exp: T0 - 29 }));
      clock.advance(2);
      await rejectsWith(verifier.verify(await sign(es, {}, { iat: T0 - 3600, exp: T0 - 29 })), 'expired');
    });

    it('without tolerance, a token is expired at its exp second', async () => {
      const { verifier } = verifierFor(keySet(es), { clockToleranceSec: 0 });
      await rejectsWith(verifier.verify(await sign(es, {}, { iat: T0 - 60, exp: T0 })), 'expired');
      await verifier.verify(await sign(es, {}, { iat: T0 - 60, exp: T0 + 1 }));
    });

    it('a not-yet-valid token (nbf) is refused past the tolerance and accepted within it', async () => {
      const { verifier } = verifierFor(keySet(es), { clockToleranceSec: 30 });
      await rejectsWith(verifier.verify(await sign(es, {}, { nbf: T0 + 31 })), 'not_yet_valid');
      await verifier.verify(await sign(es, {}, { nbf: T0 + 30 }));
      const strict = verifierFor(keySet(es), { clockToleranceSec: 0 }).verifier;
      await rejectsWith(strict.verify(await sign(es, {}, { nbf: T0 + 1 })), 'not_yet_valid');
    });

    it('maxTokenAgeSec refuses old tokens whatever their exp, and tokens without iat', async () => {
      const { verifier } = verifierFor(keySet(es), { maxTokenAgeSec: 300, clockToleranceSec: 0 });
      await rejectsWith(verifier.verify(await sign(es, {}, { iat: T0 - 301, exp: T0 + 3600 })), 'expired');
      await verifier.verify(await sign(es, {}, { iat: T0 - 300, exp: T0 + 3600 }));
      const err = await rejectsWith(verifier.verify(await sign(es, {}, { iat: null })), 'malformed');
      assert.match(err.message, /iat/);
    });

    it('refuses a token without exp (zero-trust) unless allowNoExp is set', async () => {
      const token = await sign(es, {}, { exp: null });
      const err = await rejectsWith(verifierFor(keySet(es)).verifier.verify(token), 'malformed');
      assert.match(err.message, /no expiry/);
      const lenient = verifierFor(keySet(es), { allowNoExp: true }).verifier;
      const verified = await lenient.verify(token);
      assert.equal(verified.expiresAt, undefined);
    });

    it('refuses a token without a subject', async () => {
      const err = await rejectsWith(verifierFor(keySet(es)).verifier.verify(await sign(es, {}, { sub: null })), 'malformed');
      assert.match(err.message, /subject/);
    });
  });

  describe('checks issuer and audience', () => {
    it('a token from another issuer, or with none, is refused (wrong_issuer)', async () => {
      const { verifier } = verifierFor(keySet(es));
      await rejectsWith(verifier.verify(await sign(es, {}, { iss: 'https://evil.test' })), 'wrong_issuer');
      await rejectsWith(verifier.verify(await sign(es, {}, { iss: null })), 'wrong_issuer');
    });

    it('a token for another audience, or with none, is refused (wrong_audience)', async () => {
      const { verifier } = verifierFor(keySet(es), { audience: 'weft' });
      await rejectsWith(verifier.verify(await sign(es, {}, { aud: 'grafana' })), 'wrong_audience');
      await rejectsWith(verifier.verify(await sign(es, {}, { aud: ['grafana', 'kibana'] })), 'wrong_audience');
      await rejectsWith(verifier.verify(await sign(es)), 'wrong_audience');
    });
  });

  describe('refuses unknown keys and malformed tokens', () => {
    it('a kid the key source does not know (unknown_key)', async () => {
      const { verifier } = verifierFor(keySet(es));
      await rejectsWith(verifier.verify(await sign(es, {}, { kid: 'rotated-away' })), 'unknown_key');
      await rejectsWith(verifier.verify(await sign(rs)), 'unknown_key'); // no RSA key at all
    });

    const malformed: Array<[string, string]> = [
      ['one part', 'abc'],
      ['two parts', 'abc.def'],
      ['four parts', 'a.b.c.d'],
      ['five parts (a JWE)', 'a.b.c.d.e'],
      ['characters outside base64url', `${b64({ alg: 'ES256' })}.e30=.c2ln`],
      ['whitespace inside', `${b64({ alg: 'ES256' })}.e30 .c2ln`],
      ['an impossible base64 length', `${b64({ alg: 'ES256' })}.e30Ab.c2ln`],
      ['a header that is not JSON', `${b64('{alg:ES256')}.e30.c2ln`],
      ['a header that is a JSON array', `${b64(['ES256'])}.e30.c2ln`],
      ['a header without alg', `${b64({ typ: 'JWT' })}.e30.c2ln`],
      ['a non-string kid', `${b64({ alg: 'ES256', kid: 7 })}.e30.c2ln`],
      ['an empty payload', `${b64({ alg: 'ES256' })}..c2ln`],
      ['an empty signature', `${b64({ alg: 'ES256' })}.e30.`],
    ];
    for (const [what, token] of malformed) {
      it(`${what} (malformed)`, async () => {
        const keys = keySet(es);
        await rejectsWith(verifierFor(keys).verifier.verify(token), 'malformed');
        assert.equal(keys.calls, 0);
      });
    }

    it('a correctly signed token whose payload is not JSON (malformed)', async () => {
      const token = await new CompactSign(new TextEncoder().encode('{"sub": "x",')).setProtectedHeader({ alg: 'ES256', kid: es.kid }).sign(es.privateKey);
      await rejectsWith(verifierFor(keySet(es)).verifier.verify(token), 'malformed');
    });

    it('an empty token (missing) and an oversized one (malformed)', async () => {
      const { verifier } = verifierFor(keySet(es), { maxTokenLength: 100 });
      await rejectsWith(verifier.verify(''), 'missing');
      await rejectsWith(verifier.verify(undefined as unknown as string), 'missing');
      await rejectsWith(verifier.verify(await sign(es)), 'malformed');
    });

    it('never echoes the token or its claims in the client message', async () => {
      const { verifier } = verifierFor(keySet(es), { audience: 'weft' });
      const tokens = [
        await sign(es, { secret: 'hunter2' }, { aud: 'elsewhere' }),
        await sign(es, { secret: 'hunter2' }, { iss: 'https://evil.test', aud: 'weft' }),
        await sign(es, { secret: 'hunter2' }, { kid: 'hunter2-kid', aud: 'weft' }),
        craft({ alg: 'none', kid: 'hunter2' }, { secret: 'hunter2' }),
        'hunter2.hunter2.hunter2',
      ];
      for (const token of tokens) {
        const err = await verifier.verify(token).then(() => assert.fail('accepted'), (e: Error) => e);
        for (const part of [token, ...token.split('.').filter(Boolean), 'hunter2', 'evil', 'weft']) assert.ok(!err.message.includes(part), `${err.message} leaks ${part}`);
      }
    });
  });

  describe('caches verified tokens', () => {
    it('answers a repeated token without consulting the key source again', async () => {
      const keys = keySet(es);
      const { verifier } = verifierFor(keys);
      const token = await sign(es, { roles: ['reader'] });
      const first = await verifier.verify(token);
      const second = await verifier.verify(token);
      assert.equal(keys.calls, 1);
      assert.equal(second, first);
      assert.deepEqual(verifier.stats, { hits: 1, negativeHits: 0, verifications: 1 });
    });

    it('re-rejects a cached token as expired once its exp (plus tolerance) passes', async () => {
      const keys = keySet(es);
      const { verifier, clock } = verifierFor(keys, { clockToleranceSec: 5, cache: { ttlSec: 3600 } });
      const token = await sign(es, {}, { exp: T0 + 60 });
      await verifier.verify(token);
      clock.set(T0 + 64);
      await verifier.verify(token);
      assert.equal(keys.calls, 1, 'still inside exp + tolerance: a cache hit');
      clock.set(T0 + 65);
      await rejectsWith(verifier.verify(token), 'expired');
      await rejectsWith(verifier.verify(token), 'expired');
      assert.equal(verifier.stats.negativeHits, 1, 'the expiry is remembered');
    });

    it('answers from the cache exactly as a fresh verification would at the maxTokenAge limit', async () => {
      const keys = keySet(es);
      const { verifier, clock } = verifierFor(keys, { maxTokenAgeSec: 100, clockToleranceSec: 2, cache: { ttlSec: 3600 } });
      const token = await sign(es, {}, { iat: T0, exp: T0 + 3600 });
      await verifier.verify(token);
      clock.set(T0 + 102.999);
      await verifier.verify(token);
      const fresh = createTokenVerifier({ keys, issuer: 'https://idp.test', maxTokenAgeSec: 100, clockToleranceSec: 2, now: clock.now });
      await fresh.verify(token);
      clock.set(T0 + 103);
      await rejectsWith(verifier.verify(token), 'expired');
      await rejectsWith(fresh.verify(token), 'expired');
    });

    it('stops reusing a success after cache.ttlSec, bounding trust in a removed key', async () => {
      const keys = keySet(es);
      const { verifier, clock } = verifierFor(keys, { cache: { ttlSec: 60 } });
      const token = await sign(es);
      await verifier.verify(token);
      clock.advance(59);
      await verifier.verify(token);
      assert.equal(keys.calls, 1);
      clock.advance(1);
      await verifier.verify(token);
      assert.equal(keys.calls, 2);
    });

    it('freezes cached claims so one request cannot alter what the next one sees', async () => {
      const { verifier } = verifierFor(keySet(es));
      const verified = await verifier.verify(await sign(es, { roles: ['reader'] }));
      assert.throws(() => (verified.claims.roles as string[]).push('admin'), TypeError);
      assert.throws(() => {
        (verified as { subject: string }).subject = 'admin';
      }, TypeError);
    });

    it('caches a bad signature briefly, but never as a success', async () => {
      const keys = keySet(es);
      const { verifier, clock } = verifierFor(keys, { cache: { negativeTtlSec: 5 } });
      const forged = await sign(await makeKey('ES256', es.kid));
      await rejectsWith(verifier.verify(forged), 'bad_signature');
      await rejectsWith(verifier.verify(forged), 'bad_signature');
      assert.equal(keys.calls, 1);
      clock.advance(5);
      await rejectsWith(verifier.verify(forged), 'bad_signature');
      assert.equal(keys.calls, 2);
    });

    it('does not cache failures that may heal: unknown kid, not yet valid', async () => {
      const keys = keySet(es);
      const { verifier } = verifierFor(keys, { clockToleranceSec: 0 });
      const unknown = await sign(es, {}, { kid: 'next-key' });
      await rejectsWith(verifier.verify(unknown), 'unknown_key');
      await rejectsWith(verifier.verify(unknown), 'unknown_key');
      const early = await sign(es, {}, { nbf: T0 + 10 });
      await rejectsWith(verifier.verify(early), 'not_yet_valid');
      await rejectsWith(verifier.verify(early), 'not_yet_valid');
      assert.equal(keys.calls, 4);
    });

    it('shares one verification between concurrent requests with a new token', async () => {
      const keys = keySet(es);
      const { verifier } = verifierFor(keys);
      const token = await sign(es);
      const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verify(token)));
      assert.equal(keys.calls, 1);
      assert.ok(results.every((r) => r === results[0]));
    });

    it('is bounded: the least recently used token is evicted first', async () => {
      const keys = keySet(es);
      const { verifier } = verifierFor(keys, { cache: { maxEntries: 2 } });
      const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((sub) => sign(es, {}, { sub })));
      await verifier.verify(a);
      await verifier.verify(b);
      await verifier.verify(a); // a is now the most recent
      await verifier.verify(c); // evicts b
      assert.equal(keys.calls, 3);
      await verifier.verify(a);
      assert.equal(keys.calls, 3);
      await verifier.verify(b);
      assert.equal(keys.calls, 4);
    });

    it('can be switched off (ttlSec 0) and cleared', async () => {
      const keys = keySet(es);
      const token = await sign(es);
      const off = verifierFor(keys, { cache: { ttlSec: 0 } }).verifier;
      await off.verify(token);
      await off.verify(token);
      assert.equal(keys.calls, 2);
      const on = verifierFor(keys).verifier;
      await on.verify(token);
      on.clearCache();
      await on.verify(token);
      assert.equal(keys.calls, 4);
    });
  });
});
