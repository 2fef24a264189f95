import { strict as assert } from 'node:assert';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportPKCS8, exportSPKI } from 'jose';
import { loadKeyFiles } from '../../../src/security/jwt/key-files';
import { selectJwks } from '../../../src/security/jwt/key-source';
import { createTokenVerifier } from '../../../src/security/jwt/verifier';
import { CountingKeySource, makeKey, rejectsWith, sign, testClock, type TestKey } from './helpers';

describe('security/jwt: keys from local files', () => {
  let dir: string;
  let es: TestKey;
  let rs: TestKey;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-keys-'));
    [es, rs] = await Promise.all([makeKey('ES256', 'es-1'), makeKey('RS256', 'rs-1')]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const file = async (name: string, content: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };
  const verifierOver = async (...specs: Parameters<typeof loadKeyFiles>[0]) =>
    createTokenVerifier({ keys: new CountingKeySource(await loadKeyFiles(specs)), now: testClock().now });

  it('reads a JWK file and a JWKS file, choosing the key by the token kid', async () => {
    const other = await makeKey('ES256', 'es-2');
    const v = await verifierOver(await file('es.jwk.json', JSON.stringify(es.publicJwk)), await file('set.jwks.json', JSON.stringify({ keys: [other.publicJwk, rs.publicJwk] })));
    assert.equal((await v.verify(await sign(es))).subject, 'user-1');
    assert.equal((await v.verify(await sign(other, {}, { sub: 'u2' }))).subject, 'u2');
    assert.equal((await v.verify(await sign(rs, {}, { sub: 'u3' }))).subject, 'u3');
    await rejectsWith(v.verify(await sign(es, {}, { kid: 'es-3' })), 'unknown_key');
  });

  it('reads SPKI and PKCS#1 PEM public keys; a PEM key answers a kid only when given one', async () => {
    const spki = await file('rs.pem', await exportSPKI(rs.publicKey));
    const pkcs1 = await file('rs-pkcs1.pem', createPublicKey(await exportSPKI(rs.publicKey)).export({ type: 'pkcs1', format: 'pem' }).toString());
    for (const path of [spki, pkcs1]) {
      const unnamed = await verifierOver(path);
      await unnamed.verify(await sign(rs, {}, { kid: null }));
      await rejectsWith(unnamed.verify(await sign(rs)), 'unknown_key');
      const named = await verifierOver({ path, kid: 'rs-1' });
      await named.verify(await sign(rs));
      await rejectsWith(named.verify(await sign(rs, {}, { kid: 'rs-0' })), 'unknown_key');
    }
  });

  it('uses the public half of a private key file (PEM or JWK)', async () => {
    const v = await verifierOver({ path: await file('es-private.pem', await exportPKCS8(es.privateKey)), kid: 'es-1' });
    await v.verify(await sign(es));
    const privateJwk = { ...(await exportJWK(es.privateKey)), kid: 'es-1', key_ops: ['sign'] };
    await (await verifierOver(await file('es-private.jwk.json', JSON.stringify(privateJwk)))).verify(await sign(es));
  });

  it('refuses, at load time and naming the file: symmetric keys, weak RSA keys, junk, missing files, duplicate kids', async () => {
    await assert.rejects(loadKeyFiles([await file('oct.json', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }))]), /oct\.json is a symmetric \(oct\) key/);
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(loadKeyFiles([await file('weak.pem', weak)]), /weak\.pem holds a 1024-bit RSA key/);
    await assert.rejects(loadKeyFiles([await file('junk.txt', 'hello')]), /junk\.txt is neither PEM nor JSON/);
    await assert.rejects(loadKeyFiles([await file('bad.json', '{"kty": "EC"')]), /bad\.json is not valid JSON/);
    await assert.rejects(loadKeyFiles([await file('badpoint.json', JSON.stringify({ ...es.publicJwk, x: 'AAAA' }))]), /badpoint\.json holds an invalid EC key/);
    await assert.rejects(loadKeyFiles([join(dir, 'nope.pem')]), /cannot read key file .*nope\.pem: ENOENT/);
    const a = await file('a.json', JSON.stringify(es.publicJwk));
    await assert.rejects(loadKeyFiles([a, a]), /kid "es-1" appears on more than one key/);
    await assert.rejects(loadKeyFiles([{ path: await file('two.json', JSON.stringify({ keys: [es.publicJwk, rs.publicJwk] })), kid: 'x' }]), /holds 2 keys/);
    await assert.rejects(loadKeyFiles([]), /no key files/);
  });

  describe('selectJwks (pure)', () => {
    const ec = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } as const;
    it('matches kty and curve to the alg, and the kid when the token names one', () => {
      const keys = [
        { ...ec, kid: 'a' },
        { ...ec, kid: 'b', use: 'enc' },
        { ...ec, kid: 'c', alg: 'ES384' },
        { ...ec, crv: 'P-384', kid: 'd' },
        { kty: 'RSA', n: 'n', e: 'e', kid: 'a' },
        { ...ec },
      ];
      assert.deepEqual(selectJwks(keys, { alg: 'ES256', kid: 'a' }).map((k) => k.kid), ['a']);
      assert.deepEqual(selectJwks(keys, { alg: 'ES256' }).map((k) => k.kid), ['a', undefined]);
      assert.deepEqual(selectJwks(keys, { alg: 'ES384' }).map((k) => k.kid), ['d']);
      assert.deepEqual(selectJwks(keys, { alg: 'RS256', kid: 'a' }).map((k) => k.kty), ['RSA']);
      assert.deepEqual(selectJwks(keys, { alg: 'HS256' }), []);
    });
  });
});
