/**
 * Bearer-token authentication, black-box (issue 4): a real server, real tokens signed with
 * its local issuer's key (read from <dataDir>/auth/issuer-key.json, as an attacker who
 * stole nothing cannot), and every forgery that must answer 401 without echoing the token.
 * What an authenticated caller may do is the security suite's job (security.test.ts).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import supertest from 'supertest';
import { loadConfig, LOCAL_ISSUER } from '../../src/config';
import { ISSUER_KEY_FILE } from '../../src/security/jwt';
import { sensor, startTestServer, type TestServer } from '../helpers/server';

const BASE = '/ngsi-ld/v1';
const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSec = (): number => Math.floor(Date.now() / 1000);

interface Signer {
  kid: string;
  key: CryptoKey;
  publicJwk: JWK;
}

/** Signs like the local issuer would, with whatever claims and header the test wants (undefined drops a claim). */
function signWith(s: Signer, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  const iat = nowSec();
  const payload: JWTPayload = { roles: ['admin'], sub: 'attacker', iss: LOCAL_ISSUER, aud: 'weft', iat, exp: iat + 600, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: s.kid, typ: 'JWT', ...header }).sign(s.key);
}

async function serverSigner(dataDir: string): Promise<Signer> {
  const jwk = JSON.parse(readFileSync(join(dataDir, ISSUER_KEY_FILE), 'utf8')) as JWK;
  const key = (await importJWK(jwk, 'ES256')) as CryptoKey;
  const { d: _d, ...publicJwk } = jwk;
  return { kid: String(jwk.kid), key, publicJwk };
}

async function freshSigner(kid: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { kid, key: privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid } };
}

/** A 401 as RFC 6750 wants it, which names neither the token nor anything in it. */
function assertRefused(res: supertest.Response, token: string | undefined, withError = true): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.equal(res.body.type, 'urn:weft:errors:Unauthorized');
  const challenge = String(res.headers['www-authenticate']);
  assert.match(challenge, /^Bearer realm="weft"/);
  if (withError) assert.match(challenge, /error="invalid_token", error_description="[^"]+"$/);
  else assert.doesNotMatch(challenge, /error=/);
  if (token !== undefined && token.length > 0) {
    const everything = JSON.stringify(res.headers) + res.text;
    for (const part of token.split('.').filter((p) => p.length > 8)) assert.ok(!everything.includes(part), 'the token is echoed');
  }
}

