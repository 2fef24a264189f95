/**
 * Candidate histories of a temporal query in SQL: the id, idPattern and type parts of an
 * EntityFilter (and of its selectors) as a WHERE on temporal_entities, so that a query for
 * a few ids reads those rows through the id index instead of every history, and a type or
 * pattern is tested in SQL instead of parsing every row in JavaScript.
 *
 * It may only over-approximate (like filter-sql.ts): the query matcher still decides on
 * every candidate. Types are matched as their JSON text inside the `types` array (an IRI
 * never spans two elements of it, but a crafted one could match inside an escaped element:
 * the matcher removes such a row). Values are bound parameters; the SQL text depends only
 * on the filter's shape.
 */
import type { EntityFilter, EntitySelector, TypeExpr } from '../../ngsi/query/ast';

export interface CandidateSql {
  /** '' (every history) or ' WHERE ...'. */
  where: string;
  params: unknown[];
}

function typeSql(expr: TypeExpr, params: unknown[]): string {
  switch (expr.kind) {
    case 'type':
      params.push(JSON.stringify(expr.iri));
      return 'instr(types, ?) > 0';
    case 'and':
      return `(${expr.items.map((i) => typeSql(i, params)).join(' AND ')})`;
    case 'or':
      return `(${expr.items.map((i) => typeSql(i, params)).join(' OR ')})`;
    default: {
      const unknownExpr: never = expr;
      throw new Error(`Unhandled type expression ${JSON.stringify(unknownExpr)}`);
    }
  }
}

/** The conditions of ids / idPattern / type, AND-ed; none: undefined (no narrowing). */
function selectorSql(f: EntitySelector, params: unknown[]): string | undefined {
  const parts: string[] = [];
  if (f.ids !== undefined) {
    // One JSON parameter keeps a single statement shape whatever the number of ids.
    params.push(JSON.stringify(f.ids));
    parts.push('id IN (SELECT value FROM json_each(?))');
  }
  if (f.idPattern !== undefined) {
    params.push(f.idPattern);
    parts.push('id REGEXP ?');
  }
  if (f.type !== undefined) parts.push(typeSql(f.type, params));
  return parts.length === 0 ? undefined : parts.join(' AND ');
}

export function candidateSql(f: EntityFilter): CandidateSql {
  const params: unknown[] = [];
  const parts: string[] = [];
  const own = selectorSql(f, params);
  if (own !== undefined) parts.push(own);
  if (f.selectors !== undefined && f.selectors.length > 0) {
    const alternatives: string[] = [];
    const selectorParams: unknown[] = [];
    let unrestricted = false;
    for (const s of f.selectors) {
      const sql = selectorSql(s, selectorParams);
      if (sql === undefined) unrestricted = true;
      else alternatives.push(`(${sql})`);
    }
    // A selector without conditions selects every history: the alternatives narrow nothing.
    if (!unrestricted) {
      parts.push(`(${alternatives.join(' OR ')})`);
      params.push(...selectorParams);
    }
  }
  return { where: parts.length === 0 ? '' : ` WHERE ${parts.join(' AND ')}`, params };
}

/** Candidate histories read per statement while a query page fills. */
export const CANDIDATE_CHUNK = 256;

/**
 * One chunk of candidates: the histories matching `c` (and `also`, a condition ending in
 * ' AND', or '') after a rowid, in creation order. Parameters: c.params, also's, the rowid.
 */
export function candidateChunkSql(c: CandidateSql, also = ''): string {
  const where = `${c.where === '' ? ' WHERE' : `${c.where} AND`}${also} rowid > ?`;
  return `SELECT rowid, id, types, scope FROM temporal_entities${where} ORDER BY rowid LIMIT ${CANDIDATE_CHUNK}`;
}
