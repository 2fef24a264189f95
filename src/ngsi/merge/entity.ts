/**
 * Entity-level update rules: Merge Entity (clause 5.6.17), Replace Entity (5.6.18), batch
 * upsert (5.6.8) and type addition. Pure functions over the expanded model; inputs are never
 * mutated.
 */
import type { Attribute, Entity, Iri } from '../entity';
import { badRequest } from '../errors';
import type { EntityFragment } from '../parse';
import { isNullMarker } from '../parse/null';
import { appendAttributes } from './attributes';
import { cloneEntity, indexOfDataset, stampNew } from './instances';
import { mergeInstance } from './patch';

/**
 * Entity types are a set (clause 4.16 multi-typing): appending or merging with `type` adds the
 * new types and never removes one (Orion-LD and Stellio do the same for append and merge).
 */
export function addTypes(e: Entity, types: readonly Iri[], now: string): Entity {
  const out = cloneEntity(e);
  const added = types.filter((t) => !out.type.includes(t));
  if (added.length > 0) {
    out.type.push(...added);
    out.modifiedAt = now;
  }
  return out;
}

/**
 * PATCH /entities/{id} (clause 5.6.17, Merge Entity; merge-patch semantics, RFC 7396):
 *  - an attribute instance (matched by datasetId) is merged member by member (see mergeInstance):
 *    given members replace, missing members stay (observedAt, unitCode, sub-attributes...)
 *  - a new attribute or instance is added
 *  - null deletes an attribute; an instance / sub-attribute with "urn:ngsi-ld:null" deletes it;
 *    deleting something absent is not an error (nothing to merge)
 *  - types are added (a set); scope is replaced, and deleted by null
 */
export function mergeEntity(e: Entity, frag: EntityFragment, now: string): Entity {
  if (frag.id !== undefined && frag.id !== e.id) {
    throw badRequest(`Invalid entity fragment: id '${frag.id}' does not match the entity '${e.id}'`);
  }
  const out = frag.type === undefined ? cloneEntity(e) : addTypes(e, frag.type, now);
  if (frag.scope === null) delete out.scope;
  else if (frag.scope !== undefined) out.scope = [...frag.scope];

  for (const [name, instances] of Object.entries(frag.attrs)) {
    if (instances === null) {
      delete out.attrs[name];
      continue;
    }
    const list = out.attrs[name] ?? [];
    for (const inst of instances) {
      const i = indexOfDataset(list, inst.datasetId);
      if (isNullMarker(inst)) {
        if (i >= 0) list.splice(i, 1);
      } else if (i < 0) {
        list.push(stampNew(withoutMarkers(inst), now));
      } else {
        const { type, sub, ...members } = inst;
        list[i] = mergeInstance(list[i], { type, members, sub: sub ?? {} }, `attribute '${name}'`, now);
      }
    }
    if (list.length > 0) out.attrs[name] = list;
    else delete out.attrs[name];
  }
  out.modifiedAt = now;
  return out;
}

// A brand-new instance cannot delete sub-attributes it never had: drop its markers.
function withoutMarkers(a: Attribute): Attribute {
  if (a.sub === undefined) return a;
  const sub = Object.fromEntries(Object.entries(a.sub).filter(([, s]) => !isNullMarker(s)));
  const { sub: _drop, ...rest } = a;
  return Object.keys(sub).length > 0 ? { ...rest, sub } : rest;
}

/**
 * PUT /entities/{id} (clause 5.6.18, Replace Entity): everything but the id and the entity's
 * createdAt comes from the replacement; its attributes are new (createdAt = now).
 */
export function replaceEntity(e: Entity, replacement: Entity, now: string): Entity {
  const out: Entity = { id: e.id, type: [...replacement.type], createdAt: e.createdAt, modifiedAt: now, attrs: {} };
  if (replacement.scope !== undefined) out.scope = [...replacement.scope];
  for (const [name, instances] of Object.entries(replacement.attrs)) {
    out.attrs[name] = instances.map((a) => stampNew(a, now));
  }
  return out;
}

/**
 * Batch upsert (clause 5.6.8): a missing entity is created; with mode 'replace' an existing
 * one is replaced whole (5.6.18); with 'update' its types are added and its attributes
 * appended with overwrite (5.6.3, noOverwrite false); a given scope replaces the old one.
 */
export function upsertEntity(current: Entity | undefined, incoming: Entity, mode: 'update' | 'replace', now: string): Entity {
  if (current === undefined) {
    const created = replaceEntity(incoming, incoming, now);
    created.createdAt = now;
    return created;
  }
  if (mode === 'replace') return replaceEntity(current, incoming, now);
  const typed = addTypes(current, incoming.type, now);
  const { entity } = appendAttributes(typed, incoming.attrs, { noOverwrite: false, now });
  if (incoming.scope !== undefined) entity.scope = [...incoming.scope];
  entity.modifiedAt = now;
  return entity;
}
