/**
 * Does a change concern a subscription (clause 5.2.12, 5.8.6 / 7.x notification behaviour)?
 * Compiled once per subscription (STYLE.md 12): the filter becomes a predicate via the one
 * in-memory matcher (../query/matcher), the triggers become flags, expiresAt a number.
 * Per change the cheap tests run first: state, then triggers (shared per change, ./triggers),
 * then the filter (q, geoQ may be costly).
 *
 * watchedAttributes (clause 5.2.12: "if not present, any attribute"):
 *  - attribute-level triggers count only for watched attributes;
 *  - entityUpdated needs a watched attribute among the changed ones: otherwise a subscription
 *    watching temperature with entityUpdated would fire on every humidity update;
 *  - entityCreated / entityDeleted need the entity (its last state for a deletion) to have
 *    at least one watched attribute.
 * entityUpdated covers attributeCreated, attributeUpdated and attributeDeleted of an
 * existing entity (it fires whenever one of those would).
 */
import type { Entity, Iri } from '../entity';
import type { TypeExpr } from '../query/ast';
import { compileFilter, type EntityPredicate } from '../query/matcher';
import type { NotificationTrigger, Subscription } from './model';
import { changeTriggers, type ChangeTriggers, type SubscriptionChange } from './triggers';

export interface CompiledSubscription {
  readonly id: string;
  /** True when `change` must be notified to the subscription at time `nowMs`. */
  matches(change: SubscriptionChange, nowMs: number): boolean;
}

export function compileSubscription(sub: Subscription): CompiledSubscription {
  return new Compiled(sub);
}

class Compiled implements CompiledSubscription {
  readonly id: string;
  /** Inactive or periodic: never matches a change (periodic ones notify on their timer). */
  private readonly dormant: boolean;
  private readonly expiresMs: number;
  private readonly filter: EntityPredicate;
  private readonly watched: readonly Iri[] | undefined;
  private readonly onEntityCreated: boolean;
  private readonly onEntityUpdated: boolean;
  private readonly onEntityDeleted: boolean;
  private readonly onAttributeCreated: boolean;
  private readonly onAttributeUpdated: boolean;
  private readonly onAttributeDeleted: boolean;

  constructor(sub: Subscription) {
    this.id = sub.id;
    this.dormant = !sub.isActive || sub.timeInterval !== undefined;
    this.expiresMs = sub.expiresAt === undefined ? Number.POSITIVE_INFINITY : Date.parse(sub.expiresAt);
    this.filter = compileFilter(sub.filter);
    this.watched = sub.watchedAttributes !== undefined && sub.watchedAttributes.length > 0 ? sub.watchedAttributes : undefined;
    const on = (t: NotificationTrigger): boolean => sub.notificationTrigger.includes(t);
    this.onEntityCreated = on('entityCreated');
    this.onEntityUpdated = on('entityUpdated');
    this.onEntityDeleted = on('entityDeleted');
    this.onAttributeCreated = on('attributeCreated');
    this.onAttributeUpdated = on('attributeUpdated');
    this.onAttributeDeleted = on('attributeDeleted');
  }

  matches(change: SubscriptionChange, nowMs: number): boolean {
    // clause 5.2.12 status: a paused or expired subscription sends nothing.
    if (this.dormant || nowMs >= this.expiresMs) return false;
    const t = changeTriggers(change);
    const subject = t.subject;
    if (subject === undefined || !this.fires(t, subject)) return false;
    return this.filter(subject);
  }

  private fires(t: ChangeTriggers, subject: Entity): boolean {
    switch (t.entityTrigger) {
      case 'entityCreated':
        if (this.onEntityCreated && this.hasWatched(subject)) return true;
        break;
      case 'entityDeleted':
        return this.onEntityDeleted && this.hasWatched(subject);
      case 'entityUpdated':
        if (this.onEntityUpdated && (this.watched === undefined || this.anyWatched(t.changed))) return true;
        break;
      case undefined:
        return false;
    }
    return (this.onAttributeCreated && this.anyWatched(t.created))
      || (this.onAttributeUpdated && this.anyWatched(t.updated))
      || (this.onAttributeDeleted && this.anyWatched(t.deleted));
  }

  /** Some attribute in `attrs` is watched (any, when nothing is). */
  private anyWatched(attrs: ReadonlySet<Iri>): boolean {
    if (attrs.size === 0) return false;
    const w = this.watched;
    if (w === undefined) return true;
    for (let i = 0; i < w.length; i++) if (attrs.has(w[i]!)) return true;
    return false;
  }

  private hasWatched(e: Entity): boolean {
    const w = this.watched;
    if (w === undefined) return true;
    for (let i = 0; i < w.length; i++) {
      const instances = e.attrs[w[i]!];
      if (instances !== undefined && instances.length > 0) return true;
    }
    return false;
  }
}

/**
 * What a subscription is restricted to, for indexing (a dispatcher files it under these keys
 * and tests it only against changes of such entities). A necessary condition, never a
 * sufficient one: `matches` still decides. undefined = not restricted by that key.
 */
export interface SelectorKeys {
  /** Every entity the subscription can match has one of these ids. */
  ids: string[] | undefined;
  /** Every entity the subscription can match has one of these type IRIs. */
  types: Iri[] | undefined;
}

export function selectorKeys(sub: Pick<Subscription, 'filter'>): SelectorKeys {
  const selectors = sub.filter.selectors;
  if (selectors === undefined || selectors.length === 0) return { ids: undefined, types: undefined };
  let ids: Set<string> | undefined = new Set();
  let types: Set<Iri> | undefined = new Set();
  for (const s of selectors) {
    if (ids !== undefined) {
      if (s.ids !== undefined && s.ids.length > 0) for (const id of s.ids) ids.add(id);
      else ids = undefined;
    }
    if (types !== undefined) {
      const necessary = s.type === undefined ? undefined : necessaryTypes(s.type);
      if (necessary !== undefined) for (const t of necessary) types.add(t);
      else types = undefined;
    }
  }
  return { ids: ids === undefined ? undefined : [...ids], types: types === undefined ? undefined : [...types] };
}

/**
 * Types of which a matching entity has at least one: a plain type gives itself, an OR the
 * union of its items' (if each item has such a set), an AND the set of any one item (all
 * of them must hold, so any one is necessary; the first such item is taken).
 */
function necessaryTypes(expr: TypeExpr): Iri[] | undefined {
  switch (expr.kind) {
    case 'type': return [expr.iri];
    case 'or': {
      const out: Iri[] = [];
      for (const item of expr.items) {
        const t = necessaryTypes(item);
        if (t === undefined) return undefined;
        out.push(...t);
      }
      return out;
    }
    case 'and':
      for (const item of expr.items) {
        const t = necessaryTypes(item);
        if (t !== undefined) return t;
      }
      return undefined;
  }
}
