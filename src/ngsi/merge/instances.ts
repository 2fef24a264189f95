/**
 * Shared helpers for the update rules: instance look-up by datasetId (clause 4.5.5: the
 * default instance has none) and the system timestamps (clause 4.8): a new instance gets
 * createdAt = modifiedAt = now; an overwritten one keeps its createdAt and gets modifiedAt = now.
 * Every helper returns fresh objects so the input entity is never shared with the result.
 */
import type { Attribute, Entity, Iri } from '../entity';
import { notFound } from '../errors';

export interface AttrOutcome {
  /** Attribute names (IRIs) that changed; the broker compacts them. */
  updated: string[];
  notUpdated: { attributeName: string; reason: string }[];
}

/**
 * Copies the structure the rules modify (entity, type and scope arrays, attribute lists,
 * instances, sub-attribute maps). Value payloads (value, object, json, ...) are never
 * modified by any rule, so they are shared: deep-copying them (structuredClone) was the
 * largest cost of batch updates.
 */
export function cloneEntity(e: Entity): Entity {
  const attrs: Entity['attrs'] = {};
  for (const name of Object.keys(e.attrs)) attrs[name] = e.attrs[name].map(cloneAttribute);
  const out: Entity = { ...e, type: [...e.type], attrs };
  if (e.scope !== undefined) out.scope = [...e.scope];
  return out;
}

export function cloneAttribute(a: Attribute): Attribute {
  const out: Attribute = { ...a };
  if (a.sub !== undefined) {
    const sub: Record<Iri, Attribute> = {};
    for (const k of Object.keys(a.sub)) sub[k] = cloneAttribute(a.sub[k]);
    out.sub = sub;
  }
  return out;
}

export const describeDataset = (datasetId: string | undefined): string =>
  datasetId === undefined ? 'the default instance' : `the instance with datasetId '${datasetId}'`;

export function indexOfDataset(list: readonly Attribute[], datasetId: string | undefined): number {
  return list.findIndex((a) => a.datasetId === datasetId);
}

/** A new instance: both timestamps now, on its sub-attributes too. */
export function stampNew(a: Attribute, now: string): Attribute {
  const out = cloneAttribute(a);
  out.createdAt = now;
  out.modifiedAt = now;
  if (out.sub !== undefined) for (const k of Object.keys(out.sub)) out.sub[k] = stampNew(out.sub[k], now);
  return out;
}

/** `next` overwrites `prev`: keep prev's createdAt (and that of sub-attributes that existed). */
export function stampReplacing(next: Attribute, prev: Attribute | undefined, now: string): Attribute {
  const out = cloneAttribute(next);
  out.createdAt = prev?.createdAt ?? now;
  out.modifiedAt = now;
  if (out.sub !== undefined) {
    for (const k of Object.keys(out.sub)) out.sub[k] = stampReplacing(out.sub[k], prev?.sub?.[k], now);
  }
  return out;
}

/** The instance of `name` with `datasetId`, or ResourceNotFound naming what is missing. */
export function requireInstance(e: Entity, name: Iri, datasetId: string | undefined): { list: Attribute[]; index: number } {
  const list = e.attrs[name];
  if (list === undefined || list.length === 0) throw notFound(`Entity '${e.id}' has no attribute '${name}'`);
  const index = indexOfDataset(list, datasetId);
  if (index < 0) throw notFound(`Attribute '${name}' of entity '${e.id}' has no ${describeDataset(datasetId).replace(/^the /, '')}`);
  return { list, index };
}

export function addName(names: string[], name: string): void {
  if (!names.includes(name)) names.push(name);
}
