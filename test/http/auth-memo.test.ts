import { strict as assert } from 'node:assert';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { authenticate, principalOf } from '../../src/http/auth';
import { createListener } from '../../src/http/listener';
import { sendPlain } from '../../src/http/respond';
import { Routes } from '../../src/http/router';
import { AuthError, type AuthenticatedPrincipal, type Authenticator } from '../../src/security/jwt';

/**
 * The per-connection memo of http/auth.ts: a connection's repeated Authorization header is
 * not verified again for a second, and nothing else is let through by it.
 */
describe('http: bearer token checks reuse the last verification of the same connection', () => {
  const verified: string[] = [];
  const principal = (subject: string): AuthenticatedPrincipal => ({ subject, roles: ['admin'], scopes: [], tenants: undefined, issuer: undefined, expiresAt: undefined, tokenId: undefined });
  /** Tokens 'alice' and 'bob' are valid; any other is refused. */
  const authenticator: Authenticator = async (token) => {
    verified.push(token);
    if (token === 'alice' || token === 'bob') return principal(token);
    throw new AuthError('bad_signature');
  };
  const routes = new Routes().get('/who', (req, res) => sendPlain(res, 200, { subject: principalOf(req)?.subject }));
  const listener = createListener([{ prefix: '/api', guarded: true, routes: [routes] }], { authenticate: authenticate(authenticator, pino({ level: 'silent' })), maxBodyBytes: 100, log: pino({ level: 'silent' }) });
  let server: Server;
  let port: number;
  before(async () => {
    server = createServer(listener);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    verified.length = 0;
  });

  /** GET /api/who on `agent` (one socket: every request on the same connection). */
  const who = (agent: Agent, headers: Array<[string, string]>): Promise<{ status: number; subject?: string }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/who', agent }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, subject: res.statusCode === 200 ? (JSON.parse(text) as { subject: string }).subject : undefined }));
      });
      for (const [name, value] of headers) req.appendHeader(name, value);
      req.on('error', reject);
      req.end();
    });
  const oneConnection = (): Agent => new Agent({ keepAlive: true, maxSockets: 1 });

  it('verifies a token once per connection, and the principal is the one it proved', async () => {
    const agent = oneConnection();
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(await who(agent, [['Authorization', 'Bearer alice']]), { status: 200, subject: 'alice' });
      assert.deepEqual(verified, ['alice']);
      assert.deepEqual(await who(agent, [['Authorization', 'Bearer bob']]), { status: 200, subject: 'bob' }, 'another token on the same connection');
      assert.deepEqual(verified, ['alice', 'bob']);
    } finally {
      agent.destroy();
    }
  });

  it('lets nothing else through on that connection: another token, no token, two headers', async () => {
    const agent = oneConnection();
    try {
      assert.equal((await who(agent, [['Authorization', 'Bearer alice']])).status, 200);
      assert.equal((await who(agent, [['Authorization', 'Bearer mallory']])).status, 401);
      assert.equal((await who(agent, [])).status, 401);
      assert.equal((await who(agent, [['Authorization', 'Bearer alice'], ['Authorization', 'Bearer alice']])).status, 401);
      assert.equal((await who(agent, [['Authorization', 'Bearer alice']])).status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('verifies again on another connection', async () => {
    const a = oneConnection();
    const b = oneConnection();
    try {
      await who(a, [['Authorization', 'Bearer alice']]);
      await who(b, [['Authorization', 'Bearer alice']]);
      assert.deepEqual(verified, ['alice', 'alice']);
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
