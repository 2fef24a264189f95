/**
 * Expanded entity -> client representation (GS CIM 009 v1.8.1 clause 4.5): the compact-out
 * edge of ARCHITECTURE.md "Internal representation". Member order: id, type, scope, the
 * attributes in stored order, then createdAt/modifiedAt (sysAttrs). No `@context` member:
 * http/ adds it (or the Link header) according to the Accept header.
 */
import type { Entity, Iri } from '../entity';
import type { CompiledContext } from '../jsonld/context';
import type { RenderOptions } from './options';
import { languagePrefs } from './lang';
import { renderInstances } from './attribute';

/** Entity type(s) compacted through the context: one type -> a string, several -> an array. */
export function compactTypes(types: readonly Iri[], ctx: CompiledContext): string | string[] {
  if (types.length === 1) return ctx.compactIri(types[0]!);
  const out = new Array<string>(types.length);
  for (let i = 0; i < types.length; i++) out[i] = ctx.compactIri(types[i]!);
  return out;
}

export function renderEntity(e: Entity, ctx: CompiledContext, o: RenderOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (wants(o, 'id')) out.id = e.id;
  renderMembers(e, ctx, o, out);
  return out;
}

/**
 * Everything but `id`, written into `out` (GeoJSON puts these under `properties`, with the
 * id on the Feature itself, clause 4.5.16).
 */
export function renderMembers(e: Entity, ctx: CompiledContext, o: RenderOptions, out: Record<string, unknown>): void {
  const prefs = languagePrefs(o.lang);
  if (wants(o, 'type')) out.type = compactTypes(e.type, ctx);
  const scope = e.scope;
  if (scope !== undefined && scope.length > 0 && wants(o, 'scope')) {
    // Clause 4.18: scope is a string or an array of strings; one scope is shown as a string, like type.
    out.scope = scope.length === 1 ? scope[0] : scope;
  }
  const attrs = e.attrs;
  for (const iri in attrs) {
    if (!wants(o, iri)) continue;
    const instances = attrs[iri]!;
    if (instances.length === 0) continue;
    out[ctx.compactIri(iri)] = renderInstances(instances, ctx, o, prefs);
  }
  if (o.sysAttrs) {
    // Picked/omitted by their literal names like id/type, so pick=id,name stays exactly that.
    if (wants(o, 'createdAt')) out.createdAt = e.createdAt;
    if (wants(o, 'modifiedAt')) out.modifiedAt = e.modifiedAt;
  }
}

/** pick/omit (clause 4.21): a member is shown when picked (or no pick) and not omitted. */
function wants(o: RenderOptions, member: string): boolean {
  return (o.pick === undefined || o.pick.has(member)) && (o.omit === undefined || !o.omit.has(member));
}
