/**
 * Applying a Narrowing to a query (STYLE.md 7): the policy's selectors ANDed into the
 * caller's EntityFilter, and every reference to an attribute the caller may not see treated
 * as a reference to an absent attribute, so q, attrs and geoQ never reveal a hidden value or
 * even its existence (issue 4: "hidden attributes never leak through q, pick, ...").
 *
 * Absent-attribute semantics (matcher.ts): every q leaf on an absent attribute is false
 * (exists, ==, !=, ordering, ~=, !~= all need a target), and q has no negation, so a leaf on
 * a hidden attribute becomes FALSE (an empty `or`). `attrs` keeps only visible names (an
 * empty list matches nothing), and a geoQ on a hidden geoproperty matches nothing.
 *
 * When an attribute is visible on some permitted entities only (masks depend on type and
 * id), the query AST cannot say "this leaf holds only for those entities": the filter then
 * keeps such leaves (a superset: q is monotone) and `residual` re-checks each candidate with
 * its own mask. Apply it before counting and paging.
 */
import type { Entity, Iri } from '../../ngsi/entity';
import { NgsiError } from '../../ngsi/errors';
import type { EntityFilter, EntitySelector, QNode, TypeExpr } from '../../ngsi/query/ast';
import { compileGeo, compileQ, type EntityPredicate } from '../../ngsi/query/matcher';
import { splitRegexFlags } from '../../ngsi/query/regex';
import type { Narrowing } from './evaluate';
import type { AttributeMask } from './mask';

/** A q expression that matches nothing. */
export const FALSE_Q: QNode = { kind: 'or', items: [] };

const isFalse = (q: QNode): boolean => q.kind === 'or' && q.items.length === 0;

/** The (top-level, expanded) attributes a q expression reads. */
export function qAttributes(q: QNode, into: Set<Iri> = new Set()): Set<Iri> {
  switch (q.kind) {
    case 'and':
    case 'or':
      for (const item of q.items) qAttributes(item, into);
      return into;
    case 'exists':
    case 'compare':
    case 'pattern':
      into.add(q.path.attr);
      return into;
    default:
      return unreachable(q);
  }
}

/** Whether q reads an attribute that `visible` rejects. */
export function qReferencesHidden(q: QNode, visible: (attr: Iri) => boolean): boolean {
  for (const attr of qAttributes(q)) if (!visible(attr)) return true;
  return false;
}

/**
 * q with every leaf on an attribute `visible` rejects replaced by FALSE, simplified (an `and`
 * with a FALSE item is FALSE, FALSE items of an `or` are dropped). Returns `q` itself when
 * nothing is hidden.
 */
export function hideInQ(q: QNode, visible: (attr: Iri) => boolean): QNode {
  switch (q.kind) {
    case 'and': {
      const items = q.items.map((i) => hideInQ(i, visible));
      if (items.some(isFalse)) return FALSE_Q;
      return items.every((item, i) => item === q.items[i]) ? q : { kind: 'and', items };
    }
    case 'or': {
      const mapped = q.items.map((i) => hideInQ(i, visible));
      if (mapped.every((item, i) => item === q.items[i])) return q;
      const items = mapped.filter((i) => !isFalse(i));
      return items.length === 0 ? FALSE_Q : { kind: 'or', items };
    }
    case 'exists':
    case 'compare':
    case 'pattern':
      return visible(q.path.attr) ? q : FALSE_Q;
    default:
      return unreachable(q);
  }
}

/** The entity with only the attributes the mask shows (the same object when nothing is hidden). */
export function maskEntity(entity: Entity, mask: AttributeMask): Entity {
  if (mask.all) return entity;
  const attrs: Entity['attrs'] = {};
  for (const name of Object.keys(entity.attrs)) if (mask.visible(name)) attrs[name] = entity.attrs[name];
  return { ...entity, attrs };
}

export interface RestrictedQuery {
  /** The filter for the store: the caller's, ANDed with the policy, hidden references absent. */
  filter: EntityFilter;
  /**
   * Set when q, attrs or geoQ reference attributes some permitted entities hide: the store's
   * answer is then a superset, keep the entities this accepts (before counting and paging).
   */
  residual: EntityPredicate | undefined;
  /** The attributes behind `residual` (visible on some permitted entities only). */
  maskedReferences: Iri[];
}

/**
 * The query the caller may run: undefined when the narrowing denies (the caller sees
 * nothing). Throws OperationNotSupported in the one case the AST cannot express: a
 * case-insensitive `(?i)` idPattern in the caller's entity selectors combined with an
 * id-restricted permission.
 */