describe('e2e: bearer-token authentication (issue 4)', function () {
  this.timeout(20_000);
  let t: TestServer;
  let signer: Signer;
  before(async () => {
    t = await startTestServer();
    signer = await serverSigner(t.dataDir);
  });
  after(() => t.stop());

  it('answers a request without a token 401 with a Bearer challenge', async () => {
    const res = await t.anonymous.get(`${BASE}/entities?type=Sensor`);
    assertRefused(res, undefined, false);
    assert.equal(res.headers['content-type'], 'application/json');
  });

  it('asks for the token before reading the body or the route', async () => {
    assertRefused(await t.anonymous.post(`${BASE}/entities`).set('Content-Type', 'application/json').send(JSON.stringify(sensor(1))), undefined, false);
    assertRefused(await t.anonymous.get(`${BASE}/no-such-resource`), undefined, false);
  });

  it('keeps /health open for probes', async () => {
    await t.anonymous.get('/health').expect(200);
  });

  it('accepts the helper admin token and any case of the Bearer scheme', async () => {
    await t.http.post(`${BASE}/entities`).send(sensor(1)).expect(201);
    const token = await t.token({ roles: ['viewer'] });
    await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', `bearer ${token}`).expect(200);
    await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', `BEARER ${token}`).expect(200);
  });

  describe('refuses with 401 invalid_token, echoing nothing', () => {
    const cases: Array<[string, () => Promise<{ header: string | string[]; token?: string }>]> = [
      ['another scheme', async () => ({ header: 'Basic YWRtaW46YWRtaW4=' })],
      ['Bearer without a token', async () => ({ header: 'Bearer' })],
      ['two tokens in one header', async () => {
        const token = await signWith(signer, {});
        return { header: `Bearer ${token} ${token}`, token };
      }],
      ['two Authorization headers', async () => {
        const token = await signWith(signer, {});
        return { header: [`Bearer ${token}`, `Bearer ${token}`], token };
      }],
      ['a garbage token', async () => ({ header: 'Bearer not-a-jwt-at-all-but-long-enough', token: 'not-a-jwt-at-all-but-long-enough' })],
      ['three garbage parts', async () => ({ header: 'Bearer aGVsbG8gd29ybGQ.aGVsbG8gd29ybGQ.aGVsbG8gd29ybGQ' })],
      ['an expired token', async () => {
        const token = await signWith(signer, { exp: nowSec() - 3600, iat: nowSec() - 7200 });
        return { header: `Bearer ${token}`, token };
      }],
      ['a token not valid yet', async () => {
        const token = await signWith(signer, { nbf: nowSec() + 3600 });
        return { header: `Bearer ${token}`, token };
      }],
      ['a wrong audience', async () => {
        const token = await signWith(signer, { aud: 'someone-else' });
        return { header: `Bearer ${token}`, token };
      }],
      ['a wrong issuer', async () => {
        const token = await signWith(signer, { iss: 'https://evil.example' });
        return { header: `Bearer ${token}`, token };
      }],
      ['alg none', async () => {
        const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'attacker', roles: ['admin'], iss: LOCAL_ISSUER, aud: 'weft', exp: nowSec() + 600, iat: nowSec() })}.`;
        return { header: `Bearer ${token}`, token };
      }],
      ['HS256 signed with the public key as the secret', async () => {
        const input = `${b64({ alg: 'HS256', typ: 'JWT', kid: signer.kid })}.${b64({ sub: 'attacker', roles: ['admin'], iss: LOCAL_ISSUER, aud: 'weft', exp: nowSec() + 600, iat: nowSec() })}`;
        const secret = JSON.stringify({ keys: [signer.publicJwk] });
        const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        return { header: `Bearer ${token}`, token };
      }],
      ['an unknown kid', async () => {
        const token = await signWith(signer, {}, { kid: 'no-such-key' });
        return { header: `Bearer ${token}`, token };
      }],
      ["another key's signature under the server's kid", async () => {
        const other = await freshSigner(signer.kid);
        const token = await signWith(other, {});
        return { header: `Bearer ${token}`, token };
      }],
      ['a token without a subject', async () => {
        const token = await signWith(signer, { sub: undefined });
        return { header: `Bearer ${token}`, token };
      }],
    ];
    for (const [name, make] of cases) {
      it(name, async () => {
        const { header, token } = await make();
        assertRefused(await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', header as string), token);
      });
    }
  });

  it('lets a viewer read but not write (403 from the policy, not 401)', async () => {
    const viewer = supertest.agent(t.server.url).set('Authorization', `Bearer ${await t.token({ roles: ['viewer'], subject: 'v' })}`);
    await viewer.get(`${BASE}/entities?type=Sensor`).expect(200);
    const res = await viewer.post(`${BASE}/entities`).send(sensor(2)).expect(403);
    assert.equal(res.body.type, 'urn:weft:errors:Forbidden');
    await t.http.get(`${BASE}/entities/urn:ngsi-ld:Sensor:2`).expect(404);
  });

  it('lets only admins add or delete hosted @contexts; serves the documents without a token, their list and details with one', async () => {
    const operator = supertest.agent(t.server.url).set('Authorization', `Bearer ${await t.token({ roles: ['operator'] })}`);
    await operator.post(`${BASE}/jsonldContexts`).send({ '@context': { X: 'https://example.org/X' } }).expect(403);
    const created = await t.http.post(`${BASE}/jsonldContexts`).send({ '@context': { X: 'https://example.org/X' } }).expect(201);
    const id = decodeURIComponent(String(created.headers.location).split('/').pop() ?? '');
    await operator.get(`${BASE}/jsonldContexts/${id}`).expect(200);
    await operator.get(`${BASE}/jsonldContexts?kind=Hosted`).expect(200);
    await operator.delete(`${BASE}/jsonldContexts/${id}`).expect(403);
    await operator.delete(`${BASE}/jsonldContexts/${id}?reload=true`).expect(403);
    // JSON-LD processors dereference @context URLs without credentials.
    const bare = await t.anonymous.get(`${BASE}/jsonldContexts/${id}`).expect(200);
    assert.deepEqual(bare.body, { '@context': { X: 'https://example.org/X' } });
    await t.anonymous.get(`${BASE}/jsonldContexts/${id}?details=true`).expect(401);
    await t.anonymous.get(`${BASE}/jsonldContexts`).expect(401);
    await t.anonymous.delete(`${BASE}/jsonldContexts/${id}`).expect(401);
    await t.http.delete(`${BASE}/jsonldContexts/${id}`).expect(204);
  });

  it('accepts a token printed by `weft token` (the CLI, as a child process)', async () => {
    const { stdout } = await run(process.execPath, ['-r', 'tsx/cjs', join(ROOT, 'src', 'main.ts'), 'token', '--role', 'operator', '--subject', 'cli-user', '--ttl', '10m', '--data-dir', t.dataDir], {
      cwd: ROOT,
      env: { ...process.env, WEFT_AUTH_ISSUER: '', WEFT_DATA_DIR: '' },
    });
    const token = stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as JWTPayload;
    assert.equal(claims.sub, 'cli-user');
    assert.equal(claims.iss, LOCAL_ISSUER);
    assert.equal(claims.aud, 'weft');
    assert.equal(Number(claims.exp) - Number(claims.iat), 600);
    await t.anonymous.post(`${BASE}/entities`).set('Authorization', `Bearer ${token}`).send(sensor(3)).expect(201);
  });

  it('`weft token` refuses when an external issuer is configured', async () => {
    await assert.rejects(
      run(process.execPath, ['-r', 'tsx/cjs', join(ROOT, 'src', 'main.ts'), 'token', '--role', 'admin', '--data-dir', t.dataDir], {
        cwd: ROOT,
        env: { ...process.env, WEFT_AUTH_ISSUER: 'https://idp.example' },
      }),
      (err: { code?: number; stderr?: string }) => err.code === 1 && /external issuer/.test(String(err.stderr)),
    );
  });
});

describe('e2e: auth modes', function () {
  this.timeout(20_000);

  it('--auth=false serves requests without a token', async () => {
    const t = await startTestServer({ auth: false });
    try {
      assert.equal(t.server.localIssuer, undefined);
      await t.anonymous.post(`${BASE}/entities`).send(sensor(1)).expect(201);
      await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).expect(200);
    } finally {
      await t.stop();
    }
  });

  it('--memory keeps the signing key in a temporary directory, removed on close', async () => {
    const t = await startTestServer({ memory: true });
    const keyPath = t.server.localIssuer!.keyPath;
    try {
      assert.ok(!keyPath.startsWith(t.dataDir), keyPath);
      assert.ok(existsSync(keyPath));
      assert.ok(!existsSync(join(t.dataDir, ISSUER_KEY_FILE)));
      await t.http.post(`${BASE}/entities`).send(sensor(1)).expect(201);
    } finally {
      await t.stop();
    }
    assert.ok(!existsSync(keyPath));
  });

  it('verifies an external issuer with key files, and refuses the local issuer then', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-idp-'));
    const idp = await freshSigner('idp-1');
    const keyFile = join(dir, 'idp.jwk.json');
    writeFileSync(keyFile, JSON.stringify(idp.publicJwk));
    const t = await startTestServer({ authIssuer: 'https://idp.example', authKeyFiles: keyFile, authRolesClaim: 'realm_access.roles', authScopeRolePrefix: 'weft:' });
    try {
      assert.equal(t.server.localIssuer, undefined);
      const viaRoles = await signWith(idp, { iss: 'https://idp.example', roles: undefined, realm_access: { roles: ['operator'] } });
      await t.anonymous.post(`${BASE}/entities`).set('Authorization', `Bearer ${viaRoles}`).send(sensor(1)).expect(201);
      const viaScope = await signWith(idp, { iss: 'https://idp.example', roles: undefined, scope: 'openid weft:viewer' });
      await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', `Bearer ${viaScope}`).expect(200);
      await t.anonymous.delete(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', `Bearer ${viaScope}`).expect(403);
      // The IdP's key, but Weft's local issuer name: refused.
      assertRefused(await t.anonymous.get(`${BASE}/entities/urn:ngsi-ld:Sensor:1`).set('Authorization', `Bearer ${await signWith(idp, {})}`), undefined);
    } finally {
      await t.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers 503 with Retry-After when the JWKS endpoint is unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const t = await startTestServer({ authIssuer: 'https://idp.example', authJwksUrl: `http://127.0.0.1:${port}/jwks` });
    try {
      const idp = await freshSigner('idp-1');
      const token = await signWith(idp, { iss: 'https://idp.example' });
      const res = await t.anonymous.get(`${BASE}/entities?type=Sensor`).set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.status, 503);
      assert.ok(res.headers['retry-after']);
      assert.ok(!res.text.includes(token.split('.')[1]));
    } finally {
      await t.stop();
    }
  });

  it('fails at start on an external issuer without keys, or keys without an issuer', () => {
    assert.throws(() => loadConfig(['--auth-issuer', 'https://idp.example'], {}), /--auth-jwks-url or --auth-key-files/);
    assert.throws(() => loadConfig([], { WEFT_AUTH_KEY_FILES: '/etc/idp.pem' }), /--auth-issuer/);
    assert.doesNotThrow(() => loadConfig(['--auth=false', '--auth-issuer', 'https://idp.example'], {}));
    assert.equal(loadConfig([], {}).auth, true);
    assert.ok(existsSync(loadConfig([], {}).policyFile), 'the shipped policy is found');
  });
});
