import assert from 'node:assert/strict';
import { isUri } from '../../src/ngsi/uri';
import { isDateTime } from '../../src/ngsi/parse/datetime';
import { geometryProblem, looksLikeGeometry } from '../../src/ngsi/parse/geo';
import { validateAttributeName } from '../../src/ngsi/parse';
import { parseScope } from '../../src/ngsi/parse/names';
import { NgsiError } from '../../src/ngsi/errors';

const badRequest = (fragment: string) => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, 'BadRequestData');
  assert.match(err.detail, new RegExp(fragment));
  return true;
};

describe('isUri (RFC 3986 absolute URI)', () => {
  for (const ok of ['urn:ngsi-ld:Vehicle:A4567', 'http://example.org/a?b=c#d', 'https://x.y/ä', 'mailto:a@b.c', 'urn:a+b.c-d:x']) {
    it(`accepts ${ok}`, () => assert.equal(isUri(ok), true));
  }
  for (const bad of ['', 'Vehicle', 'urn:', '1urn:x', ':x', 'urn:a b', 'urn:a\tb', 'urn:a\u0001', 'http://x/<y>', 'urn:a"b', 'urn:{x}']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isUri(bad), false));
  }
});

describe('isDateTime (ISO 8601 date-time)', () => {
  for (const ok of ['2024-02-29T12:00:00Z', '2018-08-07T12:00:00.123Z', '2018-08-07T12:00:00+02:00', '2018-08-07T12:00Z', '2018-08-07T12:00:00']) {
    it(`accepts ${ok}`, () => assert.equal(isDateTime(ok), true));
  }
  for (const bad of ['2023-02-29T12:00:00Z', '2018-13-07T12:00:00Z', '2018-08-07', '2018-08-07T24:00:00Z', '2018-08-07T12:60:00Z', 'yesterday', 42, null]) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.equal(isDateTime(bad), false));
  }
});

describe('GeoJSON geometry validation (clause 4.7, RFC 7946)', () => {
  const valid = {
    Point: [1, 2],
    MultiPoint: [[1, 2], [3, 4]],
    LineString: [[1, 2], [3, 4]],
    MultiLineString: [[[1, 2], [3, 4]]],
    Polygon: [[[0, 0], [1, 0], [1, 1], [0, 0]]],
    MultiPolygon: [[[[0, 0], [1, 0], [1, 1], [0, 0]]]],
  };
  for (const [type, coordinates] of Object.entries(valid)) {
    it(`accepts a ${type}`, () => assert.equal(geometryProblem({ type, coordinates }), undefined));
  }
  it('rejects an unclosed polygon ring', () => {
    assert.match(geometryProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }) ?? '', /closed/);
  });
  it('rejects a ring with fewer than 4 positions', () => {
    assert.match(geometryProblem({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }) ?? '', /at least 4/);
  });
  it('rejects wrong nesting (Point coordinates given to a LineString)', () => {
    assert.notEqual(geometryProblem({ type: 'LineString', coordinates: [1, 2] }), undefined);
  });
  it('rejects non-numeric coordinates', () => {
    assert.match(geometryProblem({ type: 'Point', coordinates: ['1', 2] }) ?? '', /numbers/);
  });
  it('rejects out-of-range latitude', () => {
    assert.match(geometryProblem({ type: 'Point', coordinates: [10, 91] }) ?? '', /out of range/);
  });
  it('rejects unsupported types and missing coordinates', () => {
    assert.match(geometryProblem({ type: 'GeometryCollection', geometries: [] }) ?? '', /unsupported/);
    assert.match(geometryProblem({ type: 'Point' }) ?? '', /no coordinates/);
  });
  it('recognises a geometry by shape only for inference', () => {
    assert.equal(looksLikeGeometry({ type: 'Point', coordinates: [1, 2] }), true);
    assert.equal(looksLikeGeometry({ type: 'Property', value: 1 }), false);
  });
});

describe('validateAttributeName (clause 4.6.2)', () => {
  for (const ok of ['speed', 'https://example.org/speed#x', 'ex:speed', 'speed_2-a.b']) {
    it(`accepts ${ok}`, () => assert.doesNotThrow(() => validateAttributeName(ok)));
  }
  for (const bad of ['', 'a b', 'a=b', 'a[0]', 'a&b', 'a?b', 'a"b', "a'b", 'a;b', 'a(b)', 'a,b', 'a<b', '@id', 'a\nb']) {
    it(`rejects ${JSON.stringify(bad)} with BadRequestData`, () => assert.throws(() => validateAttributeName(bad), badRequest('attribute name')));
  }
});

describe('parseScope (clause 4.18)', () => {
  it('accepts a path or an array of paths, deduplicated', () => {
    assert.deepEqual(parseScope('/Madrid/Gardens'), ['/Madrid/Gardens']);
    assert.deepEqual(parseScope(['/a', '/b/c', '/a']), ['/a', '/b/c']);
  });
  for (const bad of ['Madrid', '/a/', '/a//b', '/a/#', '/a/+', '', [], [1], '/a b']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseScope(bad), badRequest('scope')));
  }
});
