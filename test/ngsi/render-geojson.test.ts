import { strict as assert } from 'node:assert';
import type { Entity } from '../../src/ngsi/entity';
import type { CompiledContext } from '../../src/ngsi/jsonld/context';
import { renderGeoJsonCollection, renderGeoJsonFeature, type Format } from '../../src/ngsi/render';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';
const LOCATION = 'https://uri.etsi.org/ngsi-ld/location';

const ctx: CompiledContext = {
  key: 'test',
  source: 'https://example.org/context.jsonld',
  linkUrl: 'https://example.org/context.jsonld',
  expandTerm: (t) => D + t,
  compactIri: (iri) => (iri === LOCATION ? 'location' : iri.startsWith(D) ? iri.slice(D.length) : iri),
};

const point = { type: 'Point' as const, coordinates: [24.3, 60.07] };
const area = { type: 'Polygon' as const, coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };

function vehicle(): Entity {
  return {
    id: 'urn:ngsi-ld:Vehicle:A4567',
    type: [`${D}Vehicle`],
    createdAt: 'T0',
    modifiedAt: 'T1',
    attrs: {
      [`${D}brandName`]: [{ type: 'Property', value: 'Mercedes' }],
      [LOCATION]: [{ type: 'GeoProperty', value: point }],
      [`${D}zone`]: [
        { type: 'GeoProperty', value: point, datasetId: 'urn:ds:gps' },
        { type: 'GeoProperty', value: area },
      ],
      [`${D}isParked`]: [{ type: 'Relationship', object: 'urn:ngsi-ld:Parking:1' }],
    },
  };
}
const geo = (format: Format, geometryProperty = LOCATION, extra = {}) => ({ format, sysAttrs: false, geometryProperty, ...extra });

describe('ngsi/render GeoJSON (clauses 4.5.16, 4.5.17)', () => {
  it('renders a Feature: id, geometry from the GeoProperty, everything else (geometry attribute too) in properties', () => {
    assert.deepEqual(renderGeoJsonFeature(vehicle(), ctx, geo('normalized')), {
      id: 'urn:ngsi-ld:Vehicle:A4567',
      type: 'Feature',
      geometry: point,
      properties: {
        type: 'Vehicle',
        brandName: { type: 'Property', value: 'Mercedes' },
        location: { type: 'GeoProperty', value: point },
        zone: [
          { type: 'GeoProperty', value: point, datasetId: 'urn:ds:gps' },
          { type: 'GeoProperty', value: area },
        ],
        isParked: { type: 'Relationship', object: 'urn:ngsi-ld:Parking:1' },
      },
    });
  });

  it('renders properties in keyValues shape when asked', () => {
    const f = renderGeoJsonFeature(vehicle(), ctx, geo('keyValues'));
    assert.deepEqual(f.properties, {
      type: 'Vehicle',
      brandName: 'Mercedes',
      location: point,
      zone: { dataset: { 'urn:ds:gps': point, '@none': area } },
      isParked: 'urn:ngsi-ld:Parking:1',
    });
  });

  it('puts sysAttrs into properties and the member order is id, type, geometry, properties', () => {
    const f = renderGeoJsonFeature(vehicle(), ctx, geo('concise', LOCATION, { sysAttrs: true }));
    assert.deepEqual(Object.keys(f), ['id', 'type', 'geometry', 'properties']);
    const props = f.properties as Record<string, unknown>;
    assert.equal(props.createdAt, 'T0');
    assert.equal(props.modifiedAt, 'T1');
    assert.equal('id' in props, false);
  });

  it('uses another geometryProperty, preferring its default instance', () => {
    assert.deepEqual(renderGeoJsonFeature(vehicle(), ctx, geo('normalized', `${D}zone`)).geometry, area);
  });

  it('gives a null geometry when the entity lacks the attribute or it is not a GeoProperty', () => {
    const e = vehicle();
    delete e.attrs[LOCATION];
    assert.equal(renderGeoJsonFeature(e, ctx, geo('normalized')).geometry, null);
    assert.equal(renderGeoJsonFeature(e, ctx, geo('normalized', `${D}brandName`)).geometry, null);
  });

  it('keeps the geometry and the Feature id when pick leaves them out of properties', () => {
    const f = renderGeoJsonFeature(vehicle(), ctx, geo('keyValues', LOCATION, { pick: new Set([`${D}brandName`]) }));
    assert.deepEqual(f, { id: 'urn:ngsi-ld:Vehicle:A4567', type: 'Feature', geometry: point, properties: { brandName: 'Mercedes' } });
  });

  it('renders a FeatureCollection, also an empty one', () => {
    const bare: Entity = { id: 'urn:ngsi-ld:Vehicle:B', type: [`${D}Vehicle`], createdAt: 'T0', modifiedAt: 'T1', attrs: {} };
    const c = renderGeoJsonCollection([vehicle(), bare], ctx, geo('keyValues'));
    assert.equal(c.type, 'FeatureCollection');
    const features = c.features as Array<Record<string, unknown>>;
    assert.equal(features.length, 2);
    assert.equal(features[0]!.geometry, point);
    assert.deepEqual(features[1], { id: 'urn:ngsi-ld:Vehicle:B', type: 'Feature', geometry: null, properties: { type: 'Vehicle' } });
    assert.deepEqual(renderGeoJsonCollection([], ctx, geo('normalized')), { type: 'FeatureCollection', features: [] });
  });
});
