/**
 * Validation of the members of one attribute instance (clause 4.5.2 - 4.5.x, 5.2.5 - 5.2.40):
 * the value member of its kind, datasetId, observedAt, unitCode, objectType; everything else
 * is a sub-attribute, parsed by the caller-supplied `parseSub` (recursion lives in attribute.ts).
 * Shared by full attribute parsing and partial attribute fragments, which differ only in
 * whether the kind is known and whether sub-attributes may be null.
 */
import { ATTRIBUTE_MEMBERS, type Attribute, type AttributeKind, type Iri, LOCATION_IRI, NGSI_LD } from '../entity';
import { badRequest } from '../errors';
import type { CompiledContext } from '../jsonld/context';
import { isUri } from '../uri';
import { isDateTime } from './datetime';
import { geometryProblem } from './geo';
import { VALUE_MEMBER, VALUE_MEMBERS, type ValueMember } from './kinds';
import { validateAttributeName } from './names';
import { NGSI_LD_NULL } from './null';

/** Where we are: names for error details, and what the operation allows. */
export interface Site {
  /** How the attribute is named in errors: "attribute 'speed'" or "sub-attribute 'accuracy' of 'speed'". */
  label: string;
  iri: Iri;
  /** Top-level attributes may carry datasetId; sub-attributes may not. */
  topLevel: boolean;
  /** Merge/update fragments: null or "urn:ngsi-ld:null" marks a deletion. */
  allowNull: boolean;
  ctx: CompiledContext;
  now: string;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** clause 4.7: these core attributes are GeoProperties by definition. */
export const GEO_NAMES: ReadonlySet<Iri> = new Set([LOCATION_IRI, `${NGSI_LD}observationSpace`, `${NGSI_LD}operationSpace`]);

// Set by the system; a client copy of an entity (GET then PUT) carries them, so they are ignored.
const SYSTEM_MEMBERS = new Set(['createdAt', 'modifiedAt']);

const NOT_ALLOWED_UNIT: ReadonlySet<AttributeKind> = new Set(['Relationship', 'ListRelationship']);
const RELATIONSHIP_KINDS: ReadonlySet<AttributeKind> = new Set(['Relationship', 'ListRelationship']);

const fail = (site: Site, problem: string) => badRequest(`Invalid ${site.label}: ${problem}`);

/** Validates (and for vocab, expands) one value member; `kind` narrows 'value' to Property or GeoProperty. */
export function parseValueMember(site: Site, member: ValueMember, v: unknown, kind: AttributeKind | undefined): unknown {
  // clause 5.2.1: no member admits null; deletion uses "urn:ngsi-ld:null", handled before this.
  if (v === null || v === undefined) return reject(site, `'${member}' must not be null`);
  if (v === NGSI_LD_NULL) {
    return reject(site, `'${member}' is "${NGSI_LD_NULL}", which only merge and update operations accept as a deletion`);
  }
  switch (member) {
    case 'value': {
      if (kind === 'GeoProperty') {
        const problem = geometryProblem(v);
        if (problem !== undefined) return reject(site, `value is not a valid GeoJSON geometry: ${problem}`);
      }
      return v; // Property values are kept as given, JSON objects included (no key expansion)
    }
    case 'object': {
      if (typeof v === 'string') return checkUri(site, 'object', v);
      if (Array.isArray(v) && v.length > 0) return v.map((o) => checkUri(site, 'object', o));
      return reject(site, "'object' must be a URI or a non-empty array of URIs");
    }
    case 'languageMap': return parseLanguageMap(site, v);
    case 'vocab': {
      const expand = (w: unknown): string => {
        if (typeof w !== 'string' || w.length === 0) return reject(site, "'vocab' items must be non-empty strings");
        return site.ctx.expandTerm(w);
      };
      if (Array.isArray(v)) {
        if (v.length === 0) return reject(site, "'vocab' must not be an empty array");
        return v.map(expand);
      }
      return expand(v);
    }
    case 'json': return v; // clause 4.5.x JsonProperty: any JSON, never interpreted
    case 'valueList': {
      if (!Array.isArray(v)) return reject(site, "'valueList' must be an array");
      return v;
    }
    case 'objectList': {
      if (!Array.isArray(v)) return reject(site, "'objectList' must be an array");
      // clause 5.2.38: items are URIs, or {"object": URI} in the normalized form; stored as URIs
      return v.map((item) => checkUri(site, 'objectList', isPlainObject(item) ? item.object : item));
    }
  }
}

function reject(site: Site, problem: string): never {
  throw fail(site, problem);
}

function checkUri(site: Site, member: string, v: unknown): string {
  if (typeof v !== 'string' || !isUri(v)) return reject(site, `'${member}' ${JSON.stringify(v)} is not a valid URI`);
  return v;
}

// BCP 47 shape (RFC 5646 2.1), checked loosely; "@none" is the JSON-LD key for no language.
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/;

function parseLanguageMap(site: Site, v: unknown): Record<string, string | string[]> {
  if (!isPlainObject(v)) return reject(site, "'languageMap' must be an object of language tag -> string");
  const keys = Object.keys(v);
  if (keys.length === 0) return reject(site, "'languageMap' must not be empty");
  for (const tag of keys) {
    if (tag !== '@none' && !LANGUAGE_TAG.test(tag)) return reject(site, `'${tag}' is not a language tag`);
    const text = v[tag];
    const ok = typeof text === 'string' || (Array.isArray(text) && text.length > 0 && text.every((t) => typeof t === 'string'));
    if (!ok) return reject(site, `languageMap['${tag}'] must be a string or an array of strings`);
  }
  return v as Record<string, string | string[]>;
}

export interface ParsedMembers {
  members: Partial<Attribute>;
  /** Sub-attributes by IRI; null only when site.allowNull (deletion). */
  sub: Record<Iri, Attribute | null>;
  /** The value member found, if any. */
  valueMember: ValueMember | undefined;
}

/**
 * Walks an attribute object's members. `kind` is the declared or inferred kind, or undefined
 * for a partial fragment without type. `parseSub` parses a sub-attribute value.
 */
export function parseMembers(
  site: Site,
  obj: Record<string, unknown>,
  kind: AttributeKind | undefined,
  parseSub: (subSite: Site, value: unknown) => Attribute | null,
): ParsedMembers {
  const members: Partial<Attribute> = {};
  const sub: Record<Iri, Attribute | null> = {};
  let valueMember: ValueMember | undefined;

  for (const [key, v] of Object.entries(obj)) {
    if (key === 'type' || SYSTEM_MEMBERS.has(key)) continue;
    if ((VALUE_MEMBERS as readonly string[]).includes(key)) {
      const member = key as ValueMember;
      if (kind !== undefined && VALUE_MEMBER[kind] !== member) {
        reject(site, `member '${member}' is not allowed in a ${kind} (it takes '${VALUE_MEMBER[kind]}')`);
      }
      if (valueMember !== undefined) reject(site, `it has both '${valueMember}' and '${member}'`);
      valueMember = member;
      (members as Record<string, unknown>)[member] = parseValueMember(site, member, v, kind);
      continue;
    }
    switch (key) {
      case 'datasetId':
        if (!site.topLevel) reject(site, 'datasetId is only allowed on attributes, not on sub-attributes');
        members.datasetId = checkUri(site, 'datasetId', v);
        continue;
      case 'observedAt':
        if (!isDateTime(v)) reject(site, `observedAt ${JSON.stringify(v)} is not an ISO 8601 date-time`);
        members.observedAt = v as string;
        continue;
      case 'unitCode':
        if (kind !== undefined && NOT_ALLOWED_UNIT.has(kind)) reject(site, `unitCode is not allowed in a ${kind}`);
        if (typeof v !== 'string' || v.length === 0) reject(site, 'unitCode must be a non-empty string');
        members.unitCode = v as string;
        continue;
      case 'objectType':
        // clause 5.2.6: objectType is the type of the target entity, an expanded type name
        if (kind !== undefined && !RELATIONSHIP_KINDS.has(kind)) reject(site, `objectType is only allowed in a Relationship, not in a ${kind}`);
        if (typeof v !== 'string' || v.length === 0) reject(site, 'objectType must be a non-empty string');
        members.objectType = site.ctx.expandTerm(v as string);
        continue;
    }
    if (key === 'id' || key.startsWith('@') || ATTRIBUTE_MEMBERS.has(key)) {
      reject(site, `member '${key}' is not allowed inside an attribute`);
    }
    // Anything else is a sub-attribute (a property or relationship of the attribute).
    validateAttributeName(key);
    const iri = site.ctx.expandTerm(key);
    if (iri in sub) reject(site, `sub-attribute '${key}' is given twice (two terms expand to ${iri})`);
    const subSite: Site = {
      label: `sub-attribute '${key}' of ${site.label}`,
      iri, topLevel: false, allowNull: site.allowNull, ctx: site.ctx, now: site.now,
    };
    sub[iri] = parseSub(subSite, v);
  }
  return { members, sub, valueMember };
}
