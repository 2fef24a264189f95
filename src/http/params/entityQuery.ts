/**
 * URL parameters of entity retrieval and query (clause 6.4.3.2, 6.5.3.1) -> the one query
 * AST and the render options, expanded with the request's @context.
 */
import { LOCATION_IRI } from '../../ngsi/entity';
import { NgsiError } from '../../ngsi/errors';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import type { EntityFilter } from '../../ngsi/query/ast';
import { parseAttrList } from '../../ngsi/query/attrList';
import { parseGeoQuery } from '../../ngsi/query/geoQuery';
import { parseQ } from '../../ngsi/query/q';
import { parseScopeQ } from '../../ngsi/query/scopeQuery';
import { parseTypeExpr } from '../../ngsi/query/typeExpr';
import type { RenderOptions } from '../../ngsi/render';
import { isUri } from '../../ngsi/uri';
import { str, type Query } from './allowed';
import { VIEW_OPTIONS, parseBoolean, parseNonNegativeInt, parseOptions } from './options';

export const FILTER_PARAMS = ['id', 'type', 'idPattern', 'attrs', 'q', 'georel', 'geometry', 'coordinates', 'geoproperty', 'scopeQ'];
export const VIEW_PARAMS = ['attrs', 'pick', 'omit', 'options', 'format', 'lang', 'geometryProperty', 'join', 'joinLevel', 'local'];
export const PAGE_PARAMS = ['limit', 'offset', 'count'];

export interface View {
  render: RenderOptions;
  geometryProperty: string;
  join: { mode: 'flat' | 'inline'; level: number } | undefined;
}

export function parseIdList(text: string): string[] {
  const ids = text.split(',').map((s) => s.trim());
  for (const id of ids) if (!isUri(id)) throw new NgsiError('BadRequestData', `Entity id '${id}' is not a valid URI`);
  return ids;
}

export function parseEntityFilter(query: Query, ctx: CompiledContext): EntityFilter {
  const expand = (t: string): string => ctx.expandTerm(t);
  const filter: EntityFilter = {};
  const id = str(query, 'id');
  if (id !== undefined) filter.ids = parseIdList(id);
  const idPattern = str(query, 'idPattern');
  if (idPattern !== undefined) {
    try {
      new RegExp(idPattern);
    } catch {
      throw new NgsiError('BadRequestData', `idPattern '${idPattern}' is not a valid regular expression`);
    }
    filter.idPattern = idPattern;
  }
  const type = str(query, 'type');
  if (type !== undefined) filter.type = parseTypeExpr(type, expand);
  const attrs = str(query, 'attrs');
  if (attrs !== undefined) filter.attrs = parseAttrList(attrs, expand);
  const q = str(query, 'q');
  if (q !== undefined) filter.q = parseQ(q, expand);
  const geoQ = parseGeoQuery(
    { georel: str(query, 'georel'), geometry: str(query, 'geometry'), coordinates: str(query, 'coordinates'), geoproperty: str(query, 'geoproperty') },
    expand,
  );
  if (geoQ) filter.geoQ = geoQ;
  const scopeQ = str(query, 'scopeQ');
  if (scopeQ !== undefined) filter.scopeQ = parseScopeQ(scopeQ);
  return filter;
}

/** Projection and representation of returned entities. */
export function parseView(query: Query, ctx: CompiledContext): View {
  const expand = (t: string): string => ctx.expandTerm(t);
  const options = parseOptions(query, VIEW_OPTIONS);
  const render: RenderOptions = { format: options.format, sysAttrs: options.sysAttrs };
  const pick = str(query, 'pick');
  const omit = str(query, 'omit');
  const attrs = str(query, 'attrs');
  if (pick !== undefined && omit !== undefined) throw new NgsiError('BadRequestData', "'pick' and 'omit' cannot be used together");
  if (pick !== undefined) render.pick = new Set(parseAttrList(pick, expand, 'pick'));
  else if (attrs !== undefined) render.pick = new Set(['id', 'type', 'scope', ...parseAttrList(attrs, expand)]);
  if (omit !== undefined) render.omit = new Set(parseAttrList(omit, expand, 'omit'));
  const lang = str(query, 'lang');
  if (lang !== undefined) {
    if (!/^(\*|[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)$/.test(lang)) throw new NgsiError('BadRequestData', `lang '${lang}' is not a language tag`);
    render.lang = lang;
  }
  const gp = str(query, 'geometryProperty');
  const joinMode = str(query, 'join');
  let join: View['join'];
  if (joinMode !== undefined) {
    if (joinMode !== 'flat' && joinMode !== 'inline' && joinMode !== '@none') {
      throw new NgsiError('BadRequestData', `join must be flat, inline or @none, not '${joinMode}'`);
    }
    const level = parseNonNegativeInt(query, 'joinLevel', 1);
    if (level < 1) throw new NgsiError('BadRequestData', 'joinLevel must be at least 1');
    if (joinMode !== '@none') join = { mode: joinMode, level };
  } else if (str(query, 'joinLevel') !== undefined) {
    throw new NgsiError('BadRequestData', 'joinLevel needs join');
  }
  return { render, geometryProperty: gp === undefined ? LOCATION_IRI : expand(gp), join };
}

export interface Paging {
  limit: number;
  offset: number;
  count: boolean;
  /**
   * `local=true` (clause 6.3.18): only local data, which is all Weft has (no context
   * sources); as in Orion-LD it also allows a query without any restriction.
   */
  local: boolean;
}

export function parsePaging(query: Query, defaults: { defaultLimit: number }): Paging {
  // Clause 6.3.10: any limit above the maximum is 403 TooManyResults, however many digits.
  const limitText = str(query, 'limit');
  if (limitText !== undefined && /^\d+$/.test(limitText) && !Number.isSafeInteger(Number(limitText))) {
    throw new NgsiError('TooManyResults', `limit ${limitText} exceeds the maximum page size`);
  }
  const limit = parseNonNegativeInt(query, 'limit', defaults.defaultLimit);
  const offset = parseNonNegativeInt(query, 'offset', 0);
  const countText = str(query, 'count');
  if (countText !== undefined && countText !== 'true' && countText !== 'false') {
    throw new NgsiError('BadRequestData', "count must be 'true' or 'false'");
  }
  const count = countText === 'true';
  // Clause 6.3.10: limit=0 is only meaningful to obtain the count.
  if (limit === 0 && !count) throw new NgsiError('BadRequestData', 'limit=0 is only allowed together with count=true');
  return { limit, offset, count, local: parseBoolean(query, 'local') };
}
