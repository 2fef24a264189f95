/**
 * A change as a subscription's owner may see it (issue 4: "a subscriber is notified only of
 * what it may read, checked at notification time"). Applied BEFORE matching: a q, geoQ or
 * watchedAttributes on an attribute the owner may not read then sees no such attribute, so
 * it can neither trigger a notification nor reveal the attribute by the fact of one.
 *
 * From the owner's point of view:
 *  - an entity it may not read (after the change; before it, for a deletion) did not change;
 *  - an update that makes an entity readable (a type gained) is the entity's creation;
 *  - an update that makes it unreadable is nothing: calling it a deletion would be a lie
 *    about an entity that still exists.
 */
import type { Entity } from '../ngsi/entity';
import type { SubscriptionChange } from '../ngsi/subscription';
import type { SubscriptionOwner } from '../ngsi/subscription/model';

/**
 * What `owner` may read of `entity` in `tenant` (hidden attributes removed), or undefined
 * when nothing. Must return `entity` itself when nothing is hidden: the change is then
 * shared by every subscription, as are its computed triggers. server.ts passes
 * AccessGuard.visibleTo, which does so, and answers undefined for an owner-less
 * subscription while auth is on.
 */
export type VisibleTo = (owner: SubscriptionOwner | undefined, tenant: string, entity: Entity) => Entity | undefined;

/** Everything is visible to everyone (auth off: AccessGuard(undefined).visibleTo does the same). */
export const EVERYTHING_VISIBLE: VisibleTo = (_owner, _tenant, entity) => entity;

/**
 * Subscriptions of owners with equal keys see every change alike, so a change is filtered
 * once per owner, not once per subscription. '' for owner-less subscriptions.
 */
export function ownerKey(owner: SubscriptionOwner | undefined): string {
  return owner === undefined ? '' : JSON.stringify([owner.subject, owner.roles, owner.tenants ?? null]);
}

/** `change` as `owner` sees it: the same object when nothing is hidden, undefined when all is. */
export function ownerView(visibleTo: VisibleTo, owner: SubscriptionOwner | undefined, tenant: string, change: SubscriptionChange): SubscriptionChange | undefined {
  const entity = change.entity === undefined ? undefined : visibleTo(owner, tenant, change.entity);
  const previous = change.previous === undefined ? undefined : visibleTo(owner, tenant, change.previous);
  if (entity === change.entity && previous === change.previous) return change;
  switch (change.kind) {
    case 'create':
      return entity === undefined ? undefined : { kind: 'create', entity };
    case 'delete': {
      // The last state is `previous` (or `entity`, as triggers.ts reads a deletion).
      const last = change.previous !== undefined ? previous : entity;
      return last === undefined ? undefined : { kind: 'delete', previous: last };
    }
    case 'update':
      if (entity === undefined) return undefined;
      if (change.previous === undefined) return { kind: 'update', entity };
      return previous === undefined ? { kind: 'create', entity } : { kind: 'update', entity, previous };
  }
}