export function restrictQuery(filter: EntityFilter, narrowing: Narrowing): RestrictedQuery | undefined {
  if (narrowing.kind === 'deny') return undefined;
  const masks = narrowing.attributes;
  const out: EntityFilter = { ...filter };
  if (narrowing.kind === 'filter' && !withinTypes(filter, narrowing.selectors)) {
    out.selectors = filter.selectors === undefined ? narrowing.selectors : andSelectorLists(filter.selectors, narrowing.selectors);
  }
  if (masks.unmasked) return { filter: out, residual: undefined, maskedReferences: [] };

  const anywhere = masks.anywhere.visible;
  const refs = new Set<Iri>();
  if (filter.q !== undefined) {
    qAttributes(filter.q, refs);
    out.q = hideInQ(filter.q, anywhere);
  }
  if (filter.attrs !== undefined) {
    for (const a of filter.attrs) refs.add(a);
    out.attrs = filter.attrs.filter(anywhere);
  }
  if (filter.geoQ !== undefined) {
    refs.add(filter.geoQ.geoproperty);
    if (!anywhere(filter.geoQ.geoproperty)) out.ids = [];
  }
  const mixed = [...refs].filter((a) => masks.reach(a) === 'somewhere').sort();
  if (mixed.length === 0) return { filter: out, residual: undefined, maskedReferences: [] };

  // Per entity: its own mask decides. Compiled once per distinct mask (maskFor caches them).
  const compiled = new Map<AttributeMask, EntityPredicate>();
  const compileFor = (mask: AttributeMask): EntityPredicate => {
    const checks: EntityPredicate[] = [];
    if (filter.q !== undefined) checks.push(compileQ(hideInQ(filter.q, mask.visible)));
    if (filter.attrs !== undefined) {
      const visibleAttrs = filter.attrs.filter(mask.visible);
      checks.push((e) => visibleAttrs.some((a) => e.attrs[a] !== undefined));
    }
    if (filter.geoQ !== undefined) {
      if (!mask.visible(filter.geoQ.geoproperty)) checks.push(() => false);
      else checks.push(compileGeo(filter.geoQ));
    }
    return (e) => checks.every((c) => c(e));
  };
  const residual: EntityPredicate = (e) => {
    const mask = masks.maskFor(e.id, e.type);
    if (mixed.every(mask.visible)) return true; // the store's filter was exact for this entity
    let check = compiled.get(mask);
    if (check === undefined) {
      check = compileFor(mask);
      compiled.set(mask, check);
    }
    return check(e);
  };
  return { filter: out, residual, maskedReferences: mixed };
}

/**
 * Whether the caller's own `type` already keeps the query inside one type-only policy
 * selector (type=Sensor under `types: [Sensor]`): then adding the selectors would only make
 * the store test the same types twice per row.
 */
function withinTypes(filter: EntityFilter, policy: readonly EntitySelector[]): boolean {
  if (filter.selectors !== undefined || filter.type === undefined) return false;
  const wanted = filter.type;
  return policy.some((p) => p.ids === undefined && p.idPattern === undefined && p.type !== undefined && implies(wanted, p.type));
}

/** (u1 OR u2 ...) AND (p1 OR p2 ...) as one list of selectors: every pair ANDed. */
function andSelectorLists(user: readonly EntitySelector[], policy: readonly EntitySelector[]): EntitySelector[] {
  const out: EntitySelector[] = [];
  for (const u of user) {
    for (const p of policy) {
      const both = andSelectors(u, p);
      if (both !== undefined) out.push(both);
    }
  }
  return out; // empty: matches nothing
}

/** u AND p as one selector, or undefined when nothing can match both. */
function andSelectors(u: EntitySelector, p: EntitySelector): EntitySelector | undefined {
  const s: EntitySelector = {};
  if (u.type !== undefined && p.type !== undefined) s.type = implies(u.type, p.type) ? u.type : { kind: 'and', items: [u.type, p.type] };
  else if (u.type !== undefined || p.type !== undefined) s.type = u.type ?? p.type;
  if (u.ids !== undefined && p.ids !== undefined) {
    const allowed = new Set(p.ids);
    s.ids = u.ids.filter((id) => allowed.has(id));
    if (s.ids.length === 0) return undefined;
  } else if (u.ids !== undefined || p.ids !== undefined) {
    s.ids = u.ids ?? p.ids;
  }
  if (u.idPattern !== undefined && p.idPattern !== undefined) s.idPattern = andPatterns(u.idPattern, p.idPattern);
  else if (u.idPattern !== undefined || p.idPattern !== undefined) s.idPattern = u.idPattern ?? p.idPattern;
  return s;
}

/**
 * Whether every entity `u` selects is also selected by `p`, as far as a plain type or a
 * union of types shows it (the common case: type=Sensor under a policy allowing Sensor).
 * Then `u` alone says it: the store would otherwise evaluate the same type test twice.
 */
function implies(u: TypeExpr, p: TypeExpr): boolean {
  const allowed = typeNames(p);
  const wanted = typeNames(u);
  return allowed !== undefined && wanted !== undefined && [...wanted].every((t) => allowed.has(t));
}

/** The names of a type or a union of types; undefined for anything with an AND. */
function typeNames(e: TypeExpr): Set<string> | undefined {
  if (e.kind === 'type') return new Set([e.iri]);
  if (e.kind === 'and') return undefined;
  const out = new Set<string>();
  for (const item of e.items) {
    const names = typeNames(item);
    if (names === undefined) return undefined;
    for (const n of names) out.add(n);
  }
  return out;
}

/**
 * Both patterns as one regex source (lookaheads; the policy's pattern is anchored and has no
 * capturing groups, so the caller's back-references keep their numbers).
 */
function andPatterns(user: string, policy: string): string {
  if (splitRegexFlags(user).caseInsensitive) {
    throw new NgsiError(
      'OperationNotSupported',
      `A case-insensitive idPattern ('${user}') cannot be combined with the id restrictions of your permissions; use a case-sensitive pattern`,
    );
  }
  return `^(?=${policy})(?=[\\s\\S]*?(?:${user}))`;
}

function unreachable(x: never): never {
  throw new Error(`Unhandled query AST element ${JSON.stringify(x)}`);
}
