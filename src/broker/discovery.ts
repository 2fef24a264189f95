/**
 * Discovery (clause 5.7.5 - 5.7.10): which entity types and attributes exist in a tenant.
 *
 * Issue 4: only what the caller may read is listed, with counts of what it may read. The
 * exact answer is the summary of the entities the caller's read query returns, each with
 * its hidden attributes removed (security/policy/discovery.ts). Three ways to it, cheapest
 * first:
 *  - nothing restricted (auth off, or every entity with every attribute): the store's
 *    index summary, as without a policy;
 *  - restricted by type only, masks by type only: the store's summary, filtered. Exact
 *    because every entity of a granted type is readable and shows at least what the
 *    grants of that type show; what could make it inexact (an entity typed [granted,
 *    hidden] shows the hidden type too, and one typed [A, B] may show an attribute A's
 *    grants hide) is looked for with one existence query each, and when found:
 *  - otherwise (ids in the policy, e.g. a device's `ids: ['${sub}']`, or the cases above):
 *    aggregated over the visible entities themselves, read in chunks. Its cost grows with
 *    the number of entities the caller may see, not with the tenant.
 * A hidden type or attribute is answered like an absent one (404, same words).
 */
import type { AttributeKind, Entity, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import type { EntityFilter, TypeExpr } from '../ngsi/query/ast';
import { visibleTypes, type Narrowing } from '../security/policy';
import type { TypeSummary } from '../store/port';
import { assertTenantExists, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';
import { queryVisible, visibleQuery } from './visibility';

/** Entities read per store page when a summary is aggregated over the visible entities. */
const SUMMARY_CHUNK = 1000;

export interface AttributeSummary {
  name: Iri;
  kinds: AttributeKind[];
  entityCount: number;
  types: Iri[];
}

export class DiscoveryService {
  constructor(private readonly deps: BrokerDeps) {}

  async types(scope: RequestScope): Promise<TypeSummary[]> {
    this.deps.access.reach(scope);
    const narrowing = this.deps.access.narrow(scope, 'read');
    await assertTenantExists(this.deps, scope);
    if (narrowing === undefined || (narrowing.kind === 'all' && narrowing.attributes.unmasked)) {
      return this.deps.store.summarizeTypes(scope.tenant);
    }
    return (await this.filteredSummary(scope, narrowing)) ?? (await this.aggregatedSummary(scope));
  }

  /** The store's summary without what the caller may not see; undefined when that would not be exact. */
  private async filteredSummary(scope: RequestScope, narrowing: Exclude<Narrowing, { kind: 'deny' }>): Promise<TypeSummary[] | undefined> {
    const masks = narrowing.attributes;
    if (masks.toJSON().some((rule) => rule.ids !== '*')) return undefined; // who sees what depends on ids
    const granted = visibleTypes(narrowing);
    const summary = await this.deps.store.summarizeTypes(scope.tenant);
    const shown: TypeSummary[] = [];
    const hiddenTypes: Iri[] = [];
    // Per shown type: the granted types whose grants show one of its attributes that its
    // own grants hide (an entity with both types shows it).
    const lenders = new Map<Iri, Set<Iri>>();
    for (const t of summary) {
      if (granted !== '*' && !granted.has(t.type)) {
        hiddenTypes.push(t.type);
        continue;
      }
      const own = masks.forTypes([t.type]);
      const attributes: TypeSummary['attributes'] = {};
      for (const [name, a] of Object.entries(t.attributes)) {
        if (own.visible(name)) {
          attributes[name] = a;
          continue;
        }
        if (!masks.anywhere.visible(name)) continue;
        for (const other of summary) {
          if (other.type === t.type || (granted !== '*' && !granted.has(other.type))) continue;
          if (masks.forTypes([other.type]).visible(name)) {
            let set = lenders.get(t.type);
            if (set === undefined) lenders.set(t.type, (set = new Set()));
            set.add(other.type);
          }
        }
      }
      shown.push({ type: t.type, entityCount: t.entityCount, attributes });
    }
    // An entity typed [granted, hidden] is readable and shows the hidden type too.
    if (hiddenTypes.length > 0 && narrowing.kind === 'filter') {
      if (await this.exists(scope, { type: anyOf(hiddenTypes), selectors: narrowing.selectors })) return undefined;
    }
    for (const [type, others] of lenders) {
      if (await this.exists(scope, { type: { kind: 'and', items: [{ kind: 'type', iri: type }, anyOf([...others])] } })) return undefined;
    }
    return shown;
  }

  private async exists(scope: RequestScope, filter: EntityFilter): Promise<boolean> {
    return (await this.deps.store.queryEntities(scope.tenant, filter, { limit: 1, offset: 0, count: false })).entities.length > 0;
  }

  /** The summary of every entity the caller may read, as it may read it (hidden attributes removed). */
  private async aggregatedSummary(scope: RequestScope): Promise<TypeSummary[]> {
    const visible = visibleQuery(this.deps, scope, 'read', {});
    const byType = new Map<Iri, TypeSummary>();
    for (let offset = 0; ; offset += SUMMARY_CHUNK) {
      const { entities } = await queryVisible(this.deps, scope, visible, { limit: SUMMARY_CHUNK, offset, count: false });
      for (const e of entities) summarize(byType, e);
      if (entities.length < SUMMARY_CHUNK) break;
    }
    // The store's shape: types in IRI (binary) order, kinds sorted.
    const out = [...byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
    for (const t of out) for (const a of Object.values(t.attributes)) a.kinds.sort();
    return out;
  }

  async type(scope: RequestScope, typeTerm: string): Promise<TypeSummary> {
    const iri = scope.context.expandTerm(typeTerm);
    const found = (await this.types(scope)).find((t) => t.type === iri);
    if (!found) throw new NgsiError('ResourceNotFound', `No entity of type ${typeTerm} exists`);
    return found;
  }

  async attributes(scope: RequestScope): Promise<AttributeSummary[]> {
    const byName = new Map<Iri, AttributeSummary>();
    for (const t of await this.types(scope)) {
      for (const [name, a] of Object.entries(t.attributes)) {
        let s = byName.get(name);
        if (!s) byName.set(name, (s = { name, kinds: [], entityCount: 0, types: [] }));
        s.entityCount += a.entityCount;
        s.types.push(t.type);
        for (const k of a.kinds) if (!s.kinds.includes(k)) s.kinds.push(k);
      }
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async attribute(scope: RequestScope, attrTerm: string): Promise<AttributeSummary> {
    const iri = scope.context.expandTerm(attrTerm);
    const found = (await this.attributes(scope)).find((a) => a.name === iri);
    if (!found) throw new NgsiError('ResourceNotFound', `No attribute ${attrTerm} exists`);
    return found;
  }
}

/** One entity counted into per-type summaries, as the store's index summary counts it. */
function summarize(byType: Map<Iri, TypeSummary>, e: Entity): void {
  for (const type of new Set(e.type)) {
    let t = byType.get(type);
    if (t === undefined) byType.set(type, (t = { type, entityCount: 0, attributes: {} }));
    t.entityCount++;
    for (const [name, instances] of Object.entries(e.attrs)) {
      let a = t.attributes[name];
      if (a === undefined) t.attributes[name] = a = { kinds: [], entityCount: 0 };
      a.entityCount++;
      for (const i of instances) if (!a.kinds.includes(i.type)) a.kinds.push(i.type);
    }
  }
}

function anyOf(types: Iri[]): TypeExpr {
  return types.length === 1 ? { kind: 'type', iri: types[0] } : { kind: 'or', items: types.map((iri) => ({ kind: 'type', iri })) };
}
