/** A ready-made OutgoingNotification for the sender and queue tests, and what a receiver must get of it. */
import { strict as assert } from 'node:assert';
import type { IncomingHttpHeaders } from 'node:http';
import type { Endpoint } from '../../src/ngsi/subscription/model';
import type { OutgoingNotification } from '../../src/notify/types';

export const LINK = '<https://example.org/ctx.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"';

export function notification(uri: string, data: unknown[] = [{ id: 'urn:ngsi-ld:Sensor:1', type: 'Sensor' }], more: Partial<Omit<OutgoingNotification, 'endpoint'>> & { endpoint?: Partial<Endpoint> } = {}): OutgoingNotification {
  const { endpoint, ...rest } = more;
  return {
    tenant: '',
    subscriptionId: 'urn:ngsi-ld:Subscription:1',
    endpoint: { uri, accept: 'application/json', ...endpoint },
    body: { id: 'urn:ngsi-ld:Notification:1', type: 'Notification', subscriptionId: 'urn:ngsi-ld:Subscription:1', notifiedAt: '2024-01-01T00:00:00.000Z', data },
    contentType: 'application/json',
    link: LINK,
    ...rest,
  };
}

/** The POST a receiver got for `n` (application/json, tenant 'acme'): path, body, Content-Type, Link, tenant, plus `headers`. */
export function assertPostedToAcme(req: { path: string; headers: IncomingHttpHeaders; body: unknown } | undefined, n: OutgoingNotification, headers: Record<string, string>): void {
  assert.ok(req, 'the receiver got no request');
  assert.equal(req.path, '/notify');
  assert.deepEqual(req.body, n.body);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers.link, LINK);
  assert.equal(req.headers['ngsild-tenant'], 'acme');
  for (const [name, value] of Object.entries(headers)) assert.equal(req.headers[name], value, name);
}
