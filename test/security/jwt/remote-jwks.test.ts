import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { remoteJwksKeySource, type RemoteJwksOptions } from '../../../src/security/jwt/remote-jwks';
import { createTokenVerifier } from '../../../src/security/jwt/verifier';
import { CountingKeySource, makeKey, rejectsWith, sign, testClock, type TestKey } from './helpers';

/** A real identity provider's JWKS endpoint on 127.0.0.1, whose keys the test rotates. */
class JwksServer {
  keys: TestKey[] = [];
  fetches = 0;
  status = 200;
  hang = false;
  /** Served instead of the key set when set (e.g. an HTML error page from a proxy). */
  body: string | undefined;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.fetches++;
      if (this.hang) return; // never answers: the client must time out
      res.writeHead(this.status, { 'content-type': 'application/json' });
      if (this.body !== undefined) return void res.end(this.body);
      res.end(this.status === 200 ? JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }) : '{"error":"down"}');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/certs`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

describe('security/jwt: keys from a JWKS URL (real HTTP server)', () => {
  let idp: JwksServer;
  let k1: TestKey;
  let k2: TestKey;
  let rs: TestKey;
  before(async () => {
    [k1, k2, rs] = await Promise.all([makeKey('ES256', 'k1'), makeKey('ES256', 'k2'), makeKey('RS256', 'r1')]);
  });
  beforeEach(async () => {
    idp = new JwksServer();
    idp.keys = [k1, rs];
    await idp.start();
  });
  afterEach(() => idp.stop());

  const verifierOver = (opts: Partial<RemoteJwksOptions> = {}) => {
    const keys = new CountingKeySource(remoteJwksKeySource({ url: idp.url, ...opts }));
    // Cache off: these tests are about the key source, not the token cache.
    return { keys, verifier: createTokenVerifier({ keys, now: testClock().now, cache: { ttlSec: 0, negativeTtlSec: 0 } }) };
  };

  it('fetches the key set once and verifies tokens by kid', async () => {
    const { verifier } = verifierOver();
    await verifier.verify(await sign(k1));
    await verifier.verify(await sign(rs, {}, { sub: 'svc' }));
    await verifier.verify(await sign(k1, {}, { sub: 'u2' }));
    assert.equal(idp.fetches, 1);
  });

  it('picks up a rotated key: an unknown kid triggers a refetch once the cooldown has passed', async () => {
    const { verifier } = verifierOver({ cooldownMs: 200 });
    await verifier.verify(await sign(k1));
    idp.keys = [k2]; // the IdP rotates k1 out and k2 in
    await sleep(220);
    const verified = await verifier.verify(await sign(k2, {}, { sub: 'after-rotation' }));
    assert.equal(verified.subject, 'after-rotation');
    assert.equal(idp.fetches, 2);
    await rejectsWith(verifier.verify(await sign(k1)), 'unknown_key'); // k1 left the set
  });

  it('rate-limits refetches: unknown kids within the cooldown do not reach the IdP', async () => {
    const { verifier } = verifierOver({ cooldownMs: 300 });
    await verifier.verify(await sign(k1));
    idp.keys = [k1, k2];
    for (let i = 0; i < 20; i++) await rejectsWith(verifier.verify(await sign(k1, {}, { kid: `random-${i}` })), 'unknown_key');
    await rejectsWith(verifier.verify(await sign(k2)), 'unknown_key'); // legitimately new, but still within the cooldown
    assert.equal(idp.fetches, 1);
    await sleep(320);
    await verifier.verify(await sign(k2));
    assert.equal(idp.fetches, 2);
  });

  it('tries every candidate when the token names no kid', async () => {
    idp.keys = [k2, k1];
    const { verifier } = verifierOver();
    assert.equal((await verifier.verify(await sign(k1, {}, { kid: null }))).subject, 'user-1');
  });

  it('reports an unreachable, failing, slow or junk endpoint as keys_unavailable (a 503, not a 401)', async () => {
    idp.status = 500;
    const failing = await rejectsWith(verifierOver().verifier.verify(await sign(k1)), 'keys_unavailable');
    assert.match(failing.detail ?? '', /Expected 200 OK/);
    assert.equal(failing.message, 'the token signing keys are temporarily unavailable');

    idp.status = 200;
    idp.body = '<html>502 Bad Gateway</html>';
    const junk = await rejectsWith(verifierOver().verifier.verify(await sign(k1)), 'keys_unavailable');
    assert.match(junk.detail ?? '', /parse the JSON Web Key Set/);
    idp.body = JSON.stringify({ keys: 'none' });
    await rejectsWith(verifierOver().verifier.verify(await sign(k1)), 'keys_unavailable');
    idp.body = undefined;

    idp.hang = true;
    const started = Date.now();
    const slow = await rejectsWith(verifierOver({ timeoutMs: 150 }).verifier.verify(await sign(k1)), 'keys_unavailable');
    assert.ok(Date.now() - started < 2_000, 'gave up after the time-out');
    assert.match(slow.detail ?? '', /ERR_JWKS_TIMEOUT/);

    const url = idp.url;
    await idp.stop();
    const gone = createTokenVerifier({ keys: remoteJwksKeySource({ url }), now: testClock().now });
    const down = await rejectsWith(gone.verify(await sign(k1)), 'keys_unavailable');
    assert.match(down.detail ?? '', /ECONNREFUSED/);
    await idp.start(); // for afterEach
  });

  it('refuses plain http to anything but loopback unless explicitly allowed', () => {
    assert.throws(() => remoteJwksKeySource({ url: 'http://idp.example.com/certs' }), /must use https/);
    assert.throws(() => remoteJwksKeySource({ url: 'ftp://idp.example.com/certs' }), /must use https/);
    remoteJwksKeySource({ url: 'https://idp.example.com/certs' });
    remoteJwksKeySource({ url: 'http://idp.example.com/certs', allowInsecureHttp: true });
    remoteJwksKeySource({ url: 'http://localhost:8080/certs' });
  });
});
