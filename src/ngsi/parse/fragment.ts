/**
 * Partial attribute update body (PATCH /entities/{id}/attrs/{attrId}, clause 5.6.4 / 6.7.3.1):
 * any subset of an attribute's members. `type` is optional; when given, the members must fit
 * it. Without it we cannot know whether `value` belongs to a Property or a GeoProperty, so
 * merge.patchAttribute checks the members again against the stored kind.
 */
import type { Attribute, AttributeKind } from '../entity';
import { badRequest } from '../errors';
import type { CompiledContext } from '../jsonld/context';
import { parseInstance } from './attribute';
import { toKind } from './kinds';
import { isPlainObject, parseMembers, type Site } from './members';
import { NGSI_LD_NULL } from './null';

export interface AttributeFragment {
  type?: AttributeKind;
  /** Members to replace: the value member, datasetId, observedAt, unitCode, objectType. */
  members: Partial<Attribute>;
  /** Sub-attributes to add or replace; null = delete that sub-attribute. */
  sub: Record<string, Attribute | null>;
}

export function parseAttributeFragment(value: unknown, ctx: CompiledContext, now: string): AttributeFragment {
  const site: Site = { label: 'attribute fragment', iri: '', topLevel: true, allowNull: true, ctx, now };
  if (!isPlainObject(value)) throw badRequest('Invalid attribute fragment: the body must be a JSON object');
  let type: AttributeKind | undefined;
  if ('type' in value) {
    type = toKind(value.type);
    if (type === undefined) throw badRequest(`Invalid attribute fragment: type ${JSON.stringify(value.type)} is not an attribute type`);
  }
  const { members, sub } = parseMembers(site, value, type, (subSite, v) => {
    if (v === null || v === NGSI_LD_NULL) return null;
    // A sub-attribute in a partial update is replaced whole, so its own members follow create rules.
    return parseInstance({ ...subSite, allowNull: false }, v);
  });
  const fragment: AttributeFragment = { members, sub };
  if (type !== undefined) fragment.type = type;
  return fragment;
}
