import { strict as assert } from 'node:assert';
import { parse as parseYaml } from 'yaml';
import { AccessGuard, type AuditEvent } from '../../src/broker/access';
import { ChangeFeed } from '../../src/broker/changes';
import type { BrokerDeps } from '../../src/broker/deps';
import type { Principal, RequestScope } from '../../src/broker/scope';
import { SubscriptionService } from '../../src/broker/subscriptions';
import { parsePolicy } from '../../src/security/policy';
import { createSqliteStore } from '../../src/store/sqlite';
import { coreContext, DEFAULT_VOCAB } from '../helpers/context';
import { rejects } from './access-helpers';

/** Terms of the test policy expand like the core context's default vocabulary. */
export const POLICY_EXPANDER = { expandTerm: (t: string): string => (t.includes(':') ? t : DEFAULT_VOCAB + t) };

export const SUBSCRIPTION_POLICY = parsePolicy(parseYaml(`
roles:
  admin:
    - actions: '*'
  viewer:
    - actions: [read, subscribe]
  device:
    - actions: [device]
      ids: ['\${sub}']
  subscriptionAdmin:
    - actions: [admin]
      resources: [subscriptions]
`), POLICY_EXPANDER);

const as = (subject: string, roles: string[], tenant = ''): RequestScope => ({
  tenant,
  principal: { subject, roles } satisfies Principal,
  context: coreContext(),
  requestId: `req-${subject}`,
});

const body = (id?: string) => ({
  ...(id === undefined ? {} : { id }),
  type: 'Subscription',
  entities: [{ type: 'Sensor' }],
  notification: { endpoint: { uri: 'http://receiver.example/notify' } },
});

