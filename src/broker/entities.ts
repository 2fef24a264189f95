/**
 * Single-entity use cases (clause 5.6 / 6.4-6.5): create, retrieve, replace, merge, delete.
 * Each parses the user document with the request's @context (ngsi/parse), applies the pure
 * rule (ngsi/merge) inside one store transaction, and publishes the change.
 */
import type { Entity } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import { mergeEntity as mergeRule, replaceEntity as replaceRule } from '../ngsi/merge';
import { parseEntity, parseEntityFragment } from '../ngsi/parse';
import { assertEntityId, assertTenantExists, commit, entityNotFound, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';

/** A body's `id` must agree with the id in the path (clause 6.5.3.2 / 6.5.3.3). */
export function withPathId(doc: unknown, id: string): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new NgsiError('BadRequestData', 'The payload must be a JSON object');
  }
  const body = doc as Record<string, unknown>;
  if (body.id !== undefined && body.id !== id) {
    throw new NgsiError('BadRequestData', `The id in the payload (${String(body.id)}) differs from the id in the URL (${id})`);
  }
  return { ...body, id };
}

export class EntityService {
  constructor(private readonly deps: BrokerDeps) {}

  /** Clause 5.6.1: AlreadyExists if the id is taken. Returns the new entity's id. */
  async create(scope: RequestScope, doc: unknown): Promise<string> {
    this.deps.access.reach(scope);
    const entity = parseEntity(doc, scope.context, this.deps.now());
    return commit(this.deps, scope, [entity.id], (current) => {
      if (current.has(entity.id)) throw new NgsiError('AlreadyExists', `Entity ${entity.id} already exists`);
      return { writes: [{ op: 'put', entity }], result: entity.id };
    });
  }

  /** Clause 5.7.1. Projection (attrs, pick, omit) is the renderer's business. */
  async retrieve(scope: RequestScope, id: string): Promise<Entity> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    const entity = await this.deps.store.getEntity(scope.tenant, id);
    if (!entity) throw await entityNotFound(this.deps, scope, id);
    return this.deps.access.readable(scope, entity);
  }

  /** Clause 5.6.18: the whole entity is replaced; only id and createdAt survive. */
  async replace(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    const replacement = parseEntity(withPathId(doc, id), scope.context, this.deps.now());
    await this.modifyExisting(scope, id, (current) => replaceRule(current, replacement, this.deps.now()));
  }

  /** Clause 5.6.17: merge patch; "urn:ngsi-ld:null" deletes. */
  async merge(scope: RequestScope, id: string, doc: unknown): Promise<void> {
    assertEntityId(id);
    const fragment = parseEntityFragment(withPathId(doc, id), scope.context, this.deps.now(), { allowNull: true });
    await this.modifyExisting(scope, id, (current) => mergeRule(current, fragment, this.deps.now()));
  }

  /** Clause 5.6.6. */
  async delete(scope: RequestScope, id: string): Promise<void> {
    assertEntityId(id);
    this.deps.access.reach(scope);
    await assertTenantExists(this.deps, scope);
    await commit(this.deps, scope, [id], (current) => {
      const previous = current.get(id);
      if (!previous) throw new NgsiError('ResourceNotFound', `Entity ${id} not found`);
      return { writes: [{ op: 'delete', id, previous }], result: undefined };
    });
  }

  /**
   * Read-modify-write of one existing entity: 404 when absent, NonexistentTenant for an
   * unknown tenant (checked first so a failed update never creates a tenant).
   */
  async modifyExisting<T = undefined>(
    scope: RequestScope,
    id: string,
    change: (current: Entity) => Entity | { entity: Entity; result: T },
  ): Promise<T> {
    this.deps.access.reach(scope);
    await assertTenantExists(this.deps, scope);
    return commit(this.deps, scope, [id], (current) => {
      const previous = current.get(id);
      if (!previous) throw new NgsiError('ResourceNotFound', `Entity ${id} not found`);
      const out = change(previous);
      const next = 'attrs' in out ? { entity: out, result: undefined as T } : out;
      return { writes: [{ op: 'put', entity: next.entity, previous }], result: next.result };
    });
  }
}
