import { strict as assert } from 'node:assert';
import type { RequestListener } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import supertest from 'supertest';
import { AccessGuard, type AuditEvent } from '../../src/broker/access';
import { AuditService } from '../../src/broker/audit';
import { authenticate } from '../../src/http/auth';
import { createListener } from '../../src/http/listener';
import { auditRoutes } from '../../src/http/routes/audit';
import { ContextManager } from '../../src/ngsi/jsonld/manager';
import { openAuditLog, type AuditLog } from '../../src/security/audit';
import type { AuthenticatedPrincipal, Authenticator } from '../../src/security/jwt';
import { createSqliteStore } from '../../src/store/sqlite';
import { policy } from '../security/policy/helpers';

const POLICY = policy(readFileSync(join(__dirname, '../../policy/default.yaml'), 'utf8'));
const PROBLEM = 'https://uri.etsi.org/ngsi-ld/errors/';

const principal = (subject: string, roles: string[], tenants?: string[]): AuthenticatedPrincipal => ({ subject, roles, tenants, scopes: [], issuer: undefined, expiresAt: undefined, tokenId: undefined });

/** Bearer <role>: a principal with that role, subject `<role>-user`. */
const byRole: Authenticator = async (token) => principal(`${token}-user`, [token]);

describe('http: GET /weft/v1/audit', () => {
  const store = createSqliteStore({ memory: true });
  const log = pino({ level: 'silent' });
  const contexts = new ContextManager({ store, selfBaseUrl: 'http://127.0.0.1:1', fetchTimeoutMs: 100, maxContextBytes: 1000, cacheSize: 10 });
  let audit: AuditLog;
  let access: AccessGuard;
  let app: RequestListener;

  beforeEach(() => {
    audit = openAuditLog({ dataDir: '', memory: true, log, flushIntervalMs: 60_000 });
    access = new AccessGuard(POLICY, audit);
    app = auditApp(byRole);
  });
  afterEach(() => audit.close());

  /** The audit routes alone under /weft/v1, authenticated by `authenticator`. */
  const auditApp = (authenticator: Authenticator): RequestListener =>
    createListener([{ prefix: '/weft/v1', guarded: true, routes: [auditRoutes({ audit: new AuditService({ access, limits: { maxLimit: 50 } }, audit), contexts })] }], {
      authenticate: authenticate(authenticator, log),
      maxBodyBytes: 1000,
      log,
    });
  after(() => store.close());

  const get = (query: string, role = 'auditor') => supertest(app).get(`/weft/v1/audit${query}`).set('Authorization', `Bearer ${role}`);

  function seed(n: number, over: (i: number) => Partial<AuditEvent> = () => ({})): void {
    for (let i = 0; i < n; i++) {
      audit.record({ at: new Date(Date.UTC(2024, 5, 1, 0, 0, i)).toISOString(), requestId: `r${i}`, subject: 'op', tenant: 'acme', action: 'update', target: `urn:ngsi-ld:T:${i}`, outcome: 'allowed', ...over(i) });
    }
  }

  it('answers the events newest first as a JSON array', async () => {
    seed(3);
    const res = await get('');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.deepEqual(res.body.map((e: AuditEvent) => e.target), ['urn:ngsi-ld:T:2', 'urn:ngsi-ld:T:1', 'urn:ngsi-ld:T:0']);
    assert.deepEqual(res.body[0], { at: '2024-06-01T00:00:02.000Z', requestId: 'r2', subject: 'op', tenant: 'acme', action: 'update', target: 'urn:ngsi-ld:T:2', outcome: 'allowed' });
    assert.equal(res.headers['ngsild-results-count'], undefined);
  });

  it('shows a denial as soon as the denied request has been answered', async () => {
    const denied = await get('', 'viewer');
    assert.equal(denied.status, 403);
    assert.equal(denied.body.type, 'urn:weft:errors:Forbidden');
    assert.doesNotMatch(denied.body.detail, /role|permission/, 'the rule goes to the audit log, not to the client');
    const res = await get('?outcome=denied');
    assert.equal(res.status, 200);
    assert.equal(res.body.length, 1);
    assert.deepEqual(
      { subject: res.body[0].subject, action: res.body[0].action, target: res.body[0].target, outcome: res.body[0].outcome, tenant: res.body[0].tenant },
      { subject: 'viewer-user', action: 'admin', target: 'audit', outcome: 'denied', tenant: '' },
    );
    assert.match(res.body[0].reason, /viewer/, 'the reason names the rule for operators');
  });

  it('filters, pages and counts (NGSILD-Results-Count)', async () => {
    seed(10, (i) => ({ subject: i % 2 === 0 ? 'even' : 'odd', outcome: i === 9 ? 'denied' : 'allowed' }));
    const res = await get('?subject=even&since=2024-06-01T00:00:02Z&until=2024-06-01T00:00:09Z&limit=2&offset=1&count=true');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.map((e: AuditEvent) => e.requestId), ['r6', 'r4']);
    assert.equal(res.headers['ngsild-results-count'], '4');
    const byTarget = await get('?target=urn:ngsi-ld:T:3&tenant=acme&action=update');
    assert.deepEqual(byTarget.body.map((e: AuditEvent) => e.requestId), ['r3']);
    const defaultTenant = await get('?tenant=');
    assert.deepEqual(defaultTenant.body, [], "tenant= is the default tenant's events");
  });

  it("checks the caller's right in the NGSILD-Tenant tenant, not in ?tenant", async () => {
    const limited: Authenticator = async () => principal('aud', ['auditor'], ['acme']);
    const a = auditApp(limited);
    seed(1);
    const inDefault = await supertest(a).get('/weft/v1/audit?tenant=acme').set('Authorization', 'Bearer x');
    assert.equal(inDefault.status, 403);
    const inAcme = await supertest(a).get('/weft/v1/audit?tenant=acme').set('Authorization', 'Bearer x').set('NGSILD-Tenant', 'acme');
    assert.equal(inAcme.status, 200);
    assert.equal(inAcme.body.length, 1);
  });

  const bad: Array<[string, number, string]> = [
    ['?q=x', 400, 'BadRequestData'],
    ['?limit=1&limit=2', 400, 'BadRequestData'],
    ['?orderBy=at', 422, 'OperationNotSupported'],
    ['?since=yesterday', 400, 'BadRequestData'],
    ['?outcome=maybe', 400, 'BadRequestData'],
    ['?limit=51', 403, 'TooManyResults'],
    ['?limit=0', 400, 'BadRequestData'],
    ['?count=yes', 400, 'BadRequestData'],
    ['?offset=-1', 400, 'BadRequestData'],
  ];
  for (const [query, status, type] of bad) {
    it(`answers ${query} with ${status} ${type}`, async () => {
      const res = await get(query);
      assert.equal(res.status, status);
      assert.equal(res.body.type, `${PROBLEM}${type}`);
    });
  }

  it('answers 405 with Allow: GET for other methods', async () => {
    const res = await supertest(app).post('/weft/v1/audit').set('Authorization', 'Bearer auditor');
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET');
  });

  it('answers 401 without a token (the router sits behind authentication)', async () => {
    const res = await supertest(app).get('/weft/v1/audit');
    assert.equal(res.status, 401);
  });
});
