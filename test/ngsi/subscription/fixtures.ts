/** Shared fixtures of the subscription tests: payloads, entities, time. */
import type { Attribute, Entity } from '../../../src/ngsi/entity';
import { parseSubscription } from '../../../src/ngsi/subscription/parse';
import type { Subscription } from '../../../src/ngsi/subscription/model';
import { coreContext, DEFAULT_VOCAB } from '../../helpers/context';

export { assertNgsiError } from '../query/helpers';

export const NOW = '2024-06-01T12:00:00Z';
export const NOW_MS = Date.parse(NOW);
export const LATER = '2024-06-01T12:05:00Z';

/** Expanded IRI of a term of the core context's default vocabulary. */
export const v = (term: string): string => DEFAULT_VOCAB + term;

/** A minimal valid Create Subscription payload, with members replaced or added by `over`. */
export function body(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'Subscription',
    entities: [{ type: 'Building' }],
    notification: { endpoint: { uri: 'http://receiver.example/notify' } },
    ...over,
  };
}

let counter = 0;
export const newId = (): string => `uuid-${++counter}`;

/** parseSubscription of body(over) with the core context at NOW. */
export function sub(over: Record<string, unknown> = {}, ctx = coreContext()): Subscription {
  return parseSubscription(body(over), ctx, NOW, newId);
}

export const prop = (value: unknown, more: Partial<Attribute> = {}): Attribute => ({ type: 'Property', value, ...more });
export const rel = (object: string, more: Partial<Attribute> = {}): Attribute => ({ type: 'Relationship', object, ...more });

/** An entity of type Building (default vocabulary) with attributes named by core-context terms. */
export function building(attrs: Record<string, Attribute | Attribute[]>, extra: Partial<Entity> = {}): Entity {
  const expanded: Record<string, Attribute[]> = {};
  for (const [name, a] of Object.entries(attrs)) expanded[name.includes(':') ? name : v(name)] = Array.isArray(a) ? a : [a];
  return {
    id: 'urn:ngsi-ld:Building:1',
    type: [v('Building')],
    createdAt: '2024-01-01T00:00:00Z',
    modifiedAt: '2024-01-02T00:00:00Z',
    attrs: expanded,
    ...extra,
  };
}
