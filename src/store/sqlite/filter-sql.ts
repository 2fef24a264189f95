/**
 * Translates an EntityFilter (ngsi/query/ast.ts) into conditions on the index tables
 * (cond.ts), rendered into statements by query-plan.ts.
 *
 * Rule: the SQL may only over-approximate. A translation says whether it is `exact`
 * (selects precisely what ngsi/query/matcher selects); if not, the caller runs the matcher
 * on every candidate and pages in memory. Values are always bound parameters, and IRIs are
 * bound as their interned ids (term-table.ts), so the SQL text depends only on the
 * filter's shape and doubles as the statement cache key.
 */
import type { EntityFilter, GeoQuery, ScopeExpr, TypeExpr } from '../../ngsi/query/ast';
import { allOf, anyOf, approximate, atom, exact, FALSE, type Translated } from './cond';
import { queryBox } from './geo-box';
import { assertRegex, attrExists, translateQ, type TermId } from './q-sql';

export function translateFilter(f: EntityFilter, termId: TermId): Translated {
  const parts: Translated[] = [];
  if (f.selectors !== undefined) parts.push(anyOf(f.selectors.map((s) => translateFilter(s, termId))));
  if (f.ids !== undefined) parts.push(ids(f.ids));
  if (f.idPattern !== undefined) parts.push(idPattern(f.idPattern));
  if (f.type !== undefined) parts.push(type(f.type, termId));
  if (f.attrs !== undefined) parts.push(attrs(f.attrs, termId));
  if (f.q !== undefined) parts.push(translateQ(f.q, termId));
  if (f.geoQ !== undefined) parts.push(geo(f.geoQ, termId));
  if (f.scopeQ !== undefined) parts.push(scope(f.scopeQ));
  return allOf(parts);
}

function ids(list: string[]): Translated {
  if (list.length === 0) return exact(FALSE);
  if (list.length === 1) return exact(atom('entities', 'e.id = ?', [list[0]]));
  // One JSON parameter keeps a single statement shape whatever the number of ids.
  return exact(atom('entities', 'e.id IN (SELECT value FROM json_each(?))', [JSON.stringify(list)]));
}

function idPattern(pattern: string): Translated {
  assertRegex(pattern);
  return exact(atom('entities', 'e.id REGEXP ?', [pattern], false));
}

function type(expr: TypeExpr, termId: TermId): Translated {
  switch (expr.kind) {
    case 'type':
      return exact(atom('entity_types', 'type_id = ?', [termId(expr.iri)]));
    case 'and':
      return allOf(expr.items.map((i) => type(i, termId)));
    case 'or':
      return anyOf(expr.items.map((i) => type(i, termId)));
    default: {
      const unknownExpr: never = expr;
      throw new Error(`Unhandled type expression ${JSON.stringify(unknownExpr)}`);
    }
  }
}

function attrs(names: string[], termId: TermId): Translated {
  if (names.length === 0) return exact(FALSE);
  if (names.length === 1) return exact(attrExists(termId(names[0])));
  return exact(atom('attrs', 'name_id IN (SELECT value FROM json_each(?))', [JSON.stringify(names.map(termId))]));
}

function scope(expr: ScopeExpr): Translated {
  switch (expr.kind) {
    case 'scope':
      return exact(scopePattern(expr.segments));
    case 'and':
      return allOf(expr.items.map(scope));
    case 'or':
      return anyOf(expr.items.map(scope));
    default: {
      const unknownExpr: never = expr;
      throw new Error(`Unhandled scope expression ${JSON.stringify(unknownExpr)}`);
    }
  }
}

/**
 * One scopeQ pattern. The scopes key narrows to the scopes under the pattern's fixed leading
 * levels; scope_match (the matcher's own scopePatternMatches, sql-functions.ts) decides.
 */
function scopePattern(segments: string[]) {
  const firstWildcard = segments.findIndex((s) => s === '+' || s === '#');
  const segmentsJson = JSON.stringify(segments);
  if (firstWildcard < 0) {
    return atom('scopes', 'scope = ? AND scope_match(?, scope)', ['/' + segments.join('/'), segmentsJson]);
  }
  const prefix = segments.slice(0, firstWildcard).map((s) => '/' + s).join('');
  // The prefix itself, or anything below it: the strings from 'prefix/' up to 'prefix0'
  // ('0' follows '/').
  return atom(
    'scopes',
    '(scope = ? OR (scope >= ? AND scope < ?)) AND scope_match(?, scope)',
    [prefix, prefix + '/', prefix + '0', segmentsJson],
  );
}

/** Geometry relations are the matcher's: SQL narrows to values whose box meets the query's. */
function geo(query: GeoQuery, termId: TermId): Translated {
  const nameId = termId(query.geoproperty);
  const box = queryBox(query);
  if (box === undefined) return approximate(attrExists(nameId));
  const overlap = [nameId, box.maxLon, box.minLon, box.maxLat, box.minLat];
  const probe = atom('attrs', 'name_id = ? AND min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ?', overlap);
  probe.driver = {
    from: 'geo_bbox WHERE min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ? AND name_id = ?',
    params: [box.maxLon, box.minLon, box.maxLat, box.minLat, nameId],
  };
  return approximate(probe);
}
