/**
 * The policy evaluator (issue 4; STYLE.md 7). Pure functions of (policy, principal, request):
 *
 *  decide()  single-entity and resource operations: allowed with the attribute mask that
 *            applies, or denied with a reason for the audit log.
 *  narrow()  queries (and notifications, counts, discovery): deny, all, or a condition as
 *            EntitySelectors the broker ANDs into the query's EntityFilter, so pages, counts
 *            and notifications only ever see permitted entities (restrict.ts does the AND).
 *
 * An entity is permitted when some permission that grants the action in the tenant matches
 * one of its types (any type) and its id. decide() and narrow() agree on this for every
 * action; decide() adds one rule for `create`: EVERY type of the new entity must be granted,
 * so a principal allowed to create Buildings cannot slip an entity typed [Building, Alarm]
 * into the view of Alarm readers. (A write that adds types to an existing entity should be
 * checked as `create` of the added types.)
 */
import type { Iri } from '../../ngsi/entity';
import type { EntitySelector, TypeExpr } from '../../ngsi/query/ast';
import { AttributeMasks, grantMatches, grantMatchesType, grantsFor, isDenial, type DenyCode, type Grant } from './grants';
import { unionMasks, type AttributeMask } from './mask';
import type { Action, Policy, PolicyPrincipal, PolicyRequest } from './model';

export type Decision =
  | {
      allowed: true;
      /**
       * With an entity: what of it the principal may see (read) or write. Without one: the
       * union over every granting permission (what some entity may show).
       */
      attributes: AttributeMask;
      /** The permissions that granted, e.g. ['roles.operator[0]'], for the audit log. */
      by: string[];
    }
  | { allowed: false; code: DenyCode; reason: string };

export function decide(policy: Policy, principal: PolicyPrincipal, request: PolicyRequest): Decision {
  const grants = grantsFor(policy, principal, request.action, request.tenant, request.resource);
  if (isDenial(grants)) return { allowed: false, code: grants.code, reason: grants.reason };

  let applicable: readonly Grant[] = grants;
  const entity = request.entity;
  if (entity !== undefined && request.resource === undefined) {
    applicable = grants.filter((g) => grantMatches(g, entity.id, entity.types));
    if (applicable.length === 0) {
      return { allowed: false, code: 'entity', reason: `no permission grants '${request.action}' on ${describeEntity(entity.id, entity.types)}` };
    }
    if (request.action === 'create') {
      const missing = entity.types.find((t) => !grants.some((g) => grantMatchesType(g, entity.id, t)));
      if (missing !== undefined) {
        return { allowed: false, code: 'entity', reason: `no permission grants 'create' of type ${missing} for ${entity.id}` };
      }
    }
  }
  return {
    allowed: true,
    attributes: unionMasks(applicable.map((g) => g.permission.attributes)),
    by: [...new Set(applicable.map((g) => g.permission.at))],
  };
}

function describeEntity(id: string, types: readonly Iri[]): string {
  return `entity ${id} of types [${types.join(', ')}]`;
}

export type Narrowing =
  | { kind: 'deny'; code: DenyCode; reason: string }
  /** Every entity of the tenant; attributes may still be masked per entity. */
  | { kind: 'all'; attributes: AttributeMasks }
  /** The entities matching at least one selector (OR-ed), to be ANDed into the query. */
  | { kind: 'filter'; selectors: EntitySelector[]; attributes: AttributeMasks };

/**
 * What a query for `action` in `tenant` may see. The selectors hold only `type`, `ids` and
 * `idPattern` (an anchored regex built from the id globs), one family per permission.
 */
export function narrow(policy: Policy, principal: PolicyPrincipal, action: Action, tenant: string): Narrowing {
  const grants = grantsFor(policy, principal, action, tenant);
  if (isDenial(grants)) return { kind: 'deny', code: grants.code, reason: grants.reason };
  const attributes = new AttributeMasks(grants);
  if (grants.some((g) => g.permission.types === undefined && g.ids === undefined)) return { kind: 'all', attributes };
  return { kind: 'filter', selectors: selectorsOf(grants), attributes };
}

function typeExpr(types: ReadonlySet<Iri>): TypeExpr {
  const sorted = [...types].sort();
  return sorted.length === 1 ? { kind: 'type', iri: sorted[0] } : { kind: 'or', items: sorted.map((iri) => ({ kind: 'type', iri })) };
}

/**
 * One selector family per grant. Grants restricted by type only share one selector (the union
 * of their types), as do grants restricted by literal ids only; the rest keep their own.
 */
function selectorsOf(grants: readonly Grant[]): EntitySelector[] {
  const typeOnly = new Set<Iri>();
  const idsOnly = new Set<string>();
  const out: EntitySelector[] = [];
  const seen = new Set<string>();
  const add = (s: EntitySelector) => {
    const key = JSON.stringify(s);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(s);
    }
  };
  for (const g of grants) {
    const types = g.permission.types;
    const ids = g.ids;
    if (ids === undefined) {
      for (const t of types!) typeOnly.add(t);
      continue;
    }
    if (types === undefined && ids.pattern === undefined) {
      for (const id of ids.literals) idsOnly.add(id);
      continue;
    }
    const base: EntitySelector = types === undefined ? {} : { type: typeExpr(types) };
    if (ids.literals.length > 0) add({ ...base, ids: [...ids.literals].sort() });
    if (ids.pattern !== undefined) add({ ...base, idPattern: ids.pattern });
  }
  const merged: EntitySelector[] = [];
  if (typeOnly.size > 0) merged.push({ type: typeExpr(typeOnly) });
  if (idsOnly.size > 0) merged.push({ ids: [...idsOnly].sort() });
  return [...merged, ...out];
}
