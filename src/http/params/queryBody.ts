/**
 * The Query data type of POST /entityOperations/query (clause 5.2.23) -> the query AST.
 */
import { NgsiError } from '../../ngsi/errors';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import type { EntityFilter, EntitySelector, TypeExpr } from '../../ngsi/query/ast';
import { parseAttrList } from '../../ngsi/query/attrList';
import { parseGeoQuery } from '../../ngsi/query/geoQuery';
import { parseQ } from '../../ngsi/query/q';
import { parseScopeQ } from '../../ngsi/query/scopeQuery';
import { parseTypeExpr } from '../../ngsi/query/typeExpr';
import { isUri } from '../../ngsi/uri';

interface Selector {
  id?: string;
  idPattern?: string;
  type?: TypeExpr;
}

const KNOWN = new Set(['type', 'entities', 'attrs', 'q', 'geoQ', 'scopeQ', 'lang', '@context', 'csf', 'temporalQ']);
const GEO_KNOWN = new Set(['georel', 'geometry', 'coordinates', 'geoproperty']);

function optionalString(o: Record<string, unknown>, name: string, where: string): string | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new NgsiError('BadRequestData', `${where}.${name} must be a string`);
  return v;
}

function parseSelector(raw: unknown, i: number, expand: (t: string) => string): Selector {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new NgsiError('BadRequestData', `entities[${i}] must be an object`);
  }
  const o = raw as Record<string, unknown>;
  const where = `entities[${i}]`;
  const id = optionalString(o, 'id', where);
  if (id !== undefined && !isUri(id)) throw new NgsiError('BadRequestData', `${where}.id is not a valid URI`);
  const idPattern = optionalString(o, 'idPattern', where);
  if (idPattern !== undefined) {
    try {
      new RegExp(idPattern);
    } catch {
      throw new NgsiError('BadRequestData', `${where}.idPattern is not a valid regular expression`);
    }
  }
  const type = optionalString(o, 'type', where);
  return { id, idPattern, type: type === undefined ? undefined : parseTypeExpr(type, expand) };
}

/** Clause 5.2.23: the selectors are OR-ed; one alone is just the filter's own members. */
function applySelectors(selectors: Selector[], filter: EntityFilter): void {
  if (selectors.length > 1) {
    filter.selectors = selectors.map(toFilterSelector);
    return;
  }
  Object.assign(filter, toFilterSelector(selectors[0]));
}

function toFilterSelector(s: Selector): EntitySelector {
  const out: EntitySelector = {};
  if (s.id !== undefined) out.ids = [s.id];
  if (s.idPattern !== undefined) out.idPattern = s.idPattern;
  if (s.type !== undefined) out.type = s.type;
  return out;
}

export function parseQueryBody(doc: unknown, ctx: CompiledContext): { filter: EntityFilter; attrs?: string[]; lang?: string } {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new NgsiError('BadRequestData', 'The query must be a JSON object');
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN.has(k)) throw new NgsiError('BadRequestData', `Unknown member '${k}' in Query`);
  if (o.type !== 'Query') throw new NgsiError('BadRequestData', "A Query needs \"type\": \"Query\"");
  if (o.temporalQ !== undefined) throw new NgsiError('OperationNotSupported', 'temporalQ belongs to the temporal API');
  // csf is a Query member (clause 5.2.23) Weft has not built: refuse it, never ignore it
  // (the GET form's csf parameter answers the same, params/allowed).
  if (o.csf !== undefined) throw new NgsiError('OperationNotSupported', "Query member 'csf' is not supported yet");
  const expand = (t: string): string => ctx.expandTerm(t);
  const filter: EntityFilter = {};
  if (o.entities !== undefined) {
    if (!Array.isArray(o.entities) || o.entities.length === 0) throw new NgsiError('BadRequestData', 'entities must be a non-empty array');
    applySelectors(o.entities.map((s, i) => parseSelector(s, i, expand)), filter);
  }
  let attrs: string[] | undefined;
  if (o.attrs !== undefined) {
    // Same rules as the GET attrs parameter (clause 6.4.3.2): a non-empty list of attribute
    // names. An empty list would otherwise filter out every entity without a word.
    if (!Array.isArray(o.attrs) || o.attrs.length === 0 || o.attrs.some((a) => typeof a !== 'string' || a.includes(','))) {
      throw new NgsiError('BadRequestData', 'Query.attrs must be a non-empty array of attribute names');
    }
    attrs = parseAttrList((o.attrs as string[]).join(','), expand);
    filter.attrs = attrs;
  }
  const q = optionalString(o, 'q', 'Query');
  if (q !== undefined) filter.q = parseQ(q, expand);
  if (o.geoQ !== undefined) {
    if (typeof o.geoQ !== 'object' || o.geoQ === null || Array.isArray(o.geoQ)) throw new NgsiError('BadRequestData', 'geoQ must be an object');
    const g = o.geoQ as Record<string, unknown>;
    // GeoQuery members (clause 5.2.13); anything else is a typo, not something to ignore.
    for (const k of Object.keys(g)) if (!GEO_KNOWN.has(k)) throw new NgsiError('BadRequestData', `Unknown member '${k}' in geoQ`);
    const geoQ = parseGeoQuery(
      {
        georel: optionalString(g, 'georel', 'geoQ'),
        geometry: optionalString(g, 'geometry', 'geoQ'),
        coordinates: typeof g.coordinates === 'string' ? g.coordinates : g.coordinates,
        geoproperty: optionalString(g, 'geoproperty', 'geoQ'),
      },
      expand,
    );
    if (!geoQ) throw new NgsiError('BadRequestData', 'geoQ needs georel, geometry and coordinates');
    filter.geoQ = geoQ;
  }
  const scopeQ = optionalString(o, 'scopeQ', 'Query');
  if (scopeQ !== undefined) filter.scopeQ = parseScopeQ(scopeQ);
  const lang = optionalString(o, 'lang', 'Query');
  return { filter, attrs, lang };
}
