/**
 * GeoJSON representation (GS CIM 009 v1.8.1 clauses 4.5.16 and 4.5.17, Accept:
 * application/geo+json). A Feature carries the entity id, the chosen GeoProperty as its
 * geometry and every other member (type, scope, attributes, sysAttrs) under `properties`,
 * rendered in the requested format. Like Orion-LD and Stellio, the geometry attribute also
 * stays in `properties`, so no information is lost to a GeoJSON-only client.
 */
import type { Entity, Geometry } from '../entity';
import type { CompiledContext } from '../jsonld/context';
import type { GeoJsonOptions } from './options';
import { renderMembers } from './entity';

export function renderGeoJsonFeature(e: Entity, ctx: CompiledContext, o: GeoJsonOptions): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  renderMembers(e, ctx, o, properties);
  // The Feature id is the entity id whatever pick/omit say: GeoJSON clients key features by it.
  return { id: e.id, type: 'Feature', geometry: geometryOf(e, o.geometryProperty), properties };
}

export function renderGeoJsonCollection(es: readonly Entity[], ctx: CompiledContext, o: GeoJsonOptions): Record<string, unknown> {
  const features = new Array<Record<string, unknown>>(es.length);
  for (let i = 0; i < es.length; i++) features[i] = renderGeoJsonFeature(es[i]!, ctx, o);
  return { type: 'FeatureCollection', features };
}

/**
 * The geometry: the value of the geometryProperty GeoProperty, taken from the stored
 * entity (so pick/omit of that attribute does not blank the map). The default instance
 * wins over datasetId instances; absent or not a GeoProperty -> null (clause 4.5.16).
 */
function geometryOf(e: Entity, iri: string): Geometry | null {
  const instances = e.attrs[iri];
  if (instances === undefined || instances.length === 0) return null;
  let chosen = instances[0]!;
  for (let i = 0; i < instances.length; i++) {
    if (instances[i]!.datasetId === undefined) { chosen = instances[i]!; break; }
  }
  return chosen.type === 'GeoProperty' && chosen.value !== undefined ? chosen.value as Geometry : null;
}
