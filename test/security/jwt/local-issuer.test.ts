import { strict as assert } from 'node:assert';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { ISSUER_JWKS_FILE, ISSUER_KEY_FILE, LocalIssuer } from '../../../src/security/jwt/local-issuer';
import { createTokenVerifier } from '../../../src/security/jwt/verifier';
import { rejectsWith, T0, testClock } from './helpers';

const ISS = 'urn:weft:local';
const posix = process.platform !== 'win32';

describe('security/jwt: the quick-start local issuer', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'weft-issuer-'));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('creates an ES256 key on first use, private file mode 0600 in a 0700 directory', async function () {
    if (!posix) this.skip();
    const issuer = await LocalIssuer.open(dataDir);
    assert.equal(issuer.created, true);
    assert.equal((await stat(join(dataDir, ISSUER_KEY_FILE))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDir, 'auth'))).mode & 0o777, 0o700);
    const priv = JSON.parse(await readFile(join(dataDir, ISSUER_KEY_FILE), 'utf8'));
    assert.deepEqual([priv.kty, priv.crv, priv.alg, priv.kid, typeof priv.d], ['EC', 'P-256', 'ES256', issuer.kid, 'string']);
    const pub = JSON.parse(await readFile(join(dataDir, ISSUER_JWKS_FILE), 'utf8'));
    assert.deepEqual(pub, { keys: [issuer.publicJwk] });
    assert.equal(pub.keys[0].d, undefined, 'the public file holds no private member');
  });

  it('issues tokens that its key source verifies, with roles, tenants, scope, audience, jti and exp', async () => {
    const clock = testClock();
    const issuer = await LocalIssuer.open(dataDir, { now: clock.now });
    const token = await issuer.issue({ subject: 'alice', roles: ['admin'], tenants: ['t1', ''], scope: 'weft:read', ttlSec: 3600, audience: 'weft', issuer: ISS });
    assert.deepEqual(decodeProtectedHeader(token), { alg: 'ES256', kid: issuer.kid, typ: 'JWT' });
    const verifier = createTokenVerifier({ keys: issuer.keySource, issuer: ISS, audience: 'weft', now: clock.now });
    const verified = await verifier.verify(token);
    assert.equal(verified.subject, 'alice');
    const { roles, tenants, scope, aud, iat, exp, jti } = verified.claims;
    assert.deepEqual({ roles, tenants, scope, aud, iat, exp }, { roles: ['admin'], tenants: ['t1', ''], scope: 'weft:read', aud: 'weft', iat: T0, exp: T0 + 3600 });
    assert.match(String(jti), /^[0-9a-f-]{36}$/);
    clock.advance(3600 + 30);
    await rejectsWith(createTokenVerifier({ keys: issuer.keySource, now: clock.now }).verify(token), 'expired');
  });

  it('leaves claims out that were not asked for', async () => {
    const issuer = await LocalIssuer.open(dataDir, { now: testClock().now });
    const token = await issuer.issue({ subject: 'bob', roles: [], ttlSec: 60, issuer: ISS });
    const claims = (await createTokenVerifier({ keys: issuer.keySource, now: testClock().now }).verify(token)).claims;
    assert.deepEqual(Object.keys(claims).sort(), ['exp', 'iat', 'iss', 'jti', 'roles', 'sub']);
  });

  it('loads the same key on later starts: tokens survive a restart', async () => {
    const first = await LocalIssuer.open(dataDir, { now: testClock().now });
    const token = await first.issue({ subject: 'alice', roles: ['reader'], ttlSec: 600, issuer: ISS });
    const second = await LocalIssuer.open(dataDir, { now: testClock().now });
    assert.equal(second.created, false);
    assert.equal(second.kid, first.kid);
    assert.equal((await createTokenVerifier({ keys: second.keySource, issuer: ISS, now: testClock().now }).verify(token)).subject, 'alice');
  });

  it('tokens from another data directory (another key) are refused', async () => {
    const otherDir = await mkdtemp(join(tmpdir(), 'weft-issuer-'));
    try {
      const mine = await LocalIssuer.open(dataDir, { now: testClock().now });
      const theirs = await LocalIssuer.open(otherDir, { now: testClock().now });
      const token = await theirs.issue({ subject: 'mallory', roles: ['admin'], ttlSec: 600, issuer: ISS });
      await rejectsWith(createTokenVerifier({ keys: mine.keySource, now: testClock().now }).verify(token), 'unknown_key');
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('two instances starting together on one data directory share one key', async () => {
    const issuers = await Promise.all(Array.from({ length: 4 }, () => LocalIssuer.open(dataDir)));
    assert.equal(new Set(issuers.map((i) => i.kid)).size, 1);
    assert.equal(issuers.filter((i) => i.created).length, 1);
  });

  it('refuses a key file that other users can read or write', async function () {
    if (!posix) this.skip();
    await LocalIssuer.open(dataDir);
    const keyFile = join(dataDir, ISSUER_KEY_FILE);
    for (const mode of [0o644, 0o640, 0o620, 0o604]) {
      await chmod(keyFile, mode);
      await assert.rejects(LocalIssuer.open(dataDir), /accessible by other users .*chmod 600/);
    }
    await chmod(keyFile, 0o600);
    await LocalIssuer.open(dataDir);
  });

  it('refuses to issue without a positive ttl, a subject or an issuer', async () => {
    const issuer = await LocalIssuer.open(dataDir);
    for (const ttlSec of [0, -1, Infinity, NaN]) {
      await assert.rejects(issuer.issue({ subject: 'a', roles: [], ttlSec, issuer: ISS }), /ttlSec/);
    }
    await assert.rejects(issuer.issue({ subject: '', roles: [], ttlSec: 60, issuer: ISS }), /subject/);
    await assert.rejects(issuer.issue({ subject: 'a', roles: [], ttlSec: 60, issuer: '' }), /issuer/);
    await assert.rejects(issuer.issue({ subject: 'a', roles: [''], ttlSec: 60, issuer: ISS }), /roles/);
  });
});
