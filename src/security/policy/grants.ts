/**
 * From a principal and a request to the permissions that apply: token roles -> policy roles
 * (bindings), the tenant claim, the action and tenant of each permission, and `${sub}` bound
 * to the subject. Shared by decide() and narrow() so both read the policy the same way (the
 * property test in test/security/policy checks they agree).
 */
import type { Iri } from '../../ngsi/entity';
import { bindIds, type BoundIds } from './glob';
import { NO_ATTRIBUTES, unionMasks, type AttributeMask, type MaskForm } from './mask';
import type { Action, Permission, Policy, PolicyPrincipal } from './model';

/** A permission that grants the action in the tenant, with its id globs bound to the subject. */
export interface Grant {
  readonly permission: Permission;
  /** undefined: every id. */
  readonly ids: BoundIds | undefined;
}

export type DenyCode = 'no-role' | 'tenant' | 'action' | 'entity' | 'resource';

export interface Denial {
  code: DenyCode;
  /** For the audit log and operators, never for the client (it may name hidden entities). */
  reason: string;
}

/** The policy roles a principal's token roles map to (model.ts, "Roles from tokens"). */
export function rolesOf(policy: Policy, tokenRoles: readonly string[]): string[] {
  const out = new Set<string>();
  for (const r of tokenRoles) {
    const bound = policy.bindings.get(r);
    if (bound !== undefined) for (const b of bound) out.add(b);
    else if (policy.roles.has(r)) out.add(r);
  }
  return [...out];
}

/** Whether the token's tenant claim lets the principal into `tenant` at all. */
export function tenantClaimAllows(principal: PolicyPrincipal, tenant: string): boolean {
  return principal.tenants === undefined || principal.tenants.includes(tenant);
}

/**
 * The grants for (action, tenant), or why there are none: the permissions that apply to
 * entities, or with `resource`, those that apply to that resource.
 */
/**
 * Memo of grantsFor per policy and principal: a token's principal is one frozen object shared
 * by all its requests (security/jwt/authenticator.ts), and the answer depends only on the
 * arguments, so each (action, tenant, resource) is worked out once per token, not per
 * request. Weak keys: an entry goes with its principal.
 */
const memo = new WeakMap<Policy, WeakMap<PolicyPrincipal, Map<string, readonly Grant[] | Denial>>>();
/** Distinct (action, tenant, resource) remembered per principal; past it the memo restarts. */
const MEMO_PER_PRINCIPAL = 256;

export function grantsFor(policy: Policy, principal: PolicyPrincipal, action: Action, tenant: string, resource?: string): readonly Grant[] | Denial {
  let byPrincipal = memo.get(policy);
  if (byPrincipal === undefined) memo.set(policy, (byPrincipal = new WeakMap()));
  let answers = byPrincipal.get(principal);
  if (answers === undefined) byPrincipal.set(principal, (answers = new Map()));
  const key = resource === undefined ? `${action}\u0000${tenant}` : `${action}\u0000${tenant}\u0000${resource}`;
  let answer = answers.get(key);
  if (answer === undefined) {
    if (answers.size >= MEMO_PER_PRINCIPAL) answers.clear();
    answer = computeGrants(policy, principal, action, tenant, resource);
    answers.set(key, answer);
  }
  return answer;
}

function computeGrants(policy: Policy, principal: PolicyPrincipal, action: Action, tenant: string, resource: string | undefined): readonly Grant[] | Denial {
  const roles = rolesOf(policy, principal.roles);
  if (roles.length === 0) {
    return { code: 'no-role', reason: `token roles [${principal.roles.join(', ')}] map to no policy role` };
  }
  if (!tenantClaimAllows(principal, tenant)) {
    return { code: 'tenant', reason: `tenant '${tenant}' is outside the token's tenants [${(principal.tenants ?? []).join(', ')}]` };
  }
  const grants: Grant[] = [];
  for (const role of roles) {
    for (const permission of policy.roles.get(role) ?? []) {
      if (!permission.actions.has(action)) continue;
      if (permission.tenants !== undefined && !permission.tenants.test(tenant)) continue;
      if (resource === undefined ? !permission.entities : permission.resources !== '*' && !permission.resources.has(resource)) continue;
      const ids = permission.ids === undefined ? undefined : bindIds(permission.ids, principal.subject);
      // A permission whose ids can match nothing for this subject (`${sub}` with an empty
      // subject) grants nothing: dropping it keeps decide() and narrow() in agreement.
      if (ids !== undefined && ids.literals.length === 0 && ids.pattern === undefined) continue;
      grants.push({ permission, ids });
    }
  }
  if (grants.length === 0 && resource !== undefined) {
    return { code: 'resource', reason: `no permission of roles [${roles.join(', ')}] grants '${action}' on resource '${resource}' in tenant '${tenant}'` };
  }
  if (grants.length === 0) {
    return { code: 'action', reason: `no permission of roles [${roles.join(', ')}] grants '${action}' in tenant '${tenant}'` };
  }
  // Shared by every later request of the principal: nobody may change it.
  return Object.freeze(grants);
}

