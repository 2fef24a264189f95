/**
 * Update Subscription (clause 5.8.2): the fragment's members replace the current ones, and
 * the result must be a valid subscription by the very rules of a new one (./parse assemble).
 *
 * Why not "render the current subscription back to a payload, overlay the fragment and
 * re-parse it"? The stored q, type and attribute texts are terms of the *creating* request's
 * @context, and a PATCH may come with another one: re-parsing them with the PATCH's @context
 * could silently re-target the subscription. So the current members are taken as they are
 * (already parsed and expanded, ./members Members), and only the fragment's members are
 * parsed, with the PATCH request's @context.
 */
import type { CompiledContext } from '../jsonld/context';
import { describe, invalid } from './checks';
import { parseMembers, type Members } from './members';
import type { Subscription } from './model';
import { assemble, checkType } from './parse';

/**
 * Null (or "urn:ngsi-ld:null") removes an optional member; members with a default
 * (notificationTrigger, isActive, notification.format, ...) go back to it. `notification`
 * members replace the current ones one by one (endpoint as a whole), as in Orion-LD and
 * Stellio, so changing the format does not require resending the endpoint. id, createdAt,
 * the @context, the owner and the delivery counters are kept; modifiedAt becomes `now`.
 */
export function patchSubscription(current: Subscription, fragment: Record<string, unknown>, ctx: CompiledContext, now: string): Subscription {
  if (fragment.id !== undefined && fragment.id !== current.id) {
    throw invalid('id', `${describe(fragment.id)} differs from the id of the subscription being updated (${current.id})`);
  }
  if (fragment.type !== undefined) checkType(fragment.type);
  const { members: given, removed } = parseMembers(fragment, ctx, { notification: current.notification });
  if (Object.keys(given).length === 0 && removed.length === 0) {
    throw invalid('fragment', 'changes nothing: give at least one member to update');
  }
  const members: Members = { ...membersOf(current), ...given };
  for (const name of removed) delete members[name];
  const next = assemble(
    members,
    { id: current.id, context: current.context, createdAt: current.createdAt, modifiedAt: now, delivery: current.delivery },
    now,
  );
  // The owner is not a member a client can set: a PATCH never changes whose rights apply.
  if (current.owner !== undefined) next.owner = current.owner;
  return next;
}

/** The stored subscription's members, in parsed form (no re-parsing, see the header). */
export function membersOf(sub: Subscription): Members {
  const m: Members = { notificationTrigger: sub.notificationTrigger, isActive: sub.isActive, notification: sub.notification };
  const f = sub.filter;
  if (sub.subscriptionName !== undefined) m.subscriptionName = sub.subscriptionName;
  if (sub.description !== undefined) m.description = sub.description;
  if (sub.entities !== undefined) m.entities = { sources: sub.entities, selectors: f.selectors ?? [] };
  if (sub.watchedAttributes !== undefined) m.watchedAttributes = sub.watchedAttributes;
  if (sub.timeInterval !== undefined) m.timeInterval = sub.timeInterval;
  if (sub.q !== undefined && f.q !== undefined) m.q = { text: sub.q, node: f.q };
  if (sub.geoQ !== undefined && f.geoQ !== undefined) m.geoQ = { source: sub.geoQ, query: f.geoQ };
  if (sub.scopeQ !== undefined && f.scopeQ !== undefined) m.scopeQ = { text: sub.scopeQ, expr: f.scopeQ };
  if (sub.lang !== undefined) m.lang = sub.lang;
  if (sub.expiresAt !== undefined) m.expiresAt = sub.expiresAt;
  if (sub.throttling !== undefined) m.throttling = sub.throttling;
  if (sub.jsonldContext !== undefined) m.jsonldContext = sub.jsonldContext;
  return m;
}
