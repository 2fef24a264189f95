/**
 * Bodies of POST /temporal/entities and POST /temporal/entities/{id}/attrs (clause 5.6.11,
 * 5.6.12): an entity whose attributes are arrays of instances in time. Unlike a plain
 * entity, several instances may share a datasetId (they are points of one history), so
 * each instance is parsed on its own with the ordinary attribute rules.
 */
import { ENTITY_MEMBERS, type Attribute, type Iri } from '../entity';
import { badRequest } from '../errors';
import type { CompiledContext } from '../jsonld/context';
import { parseAttribute, parseEntity, validateAttributeName } from '../parse';
import type { TemporalEntityInput } from './model';

function body(doc: unknown): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw badRequest('The payload must be a JSON object');
  return doc as Record<string, unknown>;
}

function parseAttrs(o: Record<string, unknown>, ctx: CompiledContext, now: string): Record<Iri, Attribute[]> {
  const attrs: Record<Iri, Attribute[]> = {};
  for (const [term, value] of Object.entries(o)) {
    if (ENTITY_MEMBERS.has(term)) continue;
    validateAttributeName(term);
    const iri = ctx.expandTerm(term);
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0) throw badRequest(`Attribute '${term}' has no instance`);
    attrs[iri] = list.map((raw) => {
      // instanceId is assigned by the broker when recorded; a client's one is not kept.
      const inst = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
      if (typeof inst === 'object' && inst !== null) delete (inst as Record<string, unknown>).instanceId;
      return parseAttribute(iri, inst, ctx, now)[0];
    });
  }
  return attrs;
}

/** Clause 5.6.11: id and type required. */
export function parseTemporalEntity(doc: unknown, ctx: CompiledContext, now: string): TemporalEntityInput {
  const o = body(doc);
  const shell = parseEntity({ id: o.id, type: o.type, ...(o.scope === undefined ? {} : { scope: o.scope }) }, ctx, now);
  const out: TemporalEntityInput = { id: shell.id, type: shell.type, attrs: parseAttrs(o, ctx, now) };
  if (shell.scope !== undefined) out.scope = shell.scope;
  return out;
}

/** Clause 5.6.12: attributes only (an id, if given, must be the path's). */
export function parseTemporalAttrs(doc: unknown, id: string, ctx: CompiledContext, now: string): TemporalEntityInput {
  const o = body(doc);
  if (o.id !== undefined && o.id !== id) throw badRequest(`The id in the payload (${String(o.id)}) differs from the id in the URL (${id})`);
  return { id, attrs: parseAttrs(o, ctx, now) };
}
