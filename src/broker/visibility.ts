/**
 * Queries as the caller may see them (issue 4): the policy's narrowing ANDed into the
 * filter before the store runs it, so pages, counts and joins only ever contain permitted
 * entities, and each entity's hidden attributes removed before anything renders it.
 * Used by entity queries, joins, purge and discovery alike.
 */
import type { Entity } from '../ngsi/entity';
import type { EntityFilter } from '../ngsi/query/ast';
import type { EntityPredicate } from '../ngsi/query/matcher';
import { maskEntity, restrictQuery, type Action, type Narrowing } from '../security/policy';
import type { Page, QueryResult } from '../store/port';
import type { BrokerDeps } from './deps';
import type { RequestScope } from './scope';

export interface VisibleQuery {
  /** The filter for the store. */
  filter: EntityFilter;
  /** Set when the store's answer is a superset: keep the entities it accepts. */
  residual: EntityPredicate | undefined;
  /** Hidden attributes removed (the same object when nothing is hidden). */
  mask(e: Entity): Entity;
}

const asIs = (e: Entity): Entity => e;

/** Throws 403 when the caller may not `action` in the tenant at all. */
export function visibleQuery(deps: BrokerDeps, scope: RequestScope, action: Action, filter: EntityFilter): VisibleQuery {
  const narrowing = deps.access.narrow(scope, action);
  if (narrowing === undefined) return { filter, residual: undefined, mask: asIs };
  const restricted = restrictQuery(filter, narrowing)!; // narrow() threw on deny
  return { filter: restricted.filter, residual: restricted.residual, mask: maskerOf(narrowing) };
}

function maskerOf(narrowing: Exclude<Narrowing, { kind: 'deny' }>): (e: Entity) => Entity {
  const masks = narrowing.attributes;
  if (masks.unmasked) return asIs;
  return (e) => maskEntity(e, masks.maskFor(e.id, e.type));
}

/** Store pages read while a residual predicate filters in memory. */
const RESIDUAL_CHUNK = 1000;

/**
 * One page of the visible query. With a residual the store cannot page or count exactly,
 * so it is read in chunks and the residual decides, before the page is cut and counted:
 * a caller never sees a count or an offset that includes entities it may not see.
 */
export async function queryVisible(deps: BrokerDeps, scope: RequestScope, visible: VisibleQuery, page: Page): Promise<QueryResult> {
  if (visible.residual === undefined) {
    const r = await deps.store.queryEntities(scope.tenant, visible.filter, page);
    return visible.mask === asIs ? r : { ...r, entities: r.entities.map(visible.mask) };
  }
  const keep = visible.residual;
  const entities: Entity[] = [];
  let matched = 0;
  for (let offset = 0; ; offset += RESIDUAL_CHUNK) {
    const chunk = await deps.store.queryEntities(scope.tenant, visible.filter, { limit: RESIDUAL_CHUNK, offset, count: false });
    for (const e of chunk.entities) {
      if (!keep(e)) continue;
      if (matched >= page.offset && entities.length < page.limit) entities.push(visible.mask(e));
      matched++;
    }
    const enough = !page.count && entities.length >= page.limit;
    if (chunk.entities.length < RESIDUAL_CHUNK || enough) break;
  }
  return page.count ? { entities, count: matched } : { entities };
}
