/**
 * Linked entity retrieval (clause 4.5.23: join=flat|inline, joinLevel): which entities an
 * entity points at, how to gather them hop by hop, and the inline rendering of them. Pure
 * but for the `read` the caller hands in: GET /entities reads through the broker's policy,
 * a notification through what the subscription's owner may see.
 */
import type { Entity } from './entity';
import type { CompiledContext } from './jsonld/context';
import { renderEntity, type RenderOptions } from './render';

/** Ids an entity points at through its top-level relationships. */
export function relationshipTargets(e: Entity): string[] {
  const out: string[] = [];
  for (const instances of Object.values(e.attrs)) {
    for (const a of instances) {
      if (a.type === 'Relationship' && a.object !== undefined) {
        if (Array.isArray(a.object)) out.push(...a.object);
        else out.push(a.object);
      } else if (a.type === 'ListRelationship' && a.objectList) {
        out.push(...a.objectList);
      }
    }
  }
  return out;
}

/**
 * Entities reachable from `roots` in at most `joinLevel` hops, nearest first; `read` fetches
 * the ones of a hop (those it does not return are left out, as if the link dangled).
 */
export async function collectLinked(roots: readonly Entity[], joinLevel: number, read: (ids: string[]) => Promise<Entity[]>): Promise<Map<string, Entity>> {
  const found = new Map<string, Entity>();
  const seen = new Set(roots.map((e) => e.id));
  let frontier: readonly Entity[] = roots;
  for (let level = 0; level < joinLevel && frontier.length > 0; level++) {
    const targets: string[] = [];
    for (const e of frontier) {
      for (const id of relationshipTargets(e)) {
        if (seen.has(id)) continue;
        seen.add(id);
        targets.push(id);
      }
    }
    if (targets.length === 0) break;
    const entities = await read(targets);
    for (const e of entities) found.set(e.id, e);
    frontier = entities;
  }
  return found;
}

/** join=inline: the linked entities rendered, by id, for RenderOptions.inline. */
export function inlineTargets(linked: Map<string, Entity>, ctx: CompiledContext, o: RenderOptions): Map<string, Record<string, unknown>> {
  const inline = new Map<string, Record<string, unknown>>();
  // Deepest first (linked holds level 1 before level 2), so nested targets are ready.
  const deepestFirst = [...linked.values()].reverse();
  for (const e of deepestFirst) inline.set(e.id, renderEntity(e, ctx, { ...o, inline }));
  return inline;
}
