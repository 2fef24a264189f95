import assert from 'node:assert/strict';
import { parseSubscription } from '../../../src/ngsi/subscription/parse';
import { renderSubscription } from '../../../src/ngsi/subscription/render';
import { coreContext, userContext } from '../../helpers/context';
import { body, NOW, NOW_MS, sub } from './fixtures';

const EX = 'https://example.org/';

describe('ngsi/subscription renderSubscription (clause 5.2.12, 5.8.3)', () => {
  const full = {
    id: 'urn:ngsi-ld:Subscription:full',
    subscriptionName: 'all members',
    description: 'every member set',
    entities: [{ id: 'urn:ngsi-ld:Building:1', type: 'Building' }, { idPattern: '^urn:x', type: '(A|B);C' }],
    notificationTrigger: ['entityCreated', 'attributeUpdated'],
    q: 'temperature>20;name~="(?i)tow"',
    geoQ: { geometry: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]], georel: 'within', geoproperty: 'place' },
    scopeQ: '/Madrid/#',
    lang: 'fr',
    isActive: false,
    expiresAt: '2030-01-01T00:00:00Z',
    throttling: 2,
    watchedAttributes: ['temperature'],
    jsonldContext: 'https://c.example/ctx.jsonld',
    notification: {
      attributes: ['temperature', 'name'],
      format: 'concise',
      sysAttrs: true,
      showChanges: true,
      endpoint: {
        uri: 'mqtt://broker/weft', accept: 'application/ld+json', timeout: 1000,
        receiverInfo: [{ key: 'X-A', value: '1' }], notifierInfo: [{ key: 'MQTT-QoS', value: '2' }],
      },
    },
  };
  const ctx = userContext({ temperature: `${EX}temperature`, place: `${EX}place` });

  it('renders every member as the client gave it, names compacted, plus status and counters', () => {
    const s = parseSubscription({ type: 'Subscription', ...full }, ctx, NOW, () => 'x');
    const out = renderSubscription(s, ctx, NOW_MS, { sysAttrs: false });
    assert.deepEqual(out, {
      type: 'Subscription',
      ...full,
      status: 'paused',
      notification: { ...full.notification, timesSent: 0, timesFailed: 0 },
    });
    assert.equal('@context' in out, false);
    assert.equal('createdAt' in out, false);
  });

  it('round-trips: a rendered subscription parses back to the same subscription', () => {
    const s = parseSubscription({ type: 'Subscription', ...full }, ctx, NOW, () => 'x');
    const again = parseSubscription(renderSubscription(s, ctx, NOW_MS, { sysAttrs: true }), ctx, NOW, () => 'y');
    assert.deepEqual(again, s);
  });

  it('compacts IRIs through the reader\'s @context, which may differ from the creator\'s', () => {
    const s = parseSubscription({ type: 'Subscription', ...full }, ctx, NOW, () => 'x');
    const out = renderSubscription(s, coreContext(), NOW_MS, { sysAttrs: false });
    assert.deepEqual(out.watchedAttributes, [`${EX}temperature`]);
    assert.deepEqual((out.notification as { attributes: string[] }).attributes, [`${EX}temperature`, 'name']);
    assert.equal((out.geoQ as { geoproperty: string }).geoproperty, `${EX}place`);
  });

  it('never shows the owner (issue 4: it names the creator and its roles)', () => {
    const s = { ...sub(), owner: { subject: 'alice', roles: ['viewer'], tenants: [''] } };
    const out = renderSubscription(s, coreContext(), NOW_MS, { sysAttrs: true });
    assert.equal(JSON.stringify(out).includes('alice'), false);
    assert.equal('owner' in out, false);
  });

  it('shows the derived status: active, paused, expired', () => {
    const s = sub({ expiresAt: '2024-06-01T13:00:00Z' });
    assert.equal(renderSubscription(s, coreContext(), NOW_MS, { sysAttrs: false }).status, 'active');
    assert.equal(renderSubscription({ ...s, isActive: false }, coreContext(), NOW_MS, { sysAttrs: false }).status, 'paused');
    assert.equal(renderSubscription(s, coreContext(), Date.parse('2024-06-01T13:00:00Z'), { sysAttrs: false }).status, 'expired');
  });

  it('merges the delivery status into notification and shows createdAt/modifiedAt with sysAttrs', () => {
    const s = {
      ...parseSubscription(body(), coreContext(), NOW, () => 'x'),
      delivery: { timesSent: 5, timesFailed: 2, lastNotification: NOW, lastSuccess: '2024-06-01T11:00:00Z', lastFailure: NOW, status: 'failed' as const },
    };
    const out = renderSubscription(s, coreContext(), NOW_MS, { sysAttrs: true });
    assert.deepEqual(out.notification, {
      format: 'normalized', sysAttrs: false, showChanges: false,
      endpoint: { uri: 'http://receiver.example/notify', accept: 'application/json' },
      status: 'failed', timesSent: 5, timesFailed: 2, lastNotification: NOW, lastSuccess: '2024-06-01T11:00:00Z', lastFailure: NOW,
    });
    assert.equal(out.createdAt, NOW);
    assert.equal(out.modifiedAt, NOW);
    assert.deepEqual(Object.keys(out).slice(0, 2), ['id', 'type']);
  });
});
