import assert from 'node:assert/strict';
import type { Attribute, Entity, Geometry } from '../../../src/ngsi/entity';
import { compileGeo, distanceToPoint, within } from '../../../src/ngsi/query/geoMatch';
import { parseGeoQuery } from '../../../src/ngsi/query/geoQuery';
import { entity, expand } from './helpers';

/** One degree of latitude on turf's mean Earth radius (6371008.8 m): 111,194.9 m. */
const METRES_PER_DEGREE = (2 * Math.PI * 6371008.8) / 360;

const at = (value: Geometry, more: Partial<Attribute> = {}): Entity => entity({ location: { type: 'GeoProperty', value, ...more } });
const point = (lon: number, lat: number): Geometry => ({ type: 'Point', coordinates: [lon, lat] });
const box = (x0: number, y0: number, x1: number, y1: number): Geometry =>
  ({ type: 'Polygon', coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });

const matches = (georel: string, geometry: Geometry, target: Entity): boolean => {
  const q = parseGeoQuery({ georel, geometry: geometry.type, coordinates: geometry.coordinates }, expand);
  return compileGeo(q!)(target);
};

describe('geoMatch compileGeo (clause 4.10)', () => {
  describe('near', () => {
    const origin = point(0, 0);
    // 0.0089 degrees north is 989.6 m away; 0.0091 degrees is 1011.9 m.
    const at990m = at(point(0, 0.0089));
    const at1012m = at(point(0, 0.0091));

    it('measures geodesic distance in metres', () => {
      assert.ok(Math.abs(distanceToPoint([0, 0], point(0, 0.0089)) - 0.0089 * METRES_PER_DEGREE) < 0.01);
    });
    it('matches maxDistance within, not beyond', () => {
      assert.equal(matches('near;maxDistance==1000', origin, at990m), true);
      assert.equal(matches('near;maxDistance==1000', origin, at1012m), false);
    });
    it('matches minDistance beyond, not within', () => {
      assert.equal(matches('near;minDistance==1000', origin, at1012m), true);
      assert.equal(matches('near;minDistance==1000', origin, at990m), false);
    });
    it('matches a ring between minDistance and maxDistance', () => {
      assert.equal(matches('near;minDistance==995;maxDistance==1100', origin, at1012m), true);
      assert.equal(matches('near;minDistance==995;maxDistance==1100', origin, at990m), false);
    });
    it('measures to the nearest part of a line, a polygon or a multi-point', () => {
      const line = at({ type: 'LineString', coordinates: [[-1, 0.0089], [1, 0.0089]] });
      assert.equal(matches('near;maxDistance==1000', origin, line), true);
      const farSquare = at(box(-1, 0.0091, 1, 1));
      assert.equal(matches('near;maxDistance==1000', origin, farSquare), false);
      assert.equal(matches('near;maxDistance==1100', origin, farSquare), true);
      const around = at(box(-1, -1, 1, 1));
      assert.equal(distanceToPoint([0, 0], box(-1, -1, 1, 1)), 0);
      assert.equal(matches('near;maxDistance==1', origin, around), true);
      const points = at({ type: 'MultiPoint', coordinates: [[5, 5], [0, 0.0089]] });
      assert.equal(matches('near;maxDistance==1000', origin, points), true);
      const lines = at({ type: 'MultiLineString', coordinates: [[[5, 5], [6, 6]], [[-1, 0.0091], [1, 0.0091]]] });
      assert.equal(matches('near;maxDistance==1000', origin, lines), false);
      assert.equal(matches('near;maxDistance==1020', origin, lines), true);
    });
  });

  describe('within and contains (target vs reference)', () => {
    const inside = at(point(0.5, 0.5));
    const outside = at(point(2, 2));
    it('within: the entity geometry lies in the query geometry', () => {
      assert.equal(matches('within', box(0, 0, 1, 1), inside), true);
      assert.equal(matches('within', box(0, 0, 1, 1), outside), false);
      assert.equal(matches('within', box(0, 0, 10, 10), at(box(1, 1, 2, 2))), true);
      assert.equal(matches('within', point(0.5, 0.5), at(box(0, 0, 1, 1))), false);
    });
    it('contains: the entity geometry contains the query geometry', () => {
      const area = at(box(0, 0, 1, 1));
      assert.equal(matches('contains', point(0.5, 0.5), area), true);
      assert.equal(matches('contains', point(2, 2), area), false);
      assert.equal(matches('contains', box(0, 0, 1, 1), inside), false);
    });
    it('completes pairs turf leaves out (multi-geometries)', () => {
      const multiLine: Geometry = { type: 'MultiLineString', coordinates: [[[0.1, 0.1], [0.2, 0.2]], [[0.5, 0.5], [0.6, 0.6]]] };
      assert.equal(within(multiLine, box(0, 0, 1, 1)), true);
      assert.equal(within(multiLine, box(0, 0, 0.3, 0.3)), false);
      assert.equal(within({ type: 'MultiPoint', coordinates: [[1, 1], [1, 1]] }, point(1, 1)), true);
      assert.equal(within(point(0.15, 0.15), multiLine), true);
      assert.equal(within(box(0, 0, 1, 1), { type: 'LineString', coordinates: [[0, 0], [1, 1]] }), false);
    });
  });

  describe('intersects, disjoint, equals, overlaps', () => {
    const area = at(box(0, 0, 2, 2));
    it('intersects and disjoint are complementary', () => {
      assert.equal(matches('intersects', box(1, 1, 3, 3), area), true);
      assert.equal(matches('disjoint', box(1, 1, 3, 3), area), false);
      assert.equal(matches('intersects', box(5, 5, 6, 6), area), false);
      assert.equal(matches('disjoint', box(5, 5, 6, 6), area), true);
      assert.equal(matches('intersects', { type: 'LineString', coordinates: [[-1, 1], [3, 1]] }, area), true);
    });
    it('equals compares geometries', () => {
      assert.equal(matches('equals', box(0, 0, 2, 2), area), true);
      assert.equal(matches('equals', box(0, 0, 2, 3), area), false);
      assert.equal(matches('equals', point(8, 40), at(point(8, 40))), true);
    });
    it('overlaps needs same dimension and a partial overlap', () => {
      assert.equal(matches('overlaps', box(1, 1, 3, 3), area), true);
      assert.equal(matches('overlaps', box(0.5, 0.5, 1, 1), area), false);
      assert.equal(matches('overlaps', point(1, 1), area), false);
      assert.equal(matches('overlaps', { type: 'LineString', coordinates: [[1, 1], [3, 3]] }, area), false);
    });
  });

  describe('target selection', () => {
    it('does not match an entity without the geoproperty', () => {
      assert.equal(matches('intersects', box(0, 0, 1, 1), entity({})), false);
    });
    it('uses the named geoproperty and any of its instances', () => {
      const q = parseGeoQuery({ georel: 'within', geometry: 'Polygon', coordinates: box(0, 0, 1, 1).coordinates, geoproperty: 'observationSpace' }, expand)!;
      const e = entity({ observationSpace: [
        { type: 'GeoProperty', value: point(5, 5) },
        { type: 'GeoProperty', value: point(0.5, 0.5), datasetId: 'urn:ngsi-ld:Dataset:b' },
      ] });
      assert.equal(compileGeo(q)(e), true);
      assert.equal(compileGeo(q)(at(point(0.5, 0.5))), false);
    });
    it('ignores a non-GeoProperty and a malformed stored geometry instead of throwing', () => {
      const asProperty = entity({ location: { type: 'Property', value: point(0.5, 0.5) } });
      assert.equal(matches('within', box(0, 0, 1, 1), asProperty), false);
      const broken = at({ type: 'Polygon', coordinates: [[['a', 'b']]] } as unknown as Geometry);
      assert.equal(matches('intersects', box(0, 0, 1, 1), broken), false);
      const notGeo = entity({ location: { type: 'GeoProperty', value: 'somewhere' } });
      assert.equal(matches('intersects', box(0, 0, 1, 1), notGeo), false);
    });
  });
});
