/**
 * Query use cases (clause 5.7.2 query entities, 5.6.21 purge, 4.5.23 linked entities).
 * Filters arrive as the one query AST, already expanded with the request's @context.
 */
import type { Entity } from '../ngsi/entity';
import { NgsiError } from '../ngsi/errors';
import { collectLinked } from '../ngsi/join';
import type { EntityFilter } from '../ngsi/query/ast';
import type { Page, QueryResult } from '../store/port';
import { assertTenantExists, commit, type BrokerDeps } from './deps';
import type { RequestScope } from './scope';
import { queryVisible, visibleQuery } from './visibility';

/** Clause 6.4.3.2: a query must select something (Orion-LD: "too broad query"). */
export function assertSelective(filter: EntityFilter): void {
  if (!filter.selectors && !filter.ids && !filter.idPattern && !filter.type && !filter.attrs && !filter.q && !filter.geoQ && !filter.scopeQ) {
    throw new NgsiError(
      'BadRequestData',
      'Too broad query: give at least one of id, idPattern, type, attrs, q, geoQ or scopeQ',
    );
  }
}

const PURGE_CHUNK = 1000;

export class QueryService {
  constructor(private readonly deps: BrokerDeps) {}

  /** With `page.local` (local=true) a query may select everything: all of Weft's data is local. */
  async query(scope: RequestScope, filter: EntityFilter, page: Page & { local?: boolean }): Promise<QueryResult> {
    if (!page.local) assertSelective(filter);
    if (page.limit > this.deps.limits.maxLimit) {
      throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${this.deps.limits.maxLimit}`);
    }
    const visible = visibleQuery(this.deps, scope, 'read', filter);
    await assertTenantExists(this.deps, scope);
    return queryVisible(this.deps, scope, visible, { limit: page.limit, offset: page.offset, count: page.count });
  }

  /**
   * Entities reachable from `roots` through Relationship / ListRelationship objects, up to
   * `joinLevel` hops (join=flat|inline). Each hop is one store query for all new ids.
   */
  async linked(scope: RequestScope, roots: Entity[], joinLevel: number): Promise<Map<string, Entity>> {
    return collectLinked(roots, joinLevel, async (ids) => {
      // Linked entities the caller may not read are left out as if the link dangled.
      const visible = visibleQuery(this.deps, scope, 'read', { ids });
      return (await queryVisible(this.deps, scope, visible, { limit: ids.length, offset: 0, count: false })).entities;
    });
  }

  /** DELETE /entities?type=...: deletes every match, in chunks, and publishes each deletion. */
  async purge(scope: RequestScope, filter: EntityFilter): Promise<number> {
    assertSelective(filter);
    // Only what the caller may delete is selected (the commit checks each deletion again).
    const visible = visibleQuery(this.deps, scope, 'delete', filter);
    await assertTenantExists(this.deps, scope);
    let deleted = 0;
    for (;;) {
      const { entities } = await queryVisible(this.deps, scope, visible, { limit: PURGE_CHUNK, offset: 0, count: false });
      if (entities.length === 0) return deleted;
      const ids = entities.map((e) => e.id);
      deleted += await commit(this.deps, scope, ids, (current) => {
        const writes = ids.flatMap((id) => {
          const previous = current.get(id);
          return previous ? [{ op: 'delete' as const, id, previous }] : [];
        });
        return { writes, result: writes.length };
      });
      if (entities.length < PURGE_CHUNK) return deleted;
    }
  }
}
