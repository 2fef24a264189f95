/**
 * Renders entities for a response: representation, projection, GeoJSON and linked
 * entities (join=flat adds them to the list, join=inline nests them; clause 4.5.23).
 */
import type { Response } from './router';
import type { RequestScope } from '../broker/scope';
import type { Entity } from '../ngsi/entity';
import type { EntityFilter } from '../ngsi/query/ast';
import type { HttpDeps } from './deps';
import type { Paging } from './params/entityQuery';
import { sendLd } from './respond';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { renderEntity, renderGeoJsonCollection, renderGeoJsonFeature, type RenderOptions } from '../ngsi/render';
import type { View } from './params/entityQuery';
import { inlineTargets } from '../ngsi/join';
import { GEO_JSON, type ResponseType } from './media';

export function renderOne(e: Entity, linked: Map<string, Entity>, view: View, ctx: CompiledContext, type: ResponseType): object | object[] {
  return renderMany([e], linked, view, ctx, type, true);
}

export function renderMany(
  entities: Entity[],
  linked: Map<string, Entity>,
  view: View,
  ctx: CompiledContext,
  type: ResponseType,
  single = false,
): object | object[] {
  const o: RenderOptions = { ...view.render };
  if (view.join?.mode === 'inline' && linked.size > 0) o.inline = inlineTargets(linked, ctx, view.render);
  const all = view.join?.mode === 'flat' ? [...entities, ...linked.values()] : entities;
  if (type === GEO_JSON) {
    const geo = { ...o, geometryProperty: view.geometryProperty };
    return single && all.length === 1 ? renderGeoJsonFeature(all[0], ctx, geo) : renderGeoJsonCollection(all, ctx, geo);
  }
  const rendered = all.map((e) => renderEntity(e, ctx, o));
  return single && all.length === 1 ? rendered[0] : rendered;
}

/** Runs a query (GET /entities or POST /entityOperations/query) and writes the page. */
export async function answerQuery(
  res: Response,
  deps: HttpDeps,
  scope: RequestScope,
  q: { filter: EntityFilter; page: Paging; view: View; type: ResponseType },
): Promise<void> {
  const result = await deps.query.query(scope, q.filter, q.page);
  const linked = q.view.join ? await deps.query.linked(scope, result.entities, q.view.join.level) : new Map<string, Entity>();
  if (result.count !== undefined) res.setHeader('NGSILD-Results-Count', String(result.count));
  sendLd(res, 200, renderMany(result.entities, linked, q.view, scope.context, q.type), q.type, scope.context);
}
