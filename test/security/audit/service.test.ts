import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AccessGuard, type AuditEvent } from '../../../src/broker/access';
import { AUDIT_DEFAULT_LIMIT, AuditService, type AuditCriteria, type AuditPage, type AuditReader } from '../../../src/broker/audit';
import type { Principal, RequestScope } from '../../../src/broker/scope';
import { NgsiError } from '../../../src/ngsi/errors';
import { coreContext } from '../../helpers/context';
import { policy } from '../policy/helpers';

/** The shipped policy: admin, operator, viewer, device, auditor. */
const POLICY = policy(readFileSync(join(__dirname, '../../../policy/default.yaml'), 'utf8'));

class FakeReader implements AuditReader {
  readonly asked: Array<{ criteria: AuditCriteria; page: AuditPage }> = [];
  async query(criteria: AuditCriteria, page: AuditPage) {
    this.asked.push({ criteria, page });
    return { events: [], count: page.count ? 0 : undefined };
  }
}

const scope = (principal: Principal | undefined, tenant = ''): RequestScope => ({ tenant, principal, context: coreContext(), requestId: 'req-1' });
const as = (...roles: string[]): Principal => ({ subject: `${roles.join('+') || 'nobody'}-user`, roles });

function problemOf(err: unknown): string {
  assert.ok(err instanceof NgsiError, String(err));
  return err.problem;
}

describe('broker/audit: AuditService', () => {
  let reader: FakeReader;
  let recorded: AuditEvent[];
  let service: AuditService;
  const page = { offset: 0, count: false };

  beforeEach(() => {
    reader = new FakeReader();
    recorded = [];
    const access = new AccessGuard(POLICY, { record: (e) => recorded.push(e) }, () => '2024-06-01T00:00:00.000Z');
    service = new AuditService({ access, limits: { maxLimit: 1000 } }, reader);
  });

  describe('who may read the log', () => {
    it('lets the auditor role read it, in any tenant', async () => {
      await service.query(scope(as('auditor')), {}, page);
      await service.query(scope(as('auditor'), 'acme'), {}, page);
      assert.equal(reader.asked.length, 2);
    });

    it('lets admin read it', async () => {
      await service.query(scope(as('admin')), {}, page);
      assert.equal(reader.asked.length, 1);
    });

    for (const role of ['viewer', 'operator', 'device']) {
      it(`refuses ${role} with 403 Forbidden, audits the denial and never reads`, async () => {
        await assert.rejects(service.query(scope(as(role)), {}, page), (err) => problemOf(err) === 'Forbidden');
        assert.equal(reader.asked.length, 0);
        assert.equal(recorded.length, 1);
        assert.deepEqual(
          { subject: recorded[0].subject, action: recorded[0].action, target: recorded[0].target, outcome: recorded[0].outcome },
          { subject: `${role}-user`, action: 'admin', target: 'audit', outcome: 'denied' },
        );
      });
    }

    it('refuses an auditor whose token is limited to other tenants', async () => {
      await assert.rejects(service.query(scope({ subject: 'a', roles: ['auditor'], tenants: ['acme'] }, ''), {}, page), (err) => problemOf(err) === 'Forbidden');
    });

    it('checks the right before the filter: a refused caller learns nothing about its question', async () => {
      await assert.rejects(service.query(scope(as('viewer')), { since: 'yesterday' }, page), (err) => problemOf(err) === 'Forbidden');
    });

    it('lets anyone read with auth off (no policy)', async () => {
      const open = new AuditService({ access: new AccessGuard(undefined), limits: { maxLimit: 1000 } }, reader);
      await open.query(scope(undefined), {}, page);
      assert.equal(reader.asked.length, 1);
    });
  });

  describe('the question', () => {
    const ask = (filter: Record<string, string>, p: { limit?: number; offset: number; count: boolean } = page) => service.query(scope(as('auditor')), filter, p);

    it('hands the reader times as epoch ms and the exact values', async () => {
      await ask({ since: '2024-05-01T00:00:00Z', until: '2024-05-01T02:00:00+01:00', subject: 's', tenant: '', action: 'update', outcome: 'denied', target: 'urn:x' });
      assert.deepEqual(reader.asked[0].criteria, {
        sinceMs: Date.parse('2024-05-01T00:00:00Z'),
        untilMs: Date.parse('2024-05-01T01:00:00Z'),
        subject: 's',
        tenant: '',
        action: 'update',
        outcome: 'denied',
        target: 'urn:x',
      });
    });

    it('pages 100 events by default, or --max-limit when lower', async () => {
      await ask({});
      assert.deepEqual(reader.asked[0].page, { limit: AUDIT_DEFAULT_LIMIT, offset: 0, count: false });
      const small = new AuditService({ access: new AccessGuard(undefined), limits: { maxLimit: 10 } }, reader);
      await small.query(scope(undefined), {}, { offset: 5, count: true });
      assert.deepEqual(reader.asked[1].page, { limit: 10, offset: 5, count: true });
    });

    const bad: Array<[string, Record<string, string>]> = [
      ['a since that is not a date-time', { since: 'yesterday' }],
      ['a date without time', { until: '2024-05-01' }],
      ['an impossible date', { since: '2024-02-30T00:00:00Z' }],
      ['since not before until', { since: '2024-05-01T00:00:00Z', until: '2024-05-01T00:00:00Z' }],
      ['an unknown outcome', { outcome: 'maybe' }],
      ['an empty subject', { subject: '' }],
      ['an empty target', { target: '' }],
    ];
    for (const [what, filter] of bad) {
      it(`refuses ${what} with BadRequestData`, async () => {
        await assert.rejects(ask(filter), (err) => problemOf(err) === 'BadRequestData');
        assert.equal(reader.asked.length, 0);
      });
    }

    it('refuses a limit above --max-limit with TooManyResults (clause 6.3.10), and limit=0 without count', async () => {
      await assert.rejects(ask({}, { limit: 1001, offset: 0, count: false }), (err) => problemOf(err) === 'TooManyResults');
      await assert.rejects(ask({}, { limit: 0, offset: 0, count: false }), (err) => problemOf(err) === 'BadRequestData');
      await ask({}, { limit: 0, offset: 0, count: true });
      assert.equal(reader.asked.length, 1);
    });
  });
});
