/**
 * One attribute's value -> expanded Attribute instances (clause 4.5.2 - 4.5.x, 5.2).
 *
 * Accepted forms (normalized and concise, clause 4.5.x "concise representation"):
 *  - {type: <kind>, <value member>, ...}            normalized
 *  - {value|object|languageMap|vocab|json|valueList|objectList: ..., ...}
 *                                                   concise: the kind is the member's kind;
 *                                                   `value` holding a geometry, or on location /
 *                                                   observationSpace / operationSpace, is a GeoProperty
 *  - {type: "Point", coordinates: [...]}            concise GeoProperty (a bare geometry)
 *  - "text" / 42 / true / [1, 2]                    concise Property with that value
 *  - [instance, instance, ...]                      multi-attribute, distinct datasetIds (clause 4.5.5)
 * A JSON object without type and without a value member is rejected rather than taken as a
 * Property value: the concise form keeps `value` for objects (Orion-LD does the same).
 */
import type { Attribute, AttributeKind, Iri } from '../entity';
import { badRequest } from '../errors';
import type { CompiledContext } from '../jsonld/context';
import { GEOMETRY_TYPES, looksLikeGeometry } from './geo';
import { KIND_OF_MEMBER, VALUE_MEMBER, VALUE_MEMBERS, toKind } from './kinds';
import { GEO_NAMES, isPlainObject, parseMembers, type Site } from './members';
import { NGSI_LD_NULL, nullMarker } from './null';

const isNullish = (v: unknown): boolean => v === null || v === NGSI_LD_NULL;

/** A top-level attribute value: its instances, or null (delete the attribute) when site.allowNull. */
export function parseTopLevel(site: Site, value: unknown): Attribute[] | null {
  if (isNullish(value)) {
    if (site.allowNull) return null;
    throw badRequest(`Invalid ${site.label}: null is only accepted by merge and update operations, as a deletion`);
  }
  if (!isInstanceArray(value)) return [parseInstance(site, value)];

  // clause 4.5.5: a multi-attribute has at most one instance per datasetId, one default at most
  const seen = new Set<string | undefined>();
  return value.map((item) => {
    const inst = parseInstance(site, item);
    if (seen.has(inst.datasetId)) {
      const which = inst.datasetId === undefined ? 'more than one default instance (no datasetId)' : `datasetId '${inst.datasetId}' is used twice`;
      throw badRequest(`Invalid ${site.label}: ${which}`);
    }
    seen.add(inst.datasetId);
    return inst;
  });
}

/**
 * An array is a list of instances when every item is an object that looks like an attribute
 * (a kind `type`, a value member or a datasetId); otherwise it is a concise Property whose
 * value is the array. Orion-LD requires a datasetId in at least one item; we also recognise
 * typed items, so two default instances get a clear error instead of becoming a value.
 */
function isInstanceArray(value: unknown): value is unknown[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  return value.every((item) => isPlainObject(item) && (
    toKind(item.type) !== undefined || 'datasetId' in item || VALUE_MEMBERS.some((m) => m in item)
  ));
}

/** One instance (also used for sub-attributes, which have no multi-instance form). */
export function parseInstance(site: Site, raw: unknown): Attribute {
  if (!isPlainObject(raw)) {
    if (raw === null || raw === undefined) throw badRequest(`Invalid ${site.label}: the value must not be null`);
    // concise: a bare value is a Property (a GeoProperty for the geo names, which then fails below)
    return build(site, GEO_NAMES.has(site.iri) ? 'GeoProperty' : 'Property', { value: raw });
  }
  if ('type' in raw) {
    const kind = toKind(raw.type);
    if (kind !== undefined) return build(site, kind, raw);
    if (typeof raw.type === 'string' && GEOMETRY_TYPES.has(raw.type) && looksLikeGeometry(raw)) {
      return build(site, 'GeoProperty', { value: raw });
    }
    throw badRequest(`Invalid ${site.label}: type ${JSON.stringify(raw.type)} is not an attribute type (Property, Relationship, GeoProperty, LanguageProperty, VocabProperty, JsonProperty, ListProperty, ListRelationship)`);
  }
  const member = VALUE_MEMBERS.find((m) => m in raw);
  if (member === undefined) {
    throw badRequest(`Invalid ${site.label}: no type and no value member (value, object, languageMap, vocab, json, valueList or objectList)`);
  }
  let kind: AttributeKind = KIND_OF_MEMBER[member];
  if (kind === 'Property' && (GEO_NAMES.has(site.iri) || looksLikeGeometry(raw.value))) kind = 'GeoProperty';
  return build(site, kind, raw);
}

function build(site: Site, kind: AttributeKind, obj: Record<string, unknown>): Attribute {
  if (GEO_NAMES.has(site.iri) && kind !== 'GeoProperty') {
    throw badRequest(`Invalid ${site.label}: it must be a GeoProperty (clause 4.7), not a ${kind}`);
  }
  const member = VALUE_MEMBER[kind];
  const v = obj[member];
  // Deletion markers in merge/update fragments: the value member is "urn:ngsi-ld:null"
  // (for a LanguageProperty, languageMap {"@none": "urn:ngsi-ld:null"}, as Orion-LD reads it).
  if (site.allowNull && (isNullish(v) || (member === 'languageMap' && isPlainObject(v) && v['@none'] === NGSI_LD_NULL))) {
    const ds = obj.datasetId;
    return nullMarker(typeof ds === 'string' ? ds : undefined);
  }
  if (!(member in obj)) throw badRequest(`Invalid ${site.label}: a ${kind} needs a '${member}' member`);

  const { members, sub } = parseMembers(site, obj, kind, parseSub);
  const attr: Attribute = { type: kind, ...members, createdAt: site.now, modifiedAt: site.now };
  const subs = Object.entries(sub);
  if (subs.length > 0) attr.sub = Object.fromEntries(subs) as Record<Iri, Attribute>;
  return attr;
}

/** Sub-attribute: null becomes a deletion marker (merge fragments only). */
function parseSub(site: Site, value: unknown): Attribute {
  if (isNullish(value)) {
    if (site.allowNull) return nullMarker();
    throw badRequest(`Invalid ${site.label}: null is only accepted by merge and update operations, as a deletion`);
  }
  return parseInstance(site, value);
}

/** Public entry point: one attribute (expanded name) of a create/replace/append body. */
export function parseAttribute(name: Iri, value: unknown, ctx: CompiledContext, now: string): Attribute[] {
  const site: Site = { label: `attribute '${ctx.compactIri(name)}'`, iri: name, topLevel: true, allowNull: false, ctx, now };
  return parseTopLevel(site, value) as Attribute[];
}
