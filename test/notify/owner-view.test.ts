import { strict as assert } from 'node:assert';
import { Writable } from 'node:stream';
import pino from 'pino';
import { parse as parseYaml } from 'yaml';
import { AccessGuard } from '../../src/broker/access';
import { ChangeFeed } from '../../src/broker/changes';
import type { BrokerDeps } from '../../src/broker/deps';
import { EntityService } from '../../src/broker/entities';
import type { RequestScope } from '../../src/broker/scope';
import { SubscriptionService } from '../../src/broker/subscriptions';
import type { Entity } from '../../src/ngsi/entity';
import type { SubscriptionChange } from '../../src/ngsi/subscription';
import { EVERYTHING_VISIBLE, ownerView } from '../../src/notify/owner-view';
import { NotificationService } from '../../src/notify/service';
import type { OutgoingNotification, Sender } from '../../src/notify/types';
import { createLogger } from '../../src/ops/logger';
import { parsePolicy, type Policy } from '../../src/security/policy';
import { createSqliteStore } from '../../src/store/sqlite';
import type { EntityStore } from '../../src/store/port';
import { coreContext, DEFAULT_VOCAB } from '../helpers/context';

const POLICY: Policy = parsePolicy(parseYaml(`
roles:
  admin:
    - actions: '*'
  sensorReader:
    - actions: [read, subscribe]
      types: [Sensor]
      attributes: { deny: [secret] }
`), { expandTerm: (t: string) => (t.includes(':') ? t : DEFAULT_VOCAB + t) });

const scopeOf = (subject: string, roles: string[]): RequestScope => ({ tenant: '', principal: { subject, roles }, context: coreContext(), requestId: `req-${subject}` });
const root = scopeOf('root', ['admin']);
const reader = scopeOf('reader', ['sensorReader']);
const SECRET = `${DEFAULT_VOCAB}secret`;
const TEMPERATURE = `${DEFAULT_VOCAB}temperature`;

const p = (value: unknown) => ({ type: 'Property', value });
const sensor = (n: number, attrs: Record<string, unknown>) => ({ id: `urn:ngsi-ld:Sensor:${n}`, type: 'Sensor', ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, p(v)])) });

/** Captures notifications; `until` resolves when one carries `id` in its data. */
class CaptureSender implements Sender {
  readonly sent: OutgoingNotification[] = [];
  private waiting: Array<{ done: () => void; test: (n: OutgoingNotification) => boolean }> = [];

  async send(n: OutgoingNotification): Promise<void> {
    this.sent.push(n);
    this.waiting = this.waiting.filter((w) => (w.test(n) ? (w.done(), false) : true));
  }

  async close(): Promise<void> {}

  /** Data items sent for subscription `sub`, in order. */
  data(sub: string): Array<Record<string, unknown>> {
    return this.sent.filter((n) => n.subscriptionId === sub).flatMap((n) => n.body.data as Array<Record<string, unknown>>);
  }

