/** A ready-made OutgoingNotification for the sender and queue tests. */
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
