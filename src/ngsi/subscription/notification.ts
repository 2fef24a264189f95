/**
 * The Notification a subscription sends (clause 5.3.1): {id, type, subscriptionId,
 * notifiedAt, data}, one data entry per change, in order (./data). Pure: notify/ chooses
 * when to build it and how to deliver it.
 *
 * @context (clause 5.3.1, 6.3.5 via the endpoint's accept):
 *  - application/ld+json: the body carries "@context": the subscription's jsonldContext, else
 *    the context the entities were compacted with;
 *  - application/json: no @context in the body but a Link header to it. A Link names one
 *    URL, so an inline or multi-part context falls back to the core context (the terms then
 *    read as core terms or default-vocabulary IRIs; clients that need the exact terms
 *    should ask for ld+json or set jsonldContext).
 */
import type { Entity } from '../entity';
import { inlineTargets } from '../join';
import { DEFAULT_CORE_CONTEXT } from '../jsonld/core';
import type { CompiledContext } from '../jsonld/context';
import { renderEntity, type RenderOptions } from '../render';
import { renderDataItem, type DataOptions } from './data';
import type { Subscription } from './model';
import type { SubscriptionChange } from './triggers';

const NO_LINKS: ReadonlyMap<string, Entity> = new Map();

export interface RenderedNotification {
  body: Record<string, unknown>;
  contentType: 'application/json' | 'application/ld+json';
  /** application/json only: the Link header pointing at the @context. */
  link?: string;
}

/**
 * `ctx`: the context to compact with, i.e. the compiled `sub.jsonldContext` when set, else
 * the compiled `sub.context`. `id`: the notification's id (urn:ngsi-ld:Notification:...).
 * Periodic notifications (timeInterval) pass 'update' changes without `previous`.
 * `linked`: with the subscription's join, the entities the notified ones point at
 * (ngsi/join collectLinked), as their owner may see them.
 */
export function buildNotification(
  sub: Subscription, changes: readonly SubscriptionChange[], ctx: CompiledContext, notifiedAt: string, id: string,
  linked: ReadonlyMap<string, Entity> = NO_LINKS,
): RenderedNotification {
  const n = sub.notification;
  const render: RenderOptions = { format: n.format, sysAttrs: n.sysAttrs };
  if (sub.lang !== undefined) render.lang = sub.lang;
  if (n.attributes !== undefined) {
    // Entity members stay (like GET with attrs); timestamps too when sysAttrs asks for them.
    render.pick = new Set(['id', 'type', 'scope', ...n.attributes]);
    if (n.sysAttrs) render.pick.add('createdAt').add('modifiedAt');
  }
  // join (clause 4.5.23): linked entities are rendered whole, as GET ?join= renders them.
  const linkedRender: RenderOptions = { ...render, pick: undefined };
  if (n.join?.mode === 'inline' && linked.size > 0) render.inline = inlineTargets(new Map(linked), ctx, linkedRender);
  const triggers = sub.notificationTrigger;
  const o: DataOptions = {
    render,
    showChanges: n.showChanges,
    showDeleted: triggers.includes('attributeDeleted') || triggers.includes('entityUpdated'),
    notifiedAt,
  };
  const data: Record<string, unknown>[] = [];
  for (const change of changes) {
    const item = renderDataItem(change, ctx, o);
    if (item !== undefined) data.push(item);
  }
  if (n.join?.mode === 'flat') {
    const notified = new Set(changes.map((c) => (c.entity ?? c.previous)?.id));
    for (const e of linked.values()) if (!notified.has(e.id)) data.push(renderEntity(e, ctx, linkedRender));
  }
  const body: Record<string, unknown> = { id, type: 'Notification', subscriptionId: sub.id, notifiedAt, data };
  if (n.endpoint.accept === 'application/ld+json') {
    return { body: { '@context': sub.jsonldContext ?? ctx.source, ...body }, contentType: 'application/ld+json' };
  }
  const url = sub.jsonldContext ?? ctx.linkUrl ?? DEFAULT_CORE_CONTEXT;
  return { body, contentType: 'application/json', link: `<${url}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"` };
}
