/**
 * Builders for the store contract: expanded entities and query ASTs written the way the
 * broker hands them to a store (every name an IRI).
 */
import type { Attribute, Entity, Geometry } from '../../src/ngsi/entity';
import type { AttrPath, CompareOp, EntityFilter, QNode, QValue, ScopeExpr, TypeExpr } from '../../src/ngsi/query/ast';

export const NS = 'https://example.org/ns#';
export const iri = (term: string): string => NS + term;
export const LOCATION = 'https://uri.etsi.org/ngsi-ld/location';

const STAMP = '2024-05-01T00:00:00Z';

export function entity(
  id: string,
  types: string[],
  attrs: Record<string, Attribute | Attribute[]>,
  scope?: string[],
): Entity {
  const e: Entity = { id, type: types.map(iri), createdAt: STAMP, modifiedAt: STAMP, attrs: {} };
  for (const [name, value] of Object.entries(attrs)) {
    e.attrs[name === 'location' ? LOCATION : iri(name)] = Array.isArray(value) ? value : [value];
  }
  if (scope) e.scope = scope;
  return e;
}

export const prop = (value: unknown, more: Partial<Attribute> = {}): Attribute => ({ type: 'Property', value, ...more });
export const rel = (object: string | string[]): Attribute => ({ type: 'Relationship', object });
export const point = (lon: number, lat: number): Attribute => ({
  type: 'GeoProperty',
  value: { type: 'Point', coordinates: [lon, lat] },
});
export const polygon = (ring: Array<[number, number]>): Geometry => ({ type: 'Polygon', coordinates: [ring] });

// ---- query AST builders ------------------------------------------------------------------

export const path = (attr: string, sub: string[] = [], keys: string[] = []): AttrPath => ({
  attr: attr === 'location' ? LOCATION : iri(attr),
  sub,
  keys,
});
export const num = (value: number): QValue => ({ kind: 'number', value });
export const str = (value: string): QValue => ({ kind: 'string', value });
export const bool = (value: boolean): QValue => ({ kind: 'boolean', value });
export const uri = (value: string): QValue => ({ kind: 'uri', value });
export const date = (value: string): QValue => ({ kind: 'dateTime', value, epochMs: Date.parse(value) });
export const range = (from: QValue, to: QValue): QValue => ({ kind: 'range', from, to });
export const list = (...items: QValue[]): QValue => ({ kind: 'list', items });

export const cmp = (p: AttrPath | string, op: CompareOp, value: QValue): QNode => ({
  kind: 'compare',
  path: typeof p === 'string' ? path(p) : p,
  op,
  value,
});
export const exists = (p: AttrPath | string): QNode => ({ kind: 'exists', path: typeof p === 'string' ? path(p) : p });
export const matches = (p: string, regex: string, negate = false): QNode => ({ kind: 'pattern', path: path(p), regex, negate });
export const and = (...items: QNode[]): QNode => ({ kind: 'and', items });
export const or = (...items: QNode[]): QNode => ({ kind: 'or', items });

export const type = (term: string): TypeExpr => ({ kind: 'type', iri: iri(term) });
export const typeAnd = (...items: TypeExpr[]): TypeExpr => ({ kind: 'and', items });
export const typeOr = (...items: TypeExpr[]): TypeExpr => ({ kind: 'or', items });

export const scope = (pattern: string): ScopeExpr => ({ kind: 'scope', segments: pattern.split('/').slice(1) });

export type Filter = EntityFilter;
