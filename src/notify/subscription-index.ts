/**
 * The subscriptions of one tenant, indexed by what they are restricted to, so a change is
 * tested only against subscriptions that can match it: with 1,000 subscriptions on
 * distinct entities, a change tests one predicate, not 1,000. A subscription whose
 * entities all name ids is filed under those ids; else one whose types all name a
 * necessary type under those types (ngsi/subscription selectorKeys); anything else
 * (watchedAttributes without entities, say) is tested against every change.
 */
import type { Entity, Iri } from '../ngsi/entity';
import { selectorKeys } from '../ngsi/subscription';
import type { Subscription } from '../ngsi/subscription/model';

interface Keys {
  ids: string[];
  types: Iri[];
  any: boolean;
}

function keysOf(sub: Pick<Subscription, 'filter'>): Keys {
  const k = selectorKeys(sub);
  if (k.ids !== undefined) return { ids: k.ids, types: [], any: false };
  if (k.types !== undefined) return { ids: [], types: k.types, any: false };
  return { ids: [], types: [], any: true };
}

export class SubscriptionIndex<S extends { readonly id: string }> {
  private readonly byId = new Map<string, { item: S; keys: Keys }>();
  private readonly byEntity = new Map<string, Set<S>>();
  private readonly byType = new Map<Iri, Set<S>>();
  private readonly unrestricted = new Set<S>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): S | undefined {
    return this.byId.get(id)?.item;
  }

  values(): IterableIterator<S> {
    return [...this.byId.values()].map((v) => v.item)[Symbol.iterator]();
  }

  add(item: S, sub: Pick<Subscription, 'filter'>): void {
    this.remove(item.id);
    const keys = keysOf(sub);
    this.byId.set(item.id, { item, keys });
    for (const id of keys.ids) file(this.byEntity, id, item);
    for (const t of keys.types) file(this.byType, t, item);
    if (keys.any) this.unrestricted.add(item);
  }

  remove(id: string): S | undefined {
    const found = this.byId.get(id);
    if (found === undefined) return undefined;
    this.byId.delete(id);
    for (const eid of found.keys.ids) unfile(this.byEntity, eid, found.item);
    for (const t of found.keys.types) unfile(this.byType, t, found.item);
    this.unrestricted.delete(found.item);
    return found.item;
  }

  /**
   * Every subscription that may match a change of `entity`, each once. Runs for every
   * committed change: when a single bucket applies (the usual case) it is returned as is,
   * read-only, instead of being copied.
   */
  candidates(entity: Entity): ReadonlySet<S> {
    const buckets: Array<ReadonlySet<S>> = [];
    if (this.unrestricted.size > 0) buckets.push(this.unrestricted);
    const byEntity = this.byEntity.get(entity.id);
    if (byEntity !== undefined) buckets.push(byEntity);
    for (const t of entity.type) {
      const byType = this.byType.get(t);
      if (byType !== undefined) buckets.push(byType);
    }
    if (buckets.length === 0) return EMPTY;
    if (buckets.length === 1) return buckets[0];
    const out = new Set<S>();
    for (const b of buckets) for (const s of b) out.add(s);
    return out;
  }
}

const EMPTY: ReadonlySet<never> = new Set();

function file<K, S>(map: Map<K, Set<S>>, key: K, item: S): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(item);
}

function unfile<K, S>(map: Map<K, Set<S>>, key: K, item: S): void {
  const set = map.get(key);
  if (set === undefined) return;
  set.delete(item);
  if (set.size === 0) map.delete(key);
}
