/**
 * ngsi/render: expanded entities -> what clients see (normalized, concise, keyValues,
 * GeoJSON). Pure and synchronous; compaction only through CompiledContext.compactIri.
 */
export type { Format, RenderOptions, GeoJsonOptions } from './options';
export { renderEntity, compactTypes } from './entity';
export { renderGeoJsonFeature, renderGeoJsonCollection } from './geojson';
export { languagePrefs, pickLanguage } from './lang';