describe('broker: subscriptions under the access policy (issue 4)', () => {
  let deps: BrokerDeps;
  let audit: AuditEvent[];
  let subs: SubscriptionService;
  const alice = as('alice', ['viewer']);
  const bob = as('bob', ['viewer']);
  const root = as('root', ['admin']);
  const supervisor = as('sup', ['viewer', 'subscriptionAdmin']);

  beforeEach(() => {
    audit = [];
    deps = {
      store: createSqliteStore({ memory: true }),
      feed: new ChangeFeed(() => undefined),
      now: () => '2026-01-01T00:00:00.000Z',
      limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000 },
      access: new AccessGuard(SUBSCRIPTION_POLICY, { record: (e) => audit.push(e) }),
    };
    subs = new SubscriptionService(deps, undefined);
  });
  afterEach(() => deps.store.close());

  it('lets a viewer create a subscription, recording it as the owner and in the audit log', async () => {
    const id = await subs.create(alice, body());
    const stored = await deps.store.getSubscription('', id);
    assert.deepEqual(stored?.owner, { subject: 'alice', roles: ['viewer'] });
    assert.deepEqual(audit.map((e) => [e.action, e.target, e.subject, e.outcome]), [['subscribe', id, 'alice', 'allowed']]);
  });

  it('keeps the token tenant claim with the owner', async () => {
    const scope: RequestScope = { ...alice, principal: { subject: 'alice', roles: ['viewer'], tenants: [''] } };
    const id = await subs.create(scope, body());
    assert.deepEqual((await deps.store.getSubscription('', id))?.owner, { subject: 'alice', roles: ['viewer'], tenants: [''] });
  });

  it('answers 403 to a role without subscribe, and stores nothing', async () => {
    await rejects(subs.create(as('urn:ngsi-ld:Device:1', ['device']), body('urn:s:dev')), 'Forbidden', /subscribe/);
    assert.equal(await deps.store.getSubscription('', 'urn:s:dev'), undefined);
    assert.deepEqual(audit.map((e) => [e.action, e.outcome]), [['subscribe', 'denied']]);
  });

  it('answers 403 outside the tenants a token may reach, before the store is read', async () => {
    const claimed: RequestScope = { ...alice, tenant: 'other', principal: { subject: 'alice', roles: ['viewer'], tenants: [''] } };
    await rejects(subs.create(claimed, body()), 'Forbidden');
    await rejects(subs.list(claimed, { limit: 10, offset: 0, count: true }), 'Forbidden');
    // Not NonexistentTenant: a tenant out of reach is not revealed to exist or not.
    await rejects(subs.retrieve(claimed, 'urn:s:1'), 'Forbidden');
    await rejects(subs.delete(claimed, 'urn:s:1'), 'Forbidden');
    await rejects(subs.update(claimed, 'urn:s:1', { q: 'a>1' }), 'Forbidden');
  });

  it("answers 404, word for word as for an absent one, on someone else's subscription", async () => {
    const id = await subs.create(alice, body('urn:s:alice'));
    await subs.create(bob, body('urn:s:bob'));
    const absent = await rejects(subs.retrieve(bob, 'urn:s:none'), 'ResourceNotFound');
    const hidden = await rejects(subs.retrieve(bob, id), 'ResourceNotFound');
    assert.equal(hidden.detail, absent.detail.replace('urn:s:none', id));
    await rejects(subs.update(bob, id, { q: 'temperature>1' }), 'ResourceNotFound');
    await rejects(subs.delete(bob, id), 'ResourceNotFound');
    const kept = await subs.retrieve(alice, id);
    assert.equal(kept.q, undefined, 'the failed PATCH changed nothing');
    assert.equal((await subs.retrieve(bob, 'urn:s:bob')).id, 'urn:s:bob');
  });

  it("leaves someone else's subscription out of the list, its pages and its count", async () => {
    for (const [i, who] of [alice, bob, alice, bob, alice].entries()) await subs.create(who, body(`urn:s:${i}`));
    const page = (scope: RequestScope, offset: number) => subs.list(scope, { limit: 2, offset, count: true });
    const first = await page(alice, 0);
    assert.deepEqual(first.subscriptions.map((s) => s.id), ['urn:s:0', 'urn:s:2']);
    assert.equal(first.count, 3);
    assert.deepEqual((await page(alice, 2)).subscriptions.map((s) => s.id), ['urn:s:4']);
    assert.deepEqual((await page(bob, 0)).subscriptions.map((s) => s.id), ['urn:s:1', 'urn:s:3']);
    assert.deepEqual(await page(as('carol', ['viewer']), 0), { subscriptions: [], count: 0 });
  });

  it("lets an admin of subscriptions see and manage everyone's", async () => {
    await subs.create(alice, body('urn:s:a'));
    await subs.create(bob, body('urn:s:b'));
    for (const admin of [root, supervisor]) {
      const all = await subs.list(admin, { limit: 10, offset: 0, count: true });
      assert.deepEqual(all.subscriptions.map((s) => s.id), ['urn:s:a', 'urn:s:b']);
      assert.equal(all.count, 2);
      assert.equal((await subs.retrieve(admin, 'urn:s:a')).id, 'urn:s:a');
    }
    await subs.update(supervisor, 'urn:s:a', { q: 'temperature>30' });
    const patched = await deps.store.getSubscription('', 'urn:s:a');
    assert.equal(patched?.q, 'temperature>30');
    assert.deepEqual(patched?.owner, { subject: 'alice', roles: ['viewer'] }, 'a PATCH, even by an admin, keeps the owner');
    await subs.delete(root, 'urn:s:b');
    assert.equal(await deps.store.getSubscription('', 'urn:s:b'), undefined);
  });

  it('records updates and deletions in the audit log', async () => {
    const id = await subs.create(alice, body());
    await subs.update(alice, id, { q: 'temperature>1' });
    await subs.delete(alice, id);
    assert.deepEqual(audit.map((e) => [e.action, e.target, e.outcome]), [['subscribe', id, 'allowed'], ['update', id, 'allowed'], ['delete', id, 'allowed']]);
  });

  it('with auth off shows every subscription to everyone, as before', async () => {
    deps.access = new AccessGuard(undefined);
    subs = new SubscriptionService(deps, undefined);
    const anonymous: RequestScope = { tenant: '', principal: undefined, context: coreContext(), requestId: 'r' };
    const id = await subs.create(anonymous, body());
    assert.equal((await deps.store.getSubscription('', id))?.owner, undefined);
    await subs.create(alice, body('urn:s:alice'));
    assert.equal((await subs.list(anonymous, { limit: 10, offset: 0, count: true })).count, 2);
    assert.equal((await subs.retrieve(bob, 'urn:s:alice')).id, 'urn:s:alice');
    await subs.delete(anonymous, 'urn:s:alice');
  });
});
