/**
 * The Scope Query Language (the `scopeQ` parameter, clause 4.19): parser into the AST's
 * ScopeExpr, and the matcher of a ScopeExpr against an entity's scopes.
 *
 *   scopeQ   = andExpr *( ( "|" / "," ) andExpr )
 *   andExpr  = primary *( ";" primary )
 *   primary  = "(" scopeQ ")" / scope
 *   scope    = "/#" / 1*( "/" level ) [ "/#" ]
 *   level    = letter *( letter / digit / "_" ) / "+"
 *
 * `+` matches exactly one level; a final `#` matches the path itself and everything below
 * it; `/#` alone matches any entity that has at least one scope (clause 4.19: "any
 * non-empty scope"). Grammar details shared with type: ./boolExpr.
 * Errors: NgsiError BadRequestData "Invalid scopeQ: ... at position N".
 */
import type { ScopeExpr } from './ast';
import { atomEnd, parseBoolExpr } from './boolExpr';

const LEVEL_RE = /^\p{L}[\p{L}\p{N}_]*$/u;
const SLASH = 47; // '/'

export function parseScopeQ(text: string): ScopeExpr {
  return parseBoolExpr<ScopeExpr & { kind: 'scope' }>(text, 'scopeQ', (src, start, fail) => {
    const end = atomEnd(src, start);
    const raw = src.slice(start, end);
    if (raw[0] !== '/') fail(`a scope starts with '/', found '${raw}'`, start);
    const segments = raw.slice(1).split('/');
    let offset = start + 1;
    segments.forEach((segment, i) => {
      const isLast = i === segments.length - 1;
      if (segment === '#') {
        if (!isLast) fail("'#' may only end a scope", offset);
      } else if (segment !== '+' && !LEVEL_RE.test(segment)) {
        fail(segment === '' ? 'empty scope level' : `invalid scope level '${segment}'`, offset);
      }
      offset += segment.length + 1;
    });
    return { atom: { kind: 'scope', segments }, end };
  });
}

/** Does an entity with these scopes match the expression? No scopes never match. */
export function scopeMatches(expr: ScopeExpr, scopes: readonly string[] | undefined): boolean {
  switch (expr.kind) {
    case 'scope':
      if (scopes === undefined) return false;
      for (let i = 0; i < scopes.length; i++) if (scopePatternMatches(expr.segments, scopes[i])) return true;
      return false;
    case 'and':
      for (let i = 0; i < expr.items.length; i++) if (!scopeMatches(expr.items[i], scopes)) return false;
      return true;
    case 'or':
      for (let i = 0; i < expr.items.length; i++) if (scopeMatches(expr.items[i], scopes)) return true;
      return false;
  }
}

/**
 * One pattern against one scope string, walking the string level by level without
 * splitting it (this runs for every candidate entity). The scope's leading '/' is optional,
 * as in the Scope grammar (clause 4.18: `[/] ScopeLevel *(/ ScopeLevel)`).
 */
export function scopePatternMatches(segments: readonly string[], scope: string): boolean {
  if (scope.length === 0) return false;
  let i = scope.charCodeAt(0) === SLASH ? 1 : 0;
  for (let k = 0; k < segments.length; k++) {
    const segment = segments[k];
    if (segment === '#') return true;
    if (i > scope.length) return false;
    let end = scope.indexOf('/', i);
    if (end < 0) end = scope.length;
    if (segment === '+') {
      if (end === i) return false;
    } else if (end - i !== segment.length || !scope.startsWith(segment, i)) {
      return false;
    }
    i = end + 1;
  }
  return i > scope.length;
}
