/**
 * Parser of the comma-separated name lists of the `attrs`, `pick` and `omit` parameters
 * (clauses 4.21 and 6.3.18 / 6.4.3.2): `name1,name2,...` -> expanded IRIs, duplicates removed,
 * order kept.
 *
 * - attrs lists attribute names only: `id` and `type` are entity members, never attributes,
 *   so naming them is an error rather than a filter that silently matches nothing.
 * - pick and omit project the whole entity: the entity members id, type, scope, createdAt
 *   and modifiedAt stay literal (the renderer knows them by these names); other names are
 *   attributes and are expanded.
 * Names: a term, a compact IRI or an absolute URI (clause 4.6.2). Spaces around names are
 * ignored. Errors: NgsiError BadRequestData "Invalid <param>: ... at position N".
 */
import { NgsiError } from '../errors';
import { isValidName } from './names';
import type { Expand } from './q';

export type AttrListParameter = 'attrs' | 'pick' | 'omit';

/** Entity members that pick/omit name literally. */
export const PROJECTION_MEMBERS: ReadonlySet<string> = new Set(['id', 'type', 'scope', 'createdAt', 'modifiedAt']);

export function parseAttrList(text: string, expand: Expand, parameter: AttrListParameter = 'attrs'): string[] {
  const fail = (what: string, at: number): never => {
    throw new NgsiError('BadRequestData', `Invalid ${parameter}: ${what} at position ${at}`);
  };
  const seen = new Set<string>();
  let start = 0;
  for (const part of text.split(',')) {
    const name = part.trim();
    const at = start + part.indexOf(name);
    start += part.length + 1;
    if (name === '') fail('empty name', at);
    if (!isValidName(name)) fail(`invalid name '${name}'`, at);
    if (parameter === 'attrs') {
      if (name === 'id' || name === 'type') fail(`'${name}' is an entity member, not an attribute`, at);
      seen.add(expand(name));
    } else {
      seen.add(PROJECTION_MEMBERS.has(name) ? name : expand(name));
    }
  }
  return [...seen];
}
