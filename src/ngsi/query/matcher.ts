/**
 * The in-memory matcher: compiles the query AST (./ast) once into closures over the
 * expanded Entity (../entity), for subscriptions (compiled when created, run per change)
 * and residual filters. No regex construction, JSON parsing or per-entity allocation in the
 * returned closures beyond what reading the entity needs.
 *
 * q semantics (clause 4.9), see ./targets for what a path addresses and ./valueTests for
 * how values compare:
 *   attr           the target element exists (on any instance)
 *   == > >= < <=   some target value of some instance passes
 *   !=             the target exists and no target value equals (clause 4.9: "is neither
 *                  identical nor equivalent to the target value", "is not included in the
 *                  target value, if the latter is an array"); a type mismatch is unequal
 *   ~=             some string target value matches the pattern
 *   !~=            some string target value exists and none matches (non-strings never match)
 */
import type { Entity } from '../entity';
import { NgsiError } from '../errors';
import type { EntityFilter, QNode, TypeExpr } from './ast';
import { compileGeo } from './geoMatch';
import { compileUserRegex } from './regex';
import { scopeMatches } from './scopeQuery';
import { compilePath, FOUND, MATCH, NONE } from './targets';
import { ALWAYS, compileEquals, compileOrder, compilePattern, IS_STRING } from './valueTests';

export { compileGeo } from './geoMatch';

export type EntityPredicate = (entity: Entity) => boolean;

const MATCH_ALL: EntityPredicate = () => true;

/** Every member of the filter AND-ed; an empty filter matches every entity. */
export function compileFilter(filter: EntityFilter): EntityPredicate {
  const predicates: EntityPredicate[] = [];
  if (filter.selectors !== undefined) predicates.push(any(filter.selectors.map(compileFilter)));
  if (filter.ids !== undefined) {
    const ids = new Set(filter.ids);
    predicates.push((e) => ids.has(e.id));
  }
  if (filter.idPattern !== undefined) predicates.push(compileIdPattern(filter.idPattern));
  if (filter.type !== undefined) predicates.push(compileTypeExpr(filter.type));
  if (filter.attrs !== undefined) {
    const attrs = filter.attrs;
    predicates.push((e) => {
      for (let i = 0; i < attrs.length; i++) if (e.attrs[attrs[i]] !== undefined) return true;
      return false;
    });
  }
  if (filter.q !== undefined) predicates.push(compileQ(filter.q));
  if (filter.geoQ !== undefined) predicates.push(compileGeo(filter.geoQ));
  if (filter.scopeQ !== undefined) {
    const scopeQ = filter.scopeQ;
    predicates.push((e) => scopeMatches(scopeQ, e.scope));
  }
  return all(predicates);
}

export function compileQ(node: QNode): EntityPredicate {
  switch (node.kind) {
    case 'and': return all(node.items.map(compileQ));
    case 'or': return any(node.items.map(compileQ));
    case 'exists': {
      const scan = compilePath(node.path);
      return (e) => scan(e, ALWAYS) !== NONE;
    }
    case 'compare': return compileCompare(node);
    case 'pattern': {
      const scan = compilePath(node.path);
      const matches = compilePattern(node.regex);
      if (!node.negate) return (e) => scan(e, matches) === MATCH;
      return (e) => scan(e, matches) === FOUND && scan(e, IS_STRING) === MATCH;
    }
    default: return unreachable(node);
  }
}

function compileCompare(node: Extract<QNode, { kind: 'compare' }>): EntityPredicate {
  const scan = compilePath(node.path);
  const op = node.op;
  switch (op) {
    case '==': {
      const equals = compileEquals(node.value);
      return (e) => scan(e, equals) === MATCH;
    }
    case '!=': {
      const equals = compileEquals(node.value);
      return (e) => scan(e, equals) === FOUND;
    }
    case '>':
    case '>=':
    case '<':
    case '<=': {
      const test = compileOrder(op, node.value);
      return (e) => scan(e, test) === MATCH;
    }
    default: return unreachable(op);
  }
}

export function compileTypeExpr(expr: TypeExpr): EntityPredicate {
  switch (expr.kind) {
    case 'type': {
      const iri = expr.iri;
      return (e) => e.type.includes(iri);
    }
    case 'and': return all(expr.items.map(compileTypeExpr));
    case 'or': return any(expr.items.map(compileTypeExpr));
  }
}

/** idPattern (clause 6.4.3.2): a regular expression the entity id matches (unanchored test). */
export function compileIdPattern(pattern: string): EntityPredicate {
  let re: RegExp;
  try {
    re = compileUserRegex(pattern);
  } catch (err) {
    throw new NgsiError('BadRequestData', `Invalid idPattern: invalid regular expression '${pattern}' (${(err as Error).message})`);
  }
  return (e) => re.test(e.id);
}

function all(predicates: EntityPredicate[]): EntityPredicate {
  if (predicates.length === 0) return MATCH_ALL;
  if (predicates.length === 1) return predicates[0];
  return (e) => {
    for (let i = 0; i < predicates.length; i++) if (!predicates[i](e)) return false;
    return true;
  };
}

function any(predicates: EntityPredicate[]): EntityPredicate {
  if (predicates.length === 1) return predicates[0];
  return (e) => {
    for (let i = 0; i < predicates.length; i++) if (predicates[i](e)) return true;
    return false;
  };
}

/** Exhaustiveness guard: adding a kind or operator to ast.ts fails to compile here. */
function unreachable(x: never): never {
  throw new Error(`Unhandled query AST element ${JSON.stringify(x)}`);
}
