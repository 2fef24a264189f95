import assert from 'node:assert/strict';
import type { CompiledContext } from '../../../src/ngsi/jsonld/context';
import type { Subscription } from '../../../src/ngsi/subscription/model';
import { patchSubscription } from '../../../src/ngsi/subscription/patch';
import { CORE_URL, coreContext, userContext } from '../../helpers/context';
import { assertNgsiError, LATER, sub, v } from './fixtures';

const EX = 'https://example.org/';
const patch = (s: Subscription, fragment: Record<string, unknown>, ctx: CompiledContext = coreContext()) => patchSubscription(s, fragment, ctx, LATER);
const bad = (s: Subscription, fragment: Record<string, unknown>, detail: RegExp) =>
  assertNgsiError(() => patch(s, fragment), 'BadRequestData', detail);

describe('ngsi/subscription patchSubscription (clause 5.8.2)', () => {
  const base = () => sub({
    id: 'urn:ngsi-ld:Subscription:p',
    subscriptionName: 'watch',
    watchedAttributes: ['speed'],
    q: 'speed>10',
    throttling: 5,
    expiresAt: '2030-01-01T00:00:00Z',
    notification: { attributes: ['speed'], format: 'concise', endpoint: { uri: 'http://r.example/n', accept: 'application/ld+json' } },
  });

  it('replaces the members the fragment gives and keeps the others', () => {
    const s = base();
    const p = patch(s, { q: 'speed>20', isActive: false, description: 'now described' });
    assert.equal(p.q, 'speed>20');
    assert.equal(p.isActive, false);
    assert.equal(p.description, 'now described');
    assert.equal(p.subscriptionName, 'watch');
    assert.deepEqual(p.watchedAttributes, s.watchedAttributes);
    assert.deepEqual(p.filter.selectors, s.filter.selectors);
    assert.notDeepEqual(p.filter.q, s.filter.q);
  });

  it('keeps id, createdAt, @context and delivery counters, and sets modifiedAt', () => {
    const s = { ...base(), delivery: { timesSent: 3, timesFailed: 1, status: 'failed' as const } };
    const p = patch(s, { throttling: 10 }, userContext({ speed: `${EX}speed` }));
    assert.equal(p.id, s.id);
    assert.equal(p.createdAt, s.createdAt);
    assert.equal(p.modifiedAt, LATER);
    assert.equal(p.context, CORE_URL);
    assert.deepEqual(p.delivery, s.delivery);
  });

  it('keeps the owner (issue 4): no fragment can change whose read rights apply', () => {
    const owner = { subject: 'alice', roles: ['viewer'] };
    assert.deepEqual(patch({ ...base(), owner }, { q: 'speed>1', isActive: false }).owner, owner);
    assert.equal('owner' in patch(base(), { q: 'speed>1' }), false, 'an owner-less subscription stays owner-less');
    bad(base(), { owner }, /owner.*is not a member of Subscription/);
  });

  it("expands the fragment's names with the PATCH request's @context, never re-expands the stored ones", () => {
    const s = base();
    const p = patch(s, { watchedAttributes: ['speed', 'heading'] }, userContext({ speed: `${EX}speed` }));
    assert.deepEqual(p.watchedAttributes, [`${EX}speed`, v('heading')]);
    // q was written with the creating @context; another @context must not re-target it.
    assert.deepEqual(p.filter.q, s.filter.q);
    assert.deepEqual(p.notification.attributes, [v('speed')]);
  });

  it('removes an optional member given as null or urn:ngsi-ld:null', () => {
    const p = patch(base(), { q: null, throttling: 'urn:ngsi-ld:null', expiresAt: null, subscriptionName: null });
    for (const k of ['q', 'throttling', 'expiresAt', 'subscriptionName'] as const) assert.equal(p[k], undefined, k);
    assert.equal(p.filter.q, undefined);
  });

  it('resets members with a default to it when removed', () => {
    const s = patch(base(), { notificationTrigger: ['entityDeleted'], isActive: false });
    const p = patch(s, { notificationTrigger: null, isActive: null });
    assert.deepEqual(p.notificationTrigger, ['attributeCreated', 'attributeUpdated']);
    assert.equal(p.isActive, true);
  });

  it('lays notification members over the current ones, the endpoint as a whole', () => {
    const s = base();
    const p = patch(s, { notification: { format: 'normalized', sysAttrs: true } });
    assert.equal(p.notification.format, 'normalized');
    assert.equal(p.notification.sysAttrs, true);
    assert.deepEqual(p.notification.attributes, s.notification.attributes);
    assert.deepEqual(p.notification.endpoint, s.notification.endpoint);
    const q = patch(s, { notification: { attributes: null, endpoint: { uri: 'https://other.example/n' } } });
    assert.equal(q.notification.attributes, undefined);
    assert.deepEqual(q.notification.endpoint, { uri: 'https://other.example/n', accept: 'application/json' });
  });

  it('refuses to remove the notification or its endpoint', () => {
    bad(base(), { notification: null }, /notification is mandatory/);
    bad(base(), { notification: { endpoint: null } }, /notification\.endpoint is mandatory/);
  });

  it('requires id and type, if given, to be those of the subscription', () => {
    bad(base(), { id: 'urn:ngsi-ld:Subscription:other', q: 'a' }, /id 'urn:ngsi-ld:Subscription:other' differs/);
    bad(base(), { type: 'Registration', q: 'a' }, /type must be 'Subscription'/);
    assert.equal(patch(base(), { id: 'urn:ngsi-ld:Subscription:p', type: 'Subscription', q: 'a' }).q, 'a');
  });

  it('refuses a fragment that changes nothing', () => {
    bad(base(), {}, /changes nothing/);
    bad(base(), { id: 'urn:ngsi-ld:Subscription:p', status: 'active' }, /changes nothing/);
  });

  it('validates each member like a new subscription does', () => {
    bad(base(), { colour: 'red' }, /colour is not a member of Subscription/);
    bad(base(), { q: 'speed>>' }, /Invalid q/);
    bad(base(), { notification: { format: 'xml' } }, /notification\.format must be/);
    assertNgsiError(() => patch(base(), { csf: 'x' }), 'OperationNotSupported', /csf/);
  });

  it('validates the result as a whole, like a new subscription', () => {
    bad(base(), { timeInterval: 30 }, /timeInterval cannot be combined with watchedAttributes/);
    bad(base(), { entities: null, watchedAttributes: null }, /entities or watchedAttributes must be present/);
    bad(base(), { notification: { showChanges: true, format: 'keyValues' } }, /showChanges cannot be true when format is keyValues/);
    bad(base(), { expiresAt: '2024-06-01T12:04:00Z' }, /expiresAt must be in the future/);
    const periodic = patch(base(), { watchedAttributes: null, throttling: null, timeInterval: 30 });
    assert.equal(periodic.timeInterval, 30);
  });

  it('keeps the expiry rule for an expired subscription: a new expiresAt (or none) is needed', () => {
    const expired = { ...base(), expiresAt: '2024-06-01T12:01:00Z' };
    bad(expired, { isActive: true }, /expiresAt must be in the future/);
    assert.equal(patch(expired, { isActive: true, expiresAt: null }).expiresAt, undefined);
    assert.equal(patch(expired, { expiresAt: '2031-01-01T00:00:00Z' }).expiresAt, '2031-01-01T00:00:00Z');
  });
});
