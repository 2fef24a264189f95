/**
 * Weft's internal, *expanded* entity model (ARCHITECTURE.md, "Internal representation").
 * Every name here is a full IRI: entity types, attribute names, sub-attribute names and
 * VocabProperty values. Values themselves (Property.value, JsonProperty.json, ...) are kept
 * exactly as the client sent them. The request's @context only matters at the edges:
 * ngsi/parse turns a user document into this, ngsi/render turns this back into terms.
 */

export type AttributeKind =
  | 'Property'
  | 'GeoProperty'
  | 'Relationship'
  | 'LanguageProperty'
  | 'VocabProperty'
  | 'JsonProperty'
  | 'ListProperty'
  | 'ListRelationship';

export const ATTRIBUTE_KINDS: readonly AttributeKind[] = [
  'Property', 'GeoProperty', 'Relationship', 'LanguageProperty',
  'VocabProperty', 'JsonProperty', 'ListProperty', 'ListRelationship',
];

/** Expanded IRI (entity type, attribute name, vocab value). A plain alias: it documents the side of the @context edge. */
export type Iri = string;

/** Geometry as GeoJSON (RFC 7946) geometry object. */
export interface Geometry {
  type: 'Point' | 'MultiPoint' | 'LineString' | 'MultiLineString' | 'Polygon' | 'MultiPolygon';
  coordinates: unknown;
}

/**
 * One instance of an attribute (an attribute may have several, told apart by datasetId).
 * Exactly one of the value members is present, according to `type`:
 *  Property: value; GeoProperty: value (Geometry); Relationship: object;
 *  LanguageProperty: languageMap; VocabProperty: vocab (expanded IRIs);
 *  JsonProperty: json; ListProperty: valueList; ListRelationship: objectList.
 */
export interface Attribute {
  type: AttributeKind;
  value?: unknown;
  object?: string | string[];
  objectType?: Iri;
  languageMap?: Record<string, string | string[]>;
  vocab?: Iri | Iri[];
  json?: unknown;
  valueList?: unknown[];
  objectList?: string[];
  datasetId?: string;
  observedAt?: string;
  unitCode?: string;
  createdAt?: string;
  modifiedAt?: string;
  /** Sub-attributes (properties/relationships of this attribute), keyed by expanded IRI. */
  sub?: Record<Iri, Attribute>;
}

export interface Entity {
  id: string;
  /** One or more expanded entity type IRIs. */
  type: Iri[];
  scope?: string[];
  createdAt: string;
  modifiedAt: string;
  /** Attribute instances keyed by expanded attribute IRI; at most one instance per datasetId (undefined = default instance). */
  attrs: Record<Iri, Attribute[]>;
}

/** Member names that are part of an attribute's structure rather than sub-attributes. */
export const ATTRIBUTE_MEMBERS = new Set([
  'type', 'value', 'object', 'objectType', 'languageMap', 'vocab', 'json', 'valueList', 'objectList',
  'datasetId', 'observedAt', 'unitCode', 'createdAt', 'modifiedAt', 'deletedAt', 'instanceId', 'previousValue',
  'previousObject', 'previousLanguageMap', 'previousVocab', 'previousJson', 'previousValueList', 'previousObjectList', 'lang',
]);

/** Member names of an entity that are not attributes. */
export const ENTITY_MEMBERS = new Set(['id', 'type', 'scope', 'createdAt', 'modifiedAt', 'deletedAt', '@context']);

/** NGSI-LD's default GeoProperty name (expanded). */
export const NGSI_LD = 'https://uri.etsi.org/ngsi-ld/';
export const LOCATION_IRI = `${NGSI_LD}location`;
