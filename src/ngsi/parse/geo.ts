/**
 * GeoJSON geometry validation for GeoProperty values (clause 4.7, RFC 7946 section 3.1).
 * Only the geometry types the Geometry model holds; GeometryCollection is not supported.
 * Returns a problem description (without the attribute name) or undefined when valid, so
 * callers can word the BadRequestData detail with the attribute they are parsing.
 */
import type { Geometry } from '../entity';

export const GEOMETRY_TYPES: ReadonlySet<string> = new Set([
  'Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon',
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shape test used for concise inference: an object with a geometry `type` and array `coordinates`. */
export function looksLikeGeometry(v: unknown): v is Geometry {
  return isObject(v) && typeof v.type === 'string' && GEOMETRY_TYPES.has(v.type) && Array.isArray(v.coordinates);
}

// RFC 7946 3.1.1: a position is 2 or 3 numbers (longitude, latitude[, altitude]).
function positionProblem(p: unknown): string | undefined {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) return 'a position must be an array of 2 or 3 numbers';
  if (!p.every((n) => typeof n === 'number' && Number.isFinite(n))) return 'a position must contain numbers only';
  const [lon, lat] = p as number[];
  if (lon < -180 || lon > 180 || lat < -90 || lat > 90) return `position [${p.join(',')}] is out of range (longitude, latitude)`;
  return undefined;
}

function positionsProblem(ps: unknown, min: number, what: string): string | undefined {
  if (!Array.isArray(ps)) return `${what} must be an array of positions`;
  if (ps.length < min) return `${what} needs at least ${min} positions`;
  for (const p of ps) {
    const problem = positionProblem(p);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

// RFC 7946 3.1.6: a linear ring has >= 4 positions and its first and last are equal.
function polygonProblem(rings: unknown): string | undefined {
  if (!Array.isArray(rings) || rings.length === 0) return 'a Polygon must be a non-empty array of linear rings';
  for (const ring of rings) {
    const problem = positionsProblem(ring, 4, 'a linear ring');
    if (problem !== undefined) return problem;
    const r = ring as number[][];
    const first = r[0];
    const last = r[r.length - 1];
    if (first.length !== last.length || first.some((n, i) => n !== last[i])) {
      return 'a linear ring must be closed (first and last positions equal)';
    }
  }
  return undefined;
}

function listProblem(items: unknown, what: string, each: (x: unknown) => string | undefined): string | undefined {
  if (!Array.isArray(items) || items.length === 0) return `a ${what} must be a non-empty array`;
  for (const x of items) {
    const problem = each(x);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

export function geometryProblem(v: unknown): string | undefined {
  if (!isObject(v)) return 'not a GeoJSON geometry object';
  if (typeof v.type !== 'string' || !GEOMETRY_TYPES.has(v.type)) {
    return `unsupported geometry type ${JSON.stringify(v.type)} (expected one of ${[...GEOMETRY_TYPES].join(', ')})`;
  }
  const c = v.coordinates;
  if (c === undefined) return `${v.type} has no coordinates`;
  switch (v.type as Geometry['type']) {
    case 'Point': return positionProblem(c);
    case 'MultiPoint': return positionsProblem(c, 1, 'a MultiPoint');
    case 'LineString': return positionsProblem(c, 2, 'a LineString');
    case 'MultiLineString': return listProblem(c, 'MultiLineString', (l) => positionsProblem(l, 2, 'a LineString'));
    case 'Polygon': return polygonProblem(c);
    case 'MultiPolygon': return listProblem(c, 'MultiPolygon', polygonProblem);
  }
}
