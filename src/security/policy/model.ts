/**
 * The RBAC policy (issue 4, "Authorization model"): the document an operator writes and the
 * compiled form the evaluator reads. Pure: no I/O (loader.ts is the only file that reads).
 *
 * Document (YAML or JSON; policy/default.yaml is the shipped example):
 *
 *   '@context':   optional JSON-LD @context (an object, a URL or a list of them) against which
 *                 the type and attribute terms below are expanded; the NGSI-LD core context
 *                 always applies (as for requests). Terms and full IRIs may be mixed.
 *   description:  optional free text (also allowed on each permission).
 *   roles:        { <role name>: [ <permission>, ... ] }
 *   bindings:     optional { <token role or scope>: [ <role name>, ... ] }
 *
 *   permission:
 *     actions:    '*' or a list of read, create, update, delete, subscribe, admin, device, model
 *                 (required).
 *     tenants:    '*' (default) or a list of tenant names or globs (`*` matches any run of
 *                 characters, e.g. `site-*`). The DEFAULT tenant (no NGSILD-Tenant header) is
 *                 written '' (the empty string), exactly as RequestScope.tenant holds it: a
 *                 tenant really named "default" is a valid NGSILD-Tenant value, so the word
 *                 cannot also mean "no tenant". `*` matches the default tenant too.
 *     types:      '*' (default) or entity types, as terms or IRIs, all expanded to IRIs at load.
 *                 An entity matches when ANY of its types is listed (an entity typed
 *                 [Building, Asset] is a Building). Creating an entity is stricter: every one
 *                 of its types must be granted (see evaluate.ts).
 *     ids:        '*' (default) or id globs: `*` matches any run of characters, everything
 *                 else is literal (no `?`, no character classes: ids are URIs and may contain
 *                 `?`). `${sub}` stands for the token subject, inserted literally (a subject
 *                 containing `*` matches only itself); it is how "a device's own twin" is
 *                 written: device tokens carry their twin's entity id as `sub`, and the device
 *                 role grants `ids: ['${sub}']`. Globs were chosen over regular expressions
 *                 because operators write them safely and they translate to anchored regexes
 *                 (EntitySelector.idPattern) and literal id lists without ambiguity.
 *     resources:  names of non-entity resources (ADMIN_RESOURCES, e.g. `audit`) or '*'. A
 *                 permission with `resources` grants its actions on those resources ONLY (not on
 *                 entities; types and ids are then not allowed): the auditor's `admin` of the
 *                 audit log grants nothing on entities. A permission without `resources` applies
 *                 to entities (within its types and ids) and, when it restricts neither types
 *                 nor ids, to every resource as well.
 *     attributes: optional { allow: '*' (default) | [attr, ...], deny: [attr, ...] } as terms or
 *                 IRIs; within one permission deny wins over allow. Only top-level attributes
 *                 are masked (sub-attributes go with their attribute); id, type, scope and the
 *                 system timestamps are not attributes and are always visible with the entity.
 *                 For write actions the mask says which attributes may be written.
 *
 * Combining: a principal holds the union of what its permissions grant. A deny only narrows
 * its own permission: when another permission (of the same or another role) grants the
 * attribute for the same entity, the attribute is visible. Adding a role never takes access
 * away. To hide an attribute from a role, no permission of that role may grant it.
 *
 * Roles from tokens: a token role (or scope) R grants `bindings[R]` when bindings lists R,
 * otherwise the policy role named R if there is one, otherwise nothing. So with no bindings
 * token roles map 1:1 onto policy roles.
 *
 * Tenant claims: when the principal carries `tenants` (from the token), it can never reach a
 * tenant outside that list, whatever its roles allow; `tenants: []` reaches none. Tenant
 * claims are exact names ('' = default tenant), not globs.
 */
import type { Iri } from '../../ngsi/entity';
import type { AttributeMask } from './mask';

export const ACTIONS = ['read', 'create', 'update', 'delete', 'subscribe', 'admin', 'device', 'model'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Non-entity resources a permission's `resources` may name. Extend this list when an admin
 * endpoint is added; a policy naming anything else is rejected, so typos fail at load.
 * `subscriptions`: `admin` on it sees and manages every subscription of the tenant, not
 * only the caller's own (broker/subscriptions.ts).
 */
export const ADMIN_RESOURCES = ['audit', 'contexts', 'devices', 'models', 'ota', 'policy', 'subscriptions', 'tenants'] as const;
export type AdminResource = (typeof ADMIN_RESOURCES)[number];

/** `${sub}` in an id glob: replaced with the token subject. */
export const SUBJECT_PLACEHOLDER = '${sub}';

/** The caller as the policy sees it. Structurally compatible with broker/scope.ts Principal. */
export interface PolicyPrincipal {
  subject: string;
  /** Token roles or scopes, mapped to policy roles through Policy.bindings. */
  roles: readonly string[];
  /** Tenant claim from the token: when present, the only tenants reachable ('' = default). */
  tenants?: readonly string[];
}

/** The entity a single-entity operation touches: its id and expanded type IRIs. */
export interface EntityRef {
  id: string;
  types: readonly Iri[];
}

export interface PolicyRequest {
  action: Action;
  /** RequestScope.tenant: '' is the default tenant. */
  tenant: string;
  /** For single-entity operations. For create, the new entity; for updates, the stored one. */
  entity?: EntityRef;
  /** For operations on a non-entity resource (admin endpoints); then without `entity`. */
  resource?: string;
}

/** One segment of a compiled id glob. */
export type GlobPart = { kind: 'literal'; text: string } | { kind: 'any' } | { kind: 'subject' };

/** An id glob compiled at load into parts; bound to a subject at evaluation (glob.ts). */
export interface IdGlob {
  /** As written in the policy. */
  readonly source: string;
  readonly parts: readonly GlobPart[];
  /** True when the glob contains `${sub}`. */
  readonly usesSubject: boolean;
}

/** A compiled permission: every pattern compiled once, at load (STYLE.md 12). */
export interface Permission {
  /** Where it was written, e.g. `roles.operator[1]`: used in deny reasons and explanations. */
  readonly at: string;
  readonly role: string;
  readonly actions: ReadonlySet<Action>;
  /** undefined: every tenant. */
  readonly tenants: TenantMatcher | undefined;
  /** undefined: every type. Expanded IRIs otherwise. */
  readonly types: ReadonlySet<Iri> | undefined;
  /** undefined: every id. */
  readonly ids: readonly IdGlob[] | undefined;
  /** Whether it applies to entities (single-entity requests, queries, entity-less requests). */
  readonly entities: boolean;
  /** The non-entity resources it applies to: '*' for every one (an empty set for none). */
  readonly resources: '*' | ReadonlySet<string>;
  /** What this permission lets the principal see (or write) of an entity it matches. */
  readonly attributes: AttributeMask;
}

export interface TenantMatcher {
  /** As written. */
  readonly patterns: readonly string[];
  test(tenant: string): boolean;
}

export interface Policy {
  readonly roles: ReadonlyMap<string, readonly Permission[]>;
  /** Token role -> policy role names (all validated to exist). */
  readonly bindings: ReadonlyMap<string, readonly string[]>;
}

/** A policy document that does not validate: every problem, each prefixed with its path. */
export class PolicyError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], source?: string) {
    const where = source === undefined ? '' : ` ${source}`;
    super(`Invalid policy${where}:\n  ${problems.join('\n  ')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}