  until(sub: string, id: string, timeoutMs = 3000): Promise<void> {
    const test = (n: OutgoingNotification) => n.subscriptionId === sub && (n.body.data as Array<{ id: string }>).some((d) => d.id === id);
    if (this.sent.some(test)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no notification of ${id} to ${sub}`)), timeoutMs);
      this.waiting.push({ test, done: () => (clearTimeout(timer), resolve()) });
    });
  }
}

function notificationService(store: EntityStore, sender: Sender, visibleTo: AccessGuard['visibleTo'] | undefined, log = createLogger('silent')): NotificationService {
  return new NotificationService(store, {
    sender,
    settings: { timeoutMs: 1000, attempts: 1, backoffMs: 0, queueLimit: 1000 },
    resolveContext: async () => coreContext(),
    readEntities: async (tenant, filter, limit) => (await store.queryEntities(tenant, filter, { limit, offset: 0, count: false })).entities,
    log,
    nowMs: () => Date.now(),
    visibleTo,
    ownersRequired: visibleTo !== undefined,
  });
}

describe('notify: a subscriber is notified only of what its owner may read (issue 4)', () => {
  let deps: BrokerDeps;
  let guard: AccessGuard;
  let sender: CaptureSender;
  let notify: NotificationService;
  let entities: EntityService;
  let subs: SubscriptionService;
  const endpoint = { uri: 'http://receiver.example/notify', accept: 'application/ld+json' };
  const subscribe = (scope: RequestScope, id: string, more: Record<string, unknown>) =>
    subs.create(scope, { id, type: 'Subscription', entities: [{ type: 'Sensor' }], notification: { endpoint }, ...more });

  beforeEach(async () => {
    guard = new AccessGuard(POLICY);
    const feed = new ChangeFeed((err) => {
      throw err;
    });
    deps = { store: createSqliteStore({ memory: true }), feed, now: () => new Date().toISOString(), limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000 }, access: guard };
    sender = new CaptureSender();
    notify = notificationService(deps.store, sender, guard.visibleTo.bind(guard));
    await notify.start();
    feed.subscribe(notify.onChanges);
    entities = new EntityService(deps);
    subs = new SubscriptionService(deps, notify);
  });
  afterEach(async () => {
    await notify.close();
    await deps.store.close();
  });

  it('is not notified of changes to a type its owner may not read', async () => {
    await subscribe(reader, 'urn:s:types', { entities: [{ type: 'Room' }, { type: 'Sensor' }], notificationTrigger: ['entityCreated', 'entityDeleted'] });
    await entities.create(root, { id: 'urn:ngsi-ld:Room:1', type: 'Room', name: p('hall') });
    await entities.delete(root, 'urn:ngsi-ld:Room:1');
    await entities.create(root, sensor(1, { temperature: 20 }));
    await entities.delete(root, 'urn:ngsi-ld:Sensor:1');
    await sender.until('urn:s:types', 'urn:ngsi-ld:Sensor:1');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sender.data('urn:s:types').map((d) => [d.id, 'deletedAt' in d]), [['urn:ngsi-ld:Sensor:1', false], ['urn:ngsi-ld:Sensor:1', true]]);
  });

  it('never shows an attribute denied to the owner, nor its previous value, nor notifies its changes', async () => {
    await subscribe(reader, 'urn:s:attrs', { notification: { endpoint, showChanges: true } });
    await entities.create(root, sensor(1, { temperature: 20, secret: 1 }));
    await entities.merge(root, 'urn:ngsi-ld:Sensor:1', { secret: p(2) });
    await entities.merge(root, 'urn:ngsi-ld:Sensor:1', { secret: p(3), temperature: p(21) });
    await sender.until('urn:s:attrs', 'urn:ngsi-ld:Sensor:1');
    await waitForItems('urn:s:attrs', 2);
    const data = sender.data('urn:s:attrs');
    assert.equal(data.length, 2, 'the update of the secret alone is not notified');
    for (const d of data) assert.equal(d.secret, undefined, JSON.stringify(d));
    assert.doesNotMatch(JSON.stringify(data), /"(value|previousValue)":[123][,}]/, 'no value of the secret, old or new');
    assert.deepEqual((data[1].temperature as Record<string, unknown>).previousValue, 20);
  });

  it('joins only what the owner may read: a hidden target is left out, a readable one masked', async () => {
    await entities.create(root, { id: 'urn:ngsi-ld:Room:1', type: 'Room', name: p('hall') });
    await entities.create(root, sensor(2, { temperature: 5, secret: 7 }));
    await subscribe(reader, 'urn:s:join', { entities: [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor' }], notification: { endpoint, join: 'flat' } });
    await subscribe(root, 'urn:s:join-root', { entities: [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor' }], notification: { endpoint, join: 'flat' } });
    await entities.create(root, {
      ...sensor(1, { temperature: 20 }),
      isIn: { type: 'Relationship', object: 'urn:ngsi-ld:Room:1' },
      near: { type: 'Relationship', object: 'urn:ngsi-ld:Sensor:2' },
    });
    await sender.until('urn:s:join', 'urn:ngsi-ld:Sensor:1');
    await sender.until('urn:s:join-root', 'urn:ngsi-ld:Sensor:1');
    const data = sender.data('urn:s:join');
    assert.deepEqual(data.map((d) => d.id), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Sensor:2'], 'the Room the reader may not read is left out');
    assert.equal(data[1].secret, undefined, 'the linked sensor without its denied attribute');
    assert.deepEqual(sender.data('urn:s:join-root').map((d) => d.id), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Room:1', 'urn:ngsi-ld:Sensor:2']);
  });

  it('never triggers on a q about an attribute the owner may not read', async () => {
    await subscribe(reader, 'urn:s:q', { q: 'secret>5|temperature>100' });
    await subscribe(root, 'urn:s:q-root', { q: 'secret>5|temperature>100' });
    await entities.create(root, sensor(1, { temperature: 1, secret: 10 }));
    await entities.create(root, sensor(2, { temperature: 200, secret: 0 }));
    await sender.until('urn:s:q', 'urn:ngsi-ld:Sensor:2');
    await sender.until('urn:s:q-root', 'urn:ngsi-ld:Sensor:2');
    assert.deepEqual(sender.data('urn:s:q').map((d) => d.id), ['urn:ngsi-ld:Sensor:2']);
    assert.deepEqual(sender.data('urn:s:q-root').map((d) => d.id), ['urn:ngsi-ld:Sensor:1', 'urn:ngsi-ld:Sensor:2'], 'an owner who may read it is notified');
  });

  it('never triggers on watchedAttributes the owner may not read', async () => {
    await entities.create(root, sensor(1, { temperature: 20, secret: 1 }));
    await subscribe(reader, 'urn:s:watch', { entities: undefined, watchedAttributes: ['secret', 'temperature'], notificationTrigger: ['attributeUpdated'] });
    await subscribe(reader, 'urn:s:watch-secret', { watchedAttributes: ['secret'], notificationTrigger: ['attributeUpdated', 'entityCreated'] });
    await entities.merge(root, 'urn:ngsi-ld:Sensor:1', { secret: p(2) });
    await entities.create(root, sensor(2, { secret: 1 }));
    await entities.merge(root, 'urn:ngsi-ld:Sensor:1', { temperature: p(21) });
    await sender.until('urn:s:watch', 'urn:ngsi-ld:Sensor:1');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sender.data('urn:s:watch').map((d) => (d.temperature as { value: number }).value), [21]);
    assert.deepEqual(sender.data('urn:s:watch-secret'), []);
  });

  it('filters periodic (timeInterval) notifications, q included, through the owner view', async () => {
    await entities.create(root, sensor(1, { temperature: 1, secret: 10 }));
    await entities.create(root, sensor(2, { temperature: 200, secret: 0 }));
    await entities.create(root, { id: 'urn:ngsi-ld:Room:1', type: 'Room', temperature: p(300) });
    await subscribe(reader, 'urn:s:periodic', { entities: [{ type: 'Sensor' }, { type: 'Room' }], q: 'secret>5|temperature>100', timeInterval: 0.05 });
    await sender.until('urn:s:periodic', 'urn:ngsi-ld:Sensor:2');
    const first = sender.sent.find((n) => n.subscriptionId === 'urn:s:periodic')!;
    assert.deepEqual((first.body.data as Entity[]).map((d) => d.id), ['urn:ngsi-ld:Sensor:2']);
    assert.equal(JSON.stringify(sender.data('urn:s:periodic')).includes('secret'), false);
  });

  it('filters the outbox replayed at start through the owner view', async () => {
    await subscribe(reader, 'urn:s:replay', {});
    await notify.close();
    deps.feed = new ChangeFeed(() => undefined); // nobody listens: the changes stay in the outbox
    entities = new EntityService(deps);
    await entities.create(root, { id: 'urn:ngsi-ld:Room:1', type: 'Room', name: p('hall') });
    await entities.create(root, sensor(1, { temperature: 20, secret: 1 }));
    const again = new CaptureSender();
    const restarted = notificationService(deps.store, again, guard.visibleTo.bind(guard));
    try {
      await restarted.start();
      await again.until('urn:s:replay', 'urn:ngsi-ld:Sensor:1');
      const data = again.data('urn:s:replay');
      assert.deepEqual(data.map((d) => d.id), ['urn:ngsi-ld:Sensor:1']);
      assert.equal(data[0].secret, undefined);
    } finally {
      await restarted.close();
    }
  });

  it('notifies nothing to a subscription without an owner while auth is on (made before auth: re-create it)', async () => {
    const put = { ...(await deps.store.getSubscription('', await subscribe(reader, 'urn:s:old', {})))! };
    delete put.owner;
    await deps.store.putSubscription('', put);
    notify.changed('', put);
    await subscribe(reader, 'urn:s:new', {});
    await entities.create(root, sensor(1, { temperature: 20 }));
    await sender.until('urn:s:new', 'urn:ngsi-ld:Sensor:1');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(sender.data('urn:s:old'), []);

    // At the next start, the log says which subscriptions are in that state.
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
    const restarted = notificationService(deps.store, new CaptureSender(), guard.visibleTo.bind(guard), log);
    try {
      await restarted.start();
      assert.equal(lines.length, 1);
      const entry = JSON.parse(lines[0]!) as { msg: string; count: number; subscriptions: Array<{ id: string }> };
      assert.match(entry.msg, /no owner and notify nothing while auth is on/);
      assert.deepEqual({ count: entry.count, ids: entry.subscriptions.map((s) => s.id) }, { count: 1, ids: ['urn:s:old'] });
    } finally {
      await restarted.close();
    }
  });

  async function waitForItems(sub: string, n: number): Promise<void> {
    for (let i = 0; i < 100 && sender.data(sub).length < n; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
  }
});

describe('notify: ownerView', () => {
  const e = (id: string, attrs: Record<string, number>): Entity => ({
    id, type: [`${DEFAULT_VOCAB}Sensor`], createdAt: '2026-01-01T00:00:00Z', modifiedAt: '2026-01-01T00:00:00Z', attrs: Object.fromEntries(Object.entries(attrs).map(([k, v]) => [DEFAULT_VOCAB + k, [{ type: 'Property', value: v }]])),
  });
  const hideOdd = (_o: unknown, _t: string, x: Entity) => (Number(x.id.slice(-1)) % 2 === 1 ? undefined : x);

  it('returns the change itself when nothing is hidden, so its computed triggers are shared', () => {
    const change: SubscriptionChange = { kind: 'update', entity: e('a0', { t: 1 }), previous: e('a0', { t: 0 }) };
    assert.equal(ownerView(EVERYTHING_VISIBLE, undefined, '', change), change);
    assert.equal(ownerView(hideOdd, undefined, '', change), change);
  });

  it('drops what is hidden, and turns an update that reveals an entity into its creation', () => {
    const seen = e('x2', {});
    const hidden = e('x1', {});
    const byState = (_o: unknown, _t: string, x: Entity) => (x === hidden ? undefined : x);
    assert.equal(ownerView(byState, undefined, '', { kind: 'create', entity: hidden }), undefined);
    assert.equal(ownerView(byState, undefined, '', { kind: 'delete', previous: hidden }), undefined);
    assert.equal(ownerView(byState, undefined, '', { kind: 'update', entity: hidden, previous: seen }), undefined, 'no longer readable: not a deletion');
    assert.deepEqual(ownerView(byState, undefined, '', { kind: 'update', entity: seen, previous: hidden }), { kind: 'create', entity: seen });
  });

  it('masks both states with the AccessGuard, and gives an owner-less subscription nothing', () => {
    const guard = new AccessGuard(POLICY);
    const before = e('s1', { secret: 1, temperature: 1 });
    const after = e('s1', { secret: 2, temperature: 2 });
    const view = ownerView(guard.visibleTo.bind(guard), { subject: 'r', roles: ['sensorReader'] }, '', { kind: 'update', entity: after, previous: before })!;
    assert.deepEqual(Object.keys(view.entity!.attrs), [TEMPERATURE]);
    assert.deepEqual(Object.keys(view.previous!.attrs), [TEMPERATURE]);
    assert.equal(ownerView(guard.visibleTo.bind(guard), undefined, '', { kind: 'create', entity: after }), undefined);
    assert.ok(!Object.keys(view.entity!.attrs).includes(SECRET));
  });
});
