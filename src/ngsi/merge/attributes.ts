/**
 * Attribute-level update rules over the expanded model. Pure: each takes an Entity and returns
 * a new one (the input is never mutated), with the system timestamps of clause 4.8.
 */
import type { Attribute, Entity, Iri } from '../entity';
import { notFound } from '../errors';
import {
  type AttrOutcome, addName, cloneEntity, describeDataset, indexOfDataset, requireInstance, stampNew, stampReplacing,
} from './instances';

/**
 * POST /entities/{id}/attrs (clause 5.6.3, Append Entity Attributes): each instance is added,
 * or replaces the instance with the same datasetId; with noOverwrite an existing instance is
 * kept and reported in notUpdated.
 */
export function appendAttributes(
  e: Entity, attrs: Record<string, Attribute[]>, opts: { noOverwrite: boolean; now: string },
): { entity: Entity } & AttrOutcome {
  const out = cloneEntity(e);
  const outcome: AttrOutcome = { updated: [], notUpdated: [] };
  for (const [name, instances] of Object.entries(attrs)) {
    const list = out.attrs[name] ?? [];
    for (const inst of instances) {
      const i = indexOfDataset(list, inst.datasetId);
      if (i < 0) {
        list.push(stampNew(inst, opts.now));
      } else if (opts.noOverwrite) {
        outcome.notUpdated.push({ attributeName: name, reason: `${describeDataset(inst.datasetId)} already exists and noOverwrite was requested` });
        continue;
      } else {
        list[i] = stampReplacing(inst, list[i], opts.now);
      }
      addName(outcome.updated, name);
    }
    if (list.length > 0) out.attrs[name] = list;
  }
  if (outcome.updated.length > 0) out.modifiedAt = opts.now;
  return { entity: out, ...outcome };
}

/**
 * PATCH /entities/{id}/attrs (clause 5.6.2, Update Entity Attributes): only instances that
 * exist (same name, same datasetId) are replaced; anything else is reported in notUpdated.
 */
export function updateAttributes(e: Entity, attrs: Record<string, Attribute[]>, now: string): { entity: Entity } & AttrOutcome {
  const out = cloneEntity(e);
  const outcome: AttrOutcome = { updated: [], notUpdated: [] };
  for (const [name, instances] of Object.entries(attrs)) {
    const list = out.attrs[name];
    for (const inst of instances) {
      const i = list === undefined ? -1 : indexOfDataset(list, inst.datasetId);
      if (list === undefined || i < 0) {
        const reason = list === undefined ? 'attribute not found in the entity' : `${describeDataset(inst.datasetId)} of the attribute does not exist`;
        outcome.notUpdated.push({ attributeName: name, reason });
        continue;
      }
      list[i] = stampReplacing(inst, list[i], now);
      addName(outcome.updated, name);
    }
  }
  if (outcome.updated.length > 0) out.modifiedAt = now;
  return { entity: out, ...outcome };
}

/**
 * PUT /entities/{id}/attrs/{attrId} (clause 5.6.19, Replace Attribute): each given instance
 * replaces the existing instance with its datasetId; the attribute or that instance missing
 * is ResourceNotFound (nothing is created, unlike append).
 */
export function replaceAttribute(e: Entity, name: string, instances: Attribute[], now: string): Entity {
  const out = cloneEntity(e);
  for (const inst of instances) {
    const { index } = requireInstance(out, name, inst.datasetId);
    out.attrs[name][index] = stampReplacing(inst, out.attrs[name][index], now);
  }
  out.modifiedAt = now;
  return out;
}

/**
 * DELETE /entities/{id}/attrs/{attrId} (clause 5.6.5): the default instance, or the one with
 * `datasetId`, or every instance with deleteAll; missing -> ResourceNotFound.
 */
export function deleteAttribute(e: Entity, name: Iri, opts: { datasetId?: string; deleteAll: boolean; now: string }): Entity {
  const out = cloneEntity(e);
  if (opts.deleteAll) {
    if (!(name in out.attrs)) throw notFound(`Entity '${e.id}' has no attribute '${name}'`);
    delete out.attrs[name];
  } else {
    const { index } = requireInstance(out, name, opts.datasetId);
    out.attrs[name].splice(index, 1);
    if (out.attrs[name].length === 0) delete out.attrs[name];
  }
  out.modifiedAt = opts.now;
  return out;
}
