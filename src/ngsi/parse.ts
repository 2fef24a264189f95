/**
 * User NGSI-LD documents -> the expanded model (ARCHITECTURE.md "Internal representation").
 * This is the inward @context edge: every attribute name and entity type is expanded here,
 * with the request's CompiledContext; nothing past this point sees a term.
 * Attribute-level rules live in ./parse/*; this file handles the entity level (clause 4.5.1,
 * 5.2.4) and re-exports the public parsing API.
 */
import { ENTITY_MEMBERS, type Attribute, type Entity, type Iri } from './entity';
import { badRequest } from './errors';
import type { CompiledContext } from './jsonld/context';
import { isUri } from './uri';
import { parseTopLevel } from './parse/attribute';
import { isPlainObject, type Site } from './parse/members';
import { parseScope, validateAttributeName, validateTypeName } from './parse/names';
import { NGSI_LD_NULL } from './parse/null';

export { parseAttribute } from './parse/attribute';
export { parseAttributeFragment, type AttributeFragment } from './parse/fragment';
export { validateAttributeName } from './parse/names';
export { NGSI_LD_NULL, isNullMarker } from './parse/null';
export { isDateTime } from './parse/datetime';
export { isUri } from './uri';

export interface EntityFragment {
  id?: string;
  type?: string[];
  /** undefined: unchanged; null: delete the scope (merge). */
  scope?: string[] | null;
  /** null: delete the attribute. An instance whose value member is "urn:ngsi-ld:null" deletes that instance (see parse/null). */
  attrs: Record<string, Attribute[] | null>;
}

/** Full entity for create, replace and upsert: id and type required (clause 5.6.1, 5.6.18, 5.6.8). */
export function parseEntity(doc: unknown, ctx: CompiledContext, now: string): Entity {
  const body = entityObject(doc);
  if (!('id' in body)) throw badRequest("Invalid entity: the 'id' member is required");
  if (!('type' in body)) throw badRequest("Invalid entity: the 'type' member is required");
  const id = parseId(body.id);
  const type = parseTypes(body.type, ctx);
  const entity: Entity = { id, type, createdAt: now, modifiedAt: now, attrs: {} };
  if ('scope' in body) entity.scope = parseScope(body.scope);
  entity.attrs = parseAttrs(body, ctx, now, false, id) as Record<Iri, Attribute[]>;
  return entity;
}

/** Bodies of append, update and merge (clause 5.6.2, 5.6.3, 5.6.17): everything optional. */
export function parseEntityFragment(doc: unknown, ctx: CompiledContext, now: string, opts: { allowNull: boolean }): EntityFragment {
  const body = entityObject(doc);
  const fragment: EntityFragment = { attrs: {} };
  if ('id' in body) fragment.id = parseId(body.id);
  if ('type' in body) fragment.type = parseTypes(body.type, ctx);
  if ('scope' in body) {
    if (body.scope === null || body.scope === NGSI_LD_NULL) {
      if (!opts.allowNull) throw badRequest('Invalid scope: null is only accepted by merge operations, as a deletion');
      fragment.scope = null;
    } else {
      fragment.scope = parseScope(body.scope);
    }
  }
  fragment.attrs = parseAttrs(body, ctx, now, opts.allowNull, fragment.id);
  return fragment;
}

function entityObject(doc: unknown): Record<string, unknown> {
  if (!isPlainObject(doc)) throw badRequest('Invalid entity: the body must be a JSON object');
  return doc;
}

function parseId(id: unknown): string {
  if (typeof id !== 'string' || !isUri(id)) throw badRequest(`Invalid entity id ${JSON.stringify(id)}: it must be a URI (clause 4.5.1)`);
  return id;
}

// clause 4.5.1 / 5.2.4: type is one name or a non-empty array of names (multi-typing, 4.16); a set.
function parseTypes(type: unknown, ctx: CompiledContext): Iri[] {
  const names = Array.isArray(type) ? type : [type];
  if (names.length === 0) throw badRequest('Invalid entity type: empty array');
  const out: Iri[] = [];
  for (const t of names) {
    if (typeof t !== 'string') throw badRequest(`Invalid entity type ${JSON.stringify(t)}: it must be a string`);
    validateTypeName(t);
    const iri = ctx.expandTerm(t);
    if (!out.includes(iri)) out.push(iri);
  }
  return out;
}

function parseAttrs(
  body: Record<string, unknown>, ctx: CompiledContext, now: string, allowNull: boolean, id: string | undefined,
): Record<Iri, Attribute[] | null> {
  const attrs: Record<Iri, Attribute[] | null> = {};
  const entityLabel = id === undefined ? '' : ` of entity '${id}'`;
  for (const [term, value] of Object.entries(body)) {
    // @context is the request's, already compiled; createdAt/modifiedAt/deletedAt are system-generated
    if (ENTITY_MEMBERS.has(term)) continue;
    validateAttributeName(term);
    const iri = ctx.expandTerm(term);
    if (iri in attrs) throw badRequest(`Invalid entity: attribute '${term}' is given twice (two terms expand to ${iri})`);
    const site: Site = { label: `attribute '${term}'${entityLabel}`, iri, topLevel: true, allowNull, ctx, now };
    attrs[iri] = parseTopLevel(site, value);
  }
  return attrs;
}
