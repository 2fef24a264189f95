/**
 * Discovery (clause 5.7.5 - 5.7.10): which entity types and attributes exist in a tenant.
 * Answers come from the store's index summary, never from scanning entities.
 */
import type { AttributeKind, Iri } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import type { TypeSummary } from '../store/port';
import { assertTenantExists, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

export interface AttributeSummary {
  name: Iri;
  kinds: AttributeKind[];
  entityCount: number;
  types: Iri[];
}

export class DiscoveryService {
  constructor(private readonly deps: BrokerDeps) {}

  async types(scope: RequestScope): Promise<TypeSummary[]> {
    await assertTenantExists(this.deps, scope);
    return this.deps.store.summarizeTypes(scope.tenant);
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
