/**
 * Subscription -> what GET /subscriptions returns (clause 5.2.12, 5.8.3): the members as the
 * client set them, attribute IRIs compacted through the caller's @context, plus the derived
 * `status` and the notification status members (clause 5.2.14). No @context member: http/
 * adds it (or the Link header) according to the Accept header, as for entities.
 */
import type { CompiledContext } from '../jsonld/context';
import { subscriptionState, type Endpoint, type Subscription } from './model';

export interface SubscriptionRenderOptions {
  /** options=sysAttrs: createdAt and modifiedAt (clause 5.2.2). */
  sysAttrs: boolean;
}

export function renderSubscription(sub: Subscription, ctx: CompiledContext, nowMs: number, opts: SubscriptionRenderOptions): Record<string, unknown> {
  const compact = (iri: string): string => ctx.compactIri(iri);
  const out: Record<string, unknown> = { id: sub.id, type: 'Subscription' };
  if (sub.subscriptionName !== undefined) out.subscriptionName = sub.subscriptionName;
  if (sub.description !== undefined) out.description = sub.description;
  // Type expressions are kept as the client wrote them: an expression (A|B;C) has no single
  // IRI to compact, and the text is what the client will recognise.
  if (sub.entities !== undefined) out.entities = sub.entities.map((e) => ({ ...e }));
  if (sub.watchedAttributes !== undefined) out.watchedAttributes = sub.watchedAttributes.map(compact);
  out.notificationTrigger = [...sub.notificationTrigger];
  if (sub.timeInterval !== undefined) out.timeInterval = sub.timeInterval;
  if (sub.q !== undefined) out.q = sub.q;
  if (sub.geoQ !== undefined) {
    const { geometry, coordinates, georel, geoproperty } = sub.geoQ;
    const geoQ: Record<string, unknown> = { geometry, coordinates, georel };
    if (geoproperty !== undefined) geoQ.geoproperty = compact(geoproperty);
    out.geoQ = geoQ;
  }
  if (sub.scopeQ !== undefined) out.scopeQ = sub.scopeQ;
  if (sub.lang !== undefined) out.lang = sub.lang;
  out.isActive = sub.isActive;
  out.status = subscriptionState(sub, nowMs);
  if (sub.expiresAt !== undefined) out.expiresAt = sub.expiresAt;
  if (sub.throttling !== undefined) out.throttling = sub.throttling;
  out.notification = renderNotificationParams(sub, compact);
  if (sub.jsonldContext !== undefined) out.jsonldContext = sub.jsonldContext;
  if (opts.sysAttrs) {
    out.createdAt = sub.createdAt;
    out.modifiedAt = sub.modifiedAt;
  }
  return out;
}

/** Clause 5.2.14 with its status members (timesSent, ..., status) taken from the delivery counters. */
function renderNotificationParams(sub: Subscription, compact: (iri: string) => string): Record<string, unknown> {
  const n = sub.notification;
  const d = sub.delivery;
  const out: Record<string, unknown> = {};
  if (n.attributes !== undefined) out.attributes = n.attributes.map(compact);
  out.format = n.format;
  out.sysAttrs = n.sysAttrs;
  out.showChanges = n.showChanges;
  if (n.join !== undefined) {
    out.join = n.join.mode;
    out.joinLevel = n.join.level;
  }
  out.endpoint = renderEndpoint(n.endpoint);
  if (d.status !== undefined) out.status = d.status;
  out.timesSent = d.timesSent;
  out.timesFailed = d.timesFailed;
  if (d.lastNotification !== undefined) out.lastNotification = d.lastNotification;
  if (d.lastSuccess !== undefined) out.lastSuccess = d.lastSuccess;
  if (d.lastFailure !== undefined) out.lastFailure = d.lastFailure;
  return out;
}

function renderEndpoint(e: Endpoint): Record<string, unknown> {
  const out: Record<string, unknown> = { uri: e.uri, accept: e.accept };
  if (e.receiverInfo !== undefined) out.receiverInfo = e.receiverInfo.map((p) => ({ key: p.key, value: p.value }));
  if (e.notifierInfo !== undefined) out.notifierInfo = e.notifierInfo.map((p) => ({ key: p.key, value: p.value }));
  if (e.timeout !== undefined) out.timeout = e.timeout;
  return out;
}
