/**
 * Create Subscription payload -> Subscription (clause 5.8.1, data type clause 5.2.12).
 * Every name is expanded with the request's @context here, once: the stored subscription
 * carries its filter as the one query AST (EntityFilter), so matching a change never needs
 * an @context or a parser again (STYLE.md 12).
 */
import type { ContextSource, CompiledContext } from '../jsonld/context';
import type { EntityFilter } from '../query/ast';
import { isUri } from '../uri';
import { describe, invalid } from './checks';
import { parseMembers, type Members } from './members';
import { DEFAULT_TRIGGERS, type DeliveryStatus, type Subscription } from './model';

const ID_PREFIX = 'urn:ngsi-ld:Subscription:';

/**
 * `body` comes without its @context member (http/ resolved it into `ctx`). `now`: ISO 8601
 * time of the request (createdAt, and the reference for expiresAt). `newId`: an id for a
 * subscription that has none, either a whole URI or a bare unique string (a UUID) that
 * gets the urn:ngsi-ld:Subscription: prefix.
 */
export function parseSubscription(body: Record<string, unknown>, ctx: CompiledContext, now: string, newId: () => string): Subscription {
  checkType(body.type);
  let id: string;
  if (body.id !== undefined) {
    if (typeof body.id !== 'string' || !isUri(body.id)) throw invalid('id', `must be a URI, not ${describe(body.id)}`);
    id = body.id;
  } else {
    const generated = newId();
    id = isUri(generated) ? generated : ID_PREFIX + generated;
  }
  const { members } = parseMembers(body, ctx);
  return assemble(members, { id, context: ctx.source, createdAt: now, modifiedAt: now, delivery: { timesSent: 0, timesFailed: 0 } }, now);
}

/** Clause 5.2.12: type "shall be equal to Subscription". */
export function checkType(type: unknown): void {
  if (type === undefined) throw invalid('type', "is required and must be 'Subscription'");
  if (type !== 'Subscription') throw invalid('type', `must be 'Subscription', not ${describe(type)}`);
}

/** What the broker sets, as opposed to what the client's members say. */
export interface SystemMembers {
  id: string;
  context: ContextSource;
  createdAt: string;
  modifiedAt: string;
  delivery: DeliveryStatus;
}

/**
 * Checks the rules that relate members (clause 5.2.12) and builds the Subscription with its
 * defaults. Shared by create and update, so an updated subscription obeys exactly the rules
 * of a new one.
 */
export function assemble(m: Members, sys: SystemMembers, now: string): Subscription {
  const notification = m.notification;
  if (notification === undefined) throw invalid('notification', 'is required');
  // Clause 5.2.12 lists both as optional, but a subscription with neither would match every
  // change of every entity; like Stellio, at least one of them is required.
  if (m.entities === undefined && m.watchedAttributes === undefined) throw invalid('entities', 'or watchedAttributes must be present (at least one of them)');
  if (m.timeInterval !== undefined) {
    // Clause 5.2.12: periodic notifications are not about changes, so nothing is watched or throttled.
    if (m.watchedAttributes !== undefined) throw invalid('timeInterval', 'cannot be combined with watchedAttributes');
    if (m.throttling !== undefined) throw invalid('timeInterval', 'cannot be combined with throttling');
  }
  if (m.expiresAt !== undefined && !(Date.parse(m.expiresAt) > Date.parse(now))) {
    throw invalid('expiresAt', `must be in the future, not ${m.expiresAt}`);
  }

  const filter: EntityFilter = {};
  if (m.entities !== undefined) filter.selectors = m.entities.selectors;
  if (m.q !== undefined) filter.q = m.q.node;
  if (m.geoQ !== undefined) filter.geoQ = m.geoQ.query;
  if (m.scopeQ !== undefined) filter.scopeQ = m.scopeQ.expr;

  const sub: Subscription = { id: sys.id } as Subscription;
  if (m.subscriptionName !== undefined) sub.subscriptionName = m.subscriptionName;
  if (m.description !== undefined) sub.description = m.description;
  if (m.entities !== undefined) sub.entities = m.entities.sources;
  if (m.watchedAttributes !== undefined) sub.watchedAttributes = m.watchedAttributes;
  sub.notificationTrigger = m.notificationTrigger ?? [...DEFAULT_TRIGGERS];
  if (m.timeInterval !== undefined) sub.timeInterval = m.timeInterval;
  if (m.q !== undefined) sub.q = m.q.text;
  if (m.geoQ !== undefined) sub.geoQ = m.geoQ.source;
  if (m.scopeQ !== undefined) sub.scopeQ = m.scopeQ.text;
  if (m.lang !== undefined) sub.lang = m.lang;
  sub.isActive = m.isActive ?? true;
  if (m.expiresAt !== undefined) sub.expiresAt = m.expiresAt;
  if (m.throttling !== undefined) sub.throttling = m.throttling;
  sub.notification = notification;
  if (m.jsonldContext !== undefined) sub.jsonldContext = m.jsonldContext;
  sub.filter = filter;
  sub.context = sys.context;
  sub.createdAt = sys.createdAt;
  sub.modifiedAt = sys.modifiedAt;
  sub.delivery = sys.delivery;
  return sub;
}
