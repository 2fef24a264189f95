/**
 * Which notification triggers (clause 5.2.12 notificationTrigger) an entity change fires,
 * and for which attribute instances. Computed once per change and cached on it: the
 * dispatcher tests one change against many subscriptions, and each asks the same question.
 *
 * Rules (clause 5.2.12; where the clause is silent, Orion-LD and Stellio's behaviour):
 *  create  entityCreated, and attributeCreated for every attribute instance: with the
 *          default triggers (attributeCreated, attributeUpdated) a new matching entity is
 *          notified, as every broker does.
 *  delete  entityDeleted only. attributeDeleted is about an attribute removed from an entity
 *          that goes on existing (the notification then shows that entity with the attribute
 *          marked deleted); a deleted entity is reported once, as {id, type, deletedAt}, to
 *          the subscriptions that asked for entityDeleted.
 *  update  per attribute instance (attribute IRI + datasetId):
 *            attributeCreated  absent before,
 *            attributeDeleted  absent after,
 *            attributeUpdated  present in both and written: its modifiedAt differs or its
 *                              content does. Writing the same value again is an update
 *                              (Orion-LD and Stellio notify it too): the broker stamps a new
 *                              modifiedAt on every instance it writes.
 *          entityUpdated when any instance changed, or the entity's type or scope did.
 *          An update without `previous` (periodic notifications) counts every instance
 *          as updated.
 */
import type { Attribute, Entity, Iri } from '../entity';

/** An entity change as the notification side sees it (the broker's EntityChange fits). */
export interface SubscriptionChange {
  kind: 'create' | 'update' | 'delete';
  /** State after the change (absent for delete). */
  entity?: Entity;
  /** State before the change (absent for create). */
  previous?: Entity;
}

export type EntityTrigger = 'entityCreated' | 'entityUpdated' | 'entityDeleted';
export type AttributeTrigger = 'attributeCreated' | 'attributeUpdated' | 'attributeDeleted';

export interface InstanceChange {
  readonly attr: Iri;
  readonly datasetId: string | undefined;
  readonly trigger: AttributeTrigger;
  /** The instance before the change (attributeUpdated with a previous state, attributeDeleted). */
  readonly previous: Attribute | undefined;
}

export interface ChangeTriggers {
  /** What subscription filters test: the new state, or the last one of a deleted entity. */
  readonly subject: Entity | undefined;
  readonly entityTrigger: EntityTrigger | undefined;
  readonly instances: readonly InstanceChange[];
  /** Attribute IRIs with at least one instance created / updated / deleted. */
  readonly created: ReadonlySet<Iri>;
  readonly updated: ReadonlySet<Iri>;
  readonly deleted: ReadonlySet<Iri>;
  /** Union of the three. */
  readonly changed: ReadonlySet<Iri>;
}

const cache = new WeakMap<SubscriptionChange, ChangeTriggers>();

/** The triggers of `change`, computed on first use and then shared by every subscription. */
export function changeTriggers(change: SubscriptionChange): ChangeTriggers {
  let t = cache.get(change);
  if (t === undefined) {
    t = compute(change);
    cache.set(change, t);
  }
  return t;
}

function compute(change: SubscriptionChange): ChangeTriggers {
  const instances: InstanceChange[] = [];
  switch (change.kind) {
    case 'create': {
      const e = change.entity;
      if (e !== undefined) forEachInstance(e, (attr, a) => instances.push(instanceChange(attr, a, 'attributeCreated', undefined)));
      return summary(e, e === undefined ? undefined : 'entityCreated', instances);
    }
    case 'delete': {
      const last = change.previous ?? change.entity;
      return summary(last, last === undefined ? undefined : 'entityDeleted', instances);
    }
    case 'update': {
      const e = change.entity;
      const before = change.previous;
      if (e === undefined) return summary(undefined, undefined, instances);
      if (before === undefined) {
        forEachInstance(e, (attr, a) => instances.push(instanceChange(attr, a, 'attributeUpdated', undefined)));
        return summary(e, 'entityUpdated', instances);
      }
      diff(before, e, instances);
      const touched = instances.length > 0 || !sameList(before.type, e.type) || !sameList(before.scope ?? [], e.scope ?? []);
      return summary(e, touched ? 'entityUpdated' : undefined, instances);
    }
  }
}

function diff(before: Entity, after: Entity, out: InstanceChange[]): void {
  for (const attr in after.attrs) {
    const now = after.attrs[attr]!;
    const was = before.attrs[attr];
    for (let i = 0; i < now.length; i++) {
      const a = now[i]!;
      const prev = was === undefined ? undefined : findInstance(was, a.datasetId);
      if (prev === undefined) out.push(instanceChange(attr, a, 'attributeCreated', undefined));
      else if (written(prev, a)) out.push(instanceChange(attr, a, 'attributeUpdated', prev));
    }
  }
  for (const attr in before.attrs) {
    const was = before.attrs[attr]!;
    const now = after.attrs[attr];
    for (let i = 0; i < was.length; i++) {
      const p = was[i]!;
      if (now === undefined || findInstance(now, p.datasetId) === undefined) out.push(instanceChange(attr, p, 'attributeDeleted', p));
    }
  }
}

/** Written by this change: a new modifiedAt, or (instances without timestamps) new content. */
function written(prev: Attribute, now: Attribute): boolean {
  if (prev === now) return false; // untouched instances are shared by the merge, the common case
  if (prev.modifiedAt !== now.modifiedAt) return true;
  return !deepEqual(prev, now);
}

function findInstance(list: readonly Attribute[], datasetId: string | undefined): Attribute | undefined {
  for (let i = 0; i < list.length; i++) if (list[i]!.datasetId === datasetId) return list[i];
  return undefined;
}

function forEachInstance(e: Entity, fn: (attr: Iri, a: Attribute) => void): void {
  for (const attr in e.attrs) for (const a of e.attrs[attr]!) fn(attr, a);
}

function instanceChange(attr: Iri, a: Attribute, trigger: AttributeTrigger, previous: Attribute | undefined): InstanceChange {
  return { attr, datasetId: a.datasetId, trigger, previous };
}

function summary(subject: Entity | undefined, entityTrigger: EntityTrigger | undefined, instances: InstanceChange[]): ChangeTriggers {
  const created = new Set<Iri>();
  const updated = new Set<Iri>();
  const deleted = new Set<Iri>();
  const changed = new Set<Iri>();
  for (const c of instances) {
    (c.trigger === 'attributeCreated' ? created : c.trigger === 'attributeUpdated' ? updated : deleted).add(c.attr);
    changed.add(c.attr);
  }
  return { subject, entityTrigger, instances, created, updated, deleted, changed };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Structural equality of JSON values, member order ignored (merges may reorder members). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    count++;
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  for (const k in bo) if (bo[k] !== undefined) count--;
  return count === 0;
}
