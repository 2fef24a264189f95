/**
 * The one query AST (ARCHITECTURE.md): every query language NGSI-LD defines (q, type
 * expressions, geoQ, scopeQ, id/idPattern/attrs) parses into these types, with every name
 * already expanded to an IRI. Consumers switch exhaustively over `kind`: the SQLite
 * translator (store/sqlite), the in-memory matcher (ngsi/query/matcher) and, later, the
 * MongoDB translator. Adding a kind must fail to compile in each of them.
 */
import type { Geometry, Iri } from '../entity';

/**
 * A path to what a q term compares (clause 4.9):
 *  `attr`            the attribute's value (Relationship: its object),
 *  `attr.sub.sub2`   a sub-attribute chain (`sub` holds expanded IRIs, except members such as
 *                    observedAt, unitCode, datasetId, createdAt, modifiedAt, kept literally),
 *  `attr[k1][k2]`    keys inside a compound (JSON object) value, kept literally (`keys`).
 */
export interface AttrPath {
  attr: Iri;
  sub: string[];
  keys: string[];
}

export type QValue =
  | { kind: 'number'; value: number }
  /**
   * `expanded`: the value expanded against the @context when it reads as a term or compact
   * IRI and expansion changes it; VocabProperty values are stored expanded (clause 4.9:
   * "the target value shall be expanded according to the @context"), so they compare with it.
   */
  | { kind: 'string'; value: string; expanded?: Iri }
  | { kind: 'boolean'; value: boolean }
  /**
   * ISO 8601 date-time, date or time, unquoted in q; `epochMs` pre-parsed: epoch milliseconds
   * for a date-time/date, milliseconds since midnight UTC for a time (ngsi/query/temporal).
   */
  | { kind: 'dateTime'; value: string; epochMs: number }
  /** An unquoted URI (typically a Relationship object); `expanded` as for strings. */
  | { kind: 'uri'; value: string; expanded?: Iri }
  | { kind: 'range'; from: QValue; to: QValue }
  | { kind: 'list'; items: QValue[] };

export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export type QNode =
  | { kind: 'and'; items: QNode[] }
  | { kind: 'or'; items: QNode[] }
  /** A bare attribute path: the attribute (or sub-attribute / key) exists. */
  | { kind: 'exists'; path: AttrPath }
  | { kind: 'compare'; path: AttrPath; op: CompareOp; value: QValue }
  /** `~=` (negate false) and `!~=` (negate true); `regex` is the pattern source. */
  | { kind: 'pattern'; path: AttrPath; regex: string; negate: boolean };

/** Entity type selection (clause 4.17): `,` and `|` are OR, `;` is AND, parentheses group. */
export type TypeExpr =
  | { kind: 'type'; iri: Iri }
  | { kind: 'and'; items: TypeExpr[] }
  | { kind: 'or'; items: TypeExpr[] };

export type GeoRel = 'near' | 'within' | 'contains' | 'intersects' | 'disjoint' | 'equals' | 'overlaps';

/** geoQ (clause 4.10): georel + geometry + coordinates + geoproperty (default `location`). */
export interface GeoQuery {
  georel: GeoRel;
  /** Metres, only with near. */
  maxDistance?: number;
  minDistance?: number;
  geometry: Geometry;
  geoproperty: Iri;
}

/**
 * scopeQ (clause 4.19). A scope pattern is a path of segments: `/Madrid/Gardens` is
 * ['Madrid','Gardens']; a `+` segment matches exactly one level; a final `#` matches the
 * path itself and every descendant (`/#` matches any scope).
 */
export type ScopeExpr =
  | { kind: 'scope'; segments: string[] }
  | { kind: 'and'; items: ScopeExpr[] }
  | { kind: 'or'; items: ScopeExpr[] };

/** One entry of a Query's `entities` list (clause 5.2.23 / 5.2.8 EntitySelector). */
export type EntitySelector = Pick<EntityFilter, 'ids' | 'idPattern' | 'type'>;

/** Everything that selects entities. All members are optional and AND-ed together. */
export interface EntityFilter {
  /** The entity matches at least one selector (POST /entityOperations/query `entities`). */
  selectors?: EntitySelector[];
  /** Entity ids (any of). */
  ids?: string[];
  /** Regular expression source matched against the whole id (anchored by the consumer? no: spec says "matches", we use RegExp.test). */
  idPattern?: string;
  type?: TypeExpr;
  /** The entity has at least one of these attributes (the `attrs` parameter as a filter). */
  attrs?: Iri[];
  q?: QNode;
  geoQ?: GeoQuery;
  scopeQ?: ScopeExpr;
}
