import assert from 'node:assert/strict';
import { LOCATION_IRI } from '../../../src/ngsi/entity';
import { parseGeoQuery, type GeoQueryParams } from '../../../src/ngsi/query/geoQuery';
import { assertNgsiError, expand, iri } from './helpers';

const geo = (p: GeoQueryParams) => parseGeoQuery(p, expand);
const bad = (p: GeoQueryParams, detail: RegExp) => assertNgsiError(() => geo(p), 'BadRequestData', detail);
const square = '[[[100.0,0.0],[101.0,0.0],[101.0,1.0],[100.0,1.0],[100.0,0.0]]]';

describe('parseGeoQuery (clause 4.10)', () => {
  it('answers undefined when no geo parameter is given', () => assert.equal(geo({}), undefined));

  it('parses near;maxDistance with a Point, defaulting geoproperty to location (spec example 3)', () => {
    assert.deepEqual(geo({ georel: 'near;maxDistance==2000', geometry: 'Point', coordinates: '[8,40]' }), {
      georel: 'near', maxDistance: 2000, geometry: { type: 'Point', coordinates: [8, 40] }, geoproperty: LOCATION_IRI,
    });
  });

  it('parses near;minDistance and both distances, and expands geoproperty (spec example 1)', () => {
    const q = geo({ georel: 'near;minDistance==10.5', geometry: 'Point', coordinates: '[8,40]', geoproperty: 'observationSpace' });
    assert.equal(q?.minDistance, 10.5);
    assert.equal(q?.geoproperty, iri('observationSpace'));
    const both = geo({ georel: 'near;minDistance==10;maxDistance==20', geometry: 'Point', coordinates: '[8,40]' });
    assert.deepEqual([both?.minDistance, both?.maxDistance], [10, 20]);
  });

  it('parses every other georel with a Polygon (spec example 2)', () => {
    for (const georel of ['within', 'contains', 'intersects', 'disjoint', 'equals', 'overlaps']) {
      const q = geo({ georel, geometry: 'Polygon', coordinates: square, geoproperty: 'location' });
      assert.equal(q?.georel, georel);
      assert.equal(q?.geoproperty, LOCATION_IRI);
      assert.deepEqual(q?.geometry.coordinates, JSON.parse(square));
    }
  });

  it('accepts already-parsed coordinates (POST query bodies)', () => {
    const q = geo({ georel: 'intersects', geometry: 'LineString', coordinates: [[0, 0], [1, 1]] });
    assert.deepEqual(q?.geometry, { type: 'LineString', coordinates: [[0, 0], [1, 1]] });
  });

  it('accepts every geometry type with valid coordinates', () => {
    const valid: Record<string, unknown> = {
      Point: [1, 2, 3],
      MultiPoint: [[1, 2], [3, 4]],
      LineString: [[1, 2], [3, 4]],
      MultiLineString: [[[1, 2], [3, 4]]],
      Polygon: JSON.parse(square),
      MultiPolygon: [JSON.parse(square)],
    };
    for (const [geometry, coordinates] of Object.entries(valid)) {
      assert.equal(geo({ georel: 'intersects', geometry, coordinates })?.geometry.type, geometry);
    }
  });

  describe('errors', () => {
    it('names missing companion parameters', () => {
      bad({ georel: 'within' }, /missing geometry, coordinates/);
      bad({ geometry: 'Point', coordinates: '[1,2]' }, /missing georel/);
      bad({ georel: 'within', geometry: 'Point' }, /missing coordinates/);
      bad({ geoproperty: 'location' }, /missing georel, geometry, coordinates/);
    });
    it('refuses an unknown georel or a bad modifier', () => {
      bad({ georel: 'inside', geometry: 'Point', coordinates: '[1,2]' }, /unknown georel 'inside'/);
      bad({ georel: 'near', geometry: 'Point', coordinates: '[1,2]' }, /near needs ';maxDistance==N'/);
      bad({ georel: 'near;maxDistance=5', geometry: 'Point', coordinates: '[1,2]' }, /invalid near modifier 'maxDistance=5'/);
      bad({ georel: 'near;maxDistance==0', geometry: 'Point', coordinates: '[1,2]' }, /maxDistance must be a positive number/);
      bad({ georel: 'near;maxDistance==-3', geometry: 'Point', coordinates: '[1,2]' }, /invalid near modifier/);
      bad({ georel: 'near;maxDistance==3;maxDistance==4', geometry: 'Point', coordinates: '[1,2]' }, /maxDistance given twice/);
      bad({ georel: 'near;minDistance==30;maxDistance==4', geometry: 'Point', coordinates: '[1,2]' }, /minDistance \(30\) exceeds maxDistance \(4\)/);
      bad({ georel: 'within;maxDistance==3', geometry: 'Point', coordinates: '[1,2]' }, /takes no modifier/);
    });
    it('refuses near with a geometry other than Point', () => {
      bad({ georel: 'near;maxDistance==3', geometry: 'Polygon', coordinates: square }, /near needs a Point geometry, not Polygon/);
    });
    it('refuses an unknown geometry type', () => {
      bad({ georel: 'within', geometry: 'GeometryCollection', coordinates: '[]' }, /unsupported geometry 'GeometryCollection'/);
      bad({ georel: 'within', geometry: 'point', coordinates: '[1,2]' }, /unsupported geometry 'point'/);
    });
    it('refuses coordinates that are not JSON', () => {
      bad({ georel: 'within', geometry: 'Point', coordinates: '8,40' }, /coordinates are not a JSON array: '8,40'/);
    });
    it('refuses coordinates that do not fit the geometry', () => {
      bad({ georel: 'within', geometry: 'Point', coordinates: '[8]' }, /Point coordinates must be \[longitude, latitude\]/);
      bad({ georel: 'within', geometry: 'Point', coordinates: '["8","40"]' }, /must be \[longitude, latitude\] numbers/);
      bad({ georel: 'within', geometry: 'Point', coordinates: '[[8,40]]' }, /must be \[longitude, latitude\]/);
      bad({ georel: 'within', geometry: 'LineString', coordinates: '[[8,40]]' }, /LineString coordinates must be an array of at least 2/);
      bad({ georel: 'within', geometry: 'MultiPoint', coordinates: '[]' }, /MultiPoint coordinates must be an array of at least 1/);
      bad({ georel: 'within', geometry: 'Polygon', coordinates: '[[[0,0],[1,0],[0,0]]]' }, /Polygon ring must be an array of at least 4/);
      bad({ georel: 'within', geometry: 'Polygon', coordinates: '[[[0,0],[1,0],[1,1],[0,1]]]' }, /ring is not closed/);
      bad({ georel: 'within', geometry: 'MultiPolygon', coordinates: '[[[[0,0],[1,0],[1,1],[0,2]]]]' }, /MultiPolygon polygon ring is not closed/);
    });
    it('refuses positions out of range', () => {
      bad({ georel: 'within', geometry: 'Point', coordinates: '[181,0]' }, /longitude 181 is outside \[-180, 180\]/);
      bad({ georel: 'within', geometry: 'Point', coordinates: '[0,-90.5]' }, /latitude -90.5 is outside \[-90, 90\]/);
    });
    it('refuses an empty geoproperty', () => {
      bad({ georel: 'within', geometry: 'Point', coordinates: '[1,2]', geoproperty: '' }, /empty geoproperty/);
    });
  });
});
