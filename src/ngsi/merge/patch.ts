/**
 * Member-wise merge of one attribute instance, shared by Partial Attribute Update (clause
 * 5.6.4) and Merge Entity (clause 5.6.17, merge-patch semantics of RFC 7396): members given
 * replace, members not given stay, sub-attributes are merged one level (given ones replace or
 * are added, null / "urn:ngsi-ld:null" ones are deleted).
 *
 * The kind of an existing attribute cannot change this way: the spec is silent, and both
 * Orion-LD ("Attempt to transform a Property into a Relationship", pCheckAttribute.cpp) and
 * Stellio (PR #1051) answer BadRequestData; mixing members of two kinds would otherwise leave
 * an instance with a stale value member. Full replacement (append, update, PUT) may change it.
 */
import type { Attribute, AttributeKind, Entity, Iri } from '../entity';
import { badRequest } from '../errors';
import type { AttributeFragment } from '../parse/fragment';
import { geometryProblem } from '../parse/geo';
import { VALUE_MEMBER, VALUE_MEMBERS } from '../parse/kinds';
import { isNullMarker } from '../parse/null';
import { cloneEntity, cloneAttribute, requireInstance, stampReplacing } from './instances';

const RELATIONSHIP_KINDS: ReadonlySet<AttributeKind> = new Set(['Relationship', 'ListRelationship']);
// Identity and system members: never taken from a patch.
const KEPT = new Set(['type', 'datasetId', 'createdAt', 'modifiedAt', 'sub']);

export function mergeInstance(
  prev: Attribute,
  change: { type?: AttributeKind; members: Partial<Attribute>; sub: Record<string, Attribute | null> },
  label: string,
  now: string,
): Attribute {
  if (change.type !== undefined && change.type !== prev.type) {
    throw badRequest(`Invalid ${label}: attempt to transform a ${prev.type} into a ${change.type}`);
  }
  const out = cloneAttribute(prev);
  for (const [key, v] of Object.entries(change.members)) {
    if (KEPT.has(key) || v === undefined) continue;
    checkMemberFits(prev.type, key, v, label);
    (out as unknown as Record<string, unknown>)[key] = v;
  }
  const subs = Object.entries(change.sub);
  if (subs.length > 0) {
    const merged: Record<Iri, Attribute> = { ...(out.sub ?? {}) };
    for (const [k, s] of subs) {
      if (s === null || isNullMarker(s)) delete merged[k];
      else merged[k] = stampReplacing(s, prev.sub?.[k], now);
    }
    if (Object.keys(merged).length > 0) out.sub = merged;
    else delete out.sub;
  }
  out.createdAt = prev.createdAt ?? now;
  out.modifiedAt = now;
  return out;
}

// The fragment parser could not know the stored kind; check the members against it now.
function checkMemberFits(kind: AttributeKind, key: string, v: unknown, label: string): void {
  if ((VALUE_MEMBERS as readonly string[]).includes(key)) {
    if (VALUE_MEMBER[kind] !== key) {
      throw badRequest(`Invalid ${label}: member '${key}' is not allowed in a ${kind} (it takes '${VALUE_MEMBER[kind]}')`);
    }
    if (kind === 'GeoProperty') {
      const problem = geometryProblem(v);
      if (problem !== undefined) throw badRequest(`Invalid ${label}: value is not a valid GeoJSON geometry: ${problem}`);
    }
  } else if (key === 'unitCode' && RELATIONSHIP_KINDS.has(kind)) {
    throw badRequest(`Invalid ${label}: unitCode is not allowed in a ${kind}`);
  } else if (key === 'objectType' && !RELATIONSHIP_KINDS.has(kind)) {
    throw badRequest(`Invalid ${label}: objectType is only allowed in a Relationship, not in a ${kind}`);
  }
}

/**
 * PATCH /entities/{id}/attrs/{attrId} (clause 5.6.4): partial update of one instance, chosen by
 * `datasetId` (the request's) or else the fragment's own datasetId; absent -> ResourceNotFound.
 */
export function patchAttribute(e: Entity, name: string, frag: AttributeFragment, datasetId: string | undefined, now: string): Entity {
  const ds = datasetId ?? frag.members.datasetId;
  const { list, index } = requireInstance(e, name, ds);
  const merged = mergeInstance(list[index], frag, `attribute '${name}'`, now);
  const out = cloneEntity(e);
  out.attrs[name] = out.attrs[name].map((a, i) => (i === index ? merged : a));
  out.modifiedAt = now;
  return out;
}