/** Narrows grantsFor's answer (Array.isArray does not narrow a readonly array). */
export function isDenial(answer: readonly Grant[] | Denial): answer is Denial {
  return !Array.isArray(answer);
}

/** The grant applies to an entity with this id and any of these types. */
export function grantMatches(grant: Grant, id: string, types: readonly Iri[]): boolean {
  const allowed = grant.permission.types;
  if (allowed !== undefined) {
    let ok = false;
    for (let i = 0; i < types.length && !ok; i++) ok = allowed.has(types[i]);
    if (!ok) return false;
  }
  return grant.ids === undefined || grant.ids.test(id);
}

/** The grant applies to an entity with this id and this one type. */
export function grantMatchesType(grant: Grant, id: string, type: Iri): boolean {
  const allowed = grant.permission.types;
  if (allowed !== undefined && !allowed.has(type)) return false;
  return grant.ids === undefined || grant.ids.test(id);
}

/** Whether some permitted entity may show the attribute, on every one, or none. */
export type AttributeReach = 'everywhere' | 'somewhere' | 'nowhere';

/** A serialisable description of the masks: which mask applies to which entities. */
export interface MaskRule {
  /** The permission it comes from, e.g. `roles.viewer[0]`. */
  from: string;
  types: '*' | Iri[];
  ids: '*' | { ids: string[]; idPattern?: string };
  attributes: MaskForm;
}

/**
 * The attribute masks of a query's permitted entities. An entity's mask is the union of the
 * masks of every grant that matches it, so it depends on the entity's types and id: one role
 * may show all attributes of type A but only `temperature` of type B.
 */
export class AttributeMasks {
  /** What some permitted entity may show: the union of every grant's mask. */
  readonly anywhere: AttributeMask;
  /** True when every grant has the same mask: maskFor() then answers `anywhere` without looking. */
  readonly uniform: boolean;
  private readonly grants: readonly Grant[];
  private readonly byKey = new Map<string, AttributeMask>();

  constructor(grants: readonly Grant[]) {
    this.grants = grants;
    this.anywhere = unionMasks(grants.map((g) => g.permission.attributes));
    const first = JSON.stringify(grants[0]?.permission.attributes.form);
    this.uniform = grants.every((g) => JSON.stringify(g.permission.attributes.form) === first);
  }

  /**
   * The mask of one PERMITTED entity (its id and expanded types: pass `e.id, e.type`). Cached
   * by the set of grants that match, so rendering a page costs one look-up per entity. Ask
   * only about entities the narrowing lets through: when all grants share one mask it is
   * returned without looking at the entity.
   */
  maskFor(id: string, types: readonly Iri[]): AttributeMask {
    if (this.uniform) return this.grants.length === 0 ? NO_ATTRIBUTES : this.anywhere;
    let key = '';
    for (let i = 0; i < this.grants.length; i++) if (grantMatches(this.grants[i], id, types)) key += `${i},`;
    let mask = this.byKey.get(key);
    if (mask === undefined) {
      const masks: AttributeMask[] = [];
      for (const i of key.split(',')) if (i !== '') masks.push(this.grants[Number(i)].permission.attributes);
      mask = unionMasks(masks);
      this.byKey.set(key, mask);
    }
    return mask;
  }

  /**
   * The union of the masks of the grants that may apply to entities of one of `types`,
   * ignoring ids: an upper bound used by discovery (/types/{type}, /attributes).
   */
  forTypes(types: readonly Iri[]): AttributeMask {
    const masks: AttributeMask[] = [];
    for (const g of this.grants) {
      const allowed = g.permission.types;
      if (allowed === undefined || types.some((t) => allowed.has(t))) masks.push(g.permission.attributes);
    }
    return unionMasks(masks);
  }

  /**
   * Where the attribute is visible among permitted entities: on every one (each grant shows
   * it), on none (no grant shows it), or somewhere (depends on the entity).
   */
  reach(attr: Iri): AttributeReach {
    if (!this.anywhere.visible(attr)) return 'nowhere';
    for (const g of this.grants) if (!g.permission.attributes.visible(attr)) return 'somewhere';
    return 'everywhere';
  }

  /** True when every attribute is visible on every permitted entity. */
  get unmasked(): boolean {
    return this.anywhere.all && this.uniform;
  }

  toJSON(): MaskRule[] {
    return this.grants.map((g) => ({
      from: g.permission.at,
      types: g.permission.types === undefined ? '*' : [...g.permission.types].sort(),
      ids:
        g.ids === undefined
          ? '*'
          : g.ids.pattern === undefined
            ? { ids: [...g.ids.literals] }
            : { ids: [...g.ids.literals], idPattern: g.ids.pattern },
      attributes: g.permission.attributes.form,
    }));
  }
}
