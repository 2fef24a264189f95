/**
 * Helpers for the discovery endpoints (/types, /types/{type}, /attributes, tenant lists) so
 * they list only what the caller may see (issue 4).
 *
 * Exactness: the exact answer to "which types / attributes can the caller see" is an
 * aggregate over the entities the narrowed query returns (an entity typed [A, B] readable as
 * an A shows B too), with each entity's attributes masked by maskFor(). These helpers are the
 * policy-side answers: use them to drop what the policy can never show (and to short-cut
 * when narrowing is 'all' and unmasked); aggregate over the narrowed query to be exact.
 */
import type { Iri } from '../../ngsi/entity';
import type { TypeExpr } from '../../ngsi/query/ast';
import type { Narrowing } from './evaluate';
import { grantsFor } from './grants';
import { ACTIONS, type Action, type Policy, type PolicyPrincipal } from './model';

/**
 * Types whose entities the narrowing may let through: '*' when some permission is not
 * restricted by type, otherwise the granted types. An empty set after a deny.
 */
export function visibleTypes(narrowing: Narrowing): '*' | ReadonlySet<Iri> {
  if (narrowing.kind === 'deny') return new Set();
  if (narrowing.kind === 'all') return '*';
  const types = new Set<Iri>();
  for (const s of narrowing.selectors) {
    if (s.type === undefined) return '*';
    collectTypes(s.type, types);
  }
  return types;
}

function collectTypes(expr: TypeExpr, into: Set<Iri>): void {
  if (expr.kind === 'type') into.add(expr.iri);
  else for (const item of expr.items) collectTypes(item, into);
}

/** Whether an entity of one of `types` may be visible at all (types expanded). */
export function canSeeType(narrowing: Narrowing, type: Iri): boolean {
  const types = visibleTypes(narrowing);
  return types === '*' || types.has(type);
}

/**
 * Whether the attribute may be visible on some permitted entity, optionally only among
 * entities of one of `types` (for /types/{type} attributeNames). Ids are not considered, so
 * this is an upper bound when a permission is restricted by id.
 */
export function canSeeAttribute(narrowing: Narrowing, attr: Iri, types?: readonly Iri[]): boolean {
  if (narrowing.kind === 'deny') return false;
  const mask = types === undefined ? narrowing.attributes.anywhere : narrowing.attributes.forTypes(types);
  return mask.visible(attr);
}

/**
 * Whether any action (or `action`) is granted to the principal in `tenant`, e.g. to list
 * tenants or to answer NonexistentTenant vs Forbidden without revealing other tenants.
 */
export function canReachTenant(policy: Policy, principal: PolicyPrincipal, tenant: string, action?: Action): boolean {
  const actions = action === undefined ? ACTIONS : [action];
  return actions.some((a) => Array.isArray(grantsFor(policy, principal, a, tenant)));
}

/** The tenants of `tenants` the principal can reach (for any action, or `action`). */
export function reachableTenants(policy: Policy, principal: PolicyPrincipal, tenants: Iterable<string>, action?: Action): string[] {
  const out: string[] = [];
  for (const t of tenants) if (canReachTenant(policy, principal, t, action)) out.push(t);
  return out;
}
