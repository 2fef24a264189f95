/**
 * In-memory evaluation of a GeoQuery (clause 4.10) against an entity, with @turf/turf.
 *
 * The target geometry is the entity's GeoProperty named by geoproperty (any instance may
 * match); the reference geometry is the query's. Sides, per clause 4.10:
 *   within     target within reference          contains  target contains reference
 *   intersects / disjoint / equals / overlaps    symmetric
 *   near;maxDistance==d   distance(target, reference) <= d metres (target meets the buffer)
 *   near;minDistance==d   distance(target, reference) >= d metres (inclusive, like
 *                         MongoDB's $minDistance that Orion-LD uses)
 * Distances are geodesic (turf, mean Earth radius) from the reference Point to the nearest
 * part of the target; a target Polygon containing the point is at distance 0.
 *
 * turf's boolean predicates leave some geometry pairs unimplemented (they throw). Those
 * are completed here: a geometry cannot be within one of lower dimension; a Multi* target
 * is within the reference when each part is; a target is within a Multi* reference when it
 * is within one of its parts (exact for points, conservative otherwise); overlaps between
 * geometries of different dimensions, or of single points, is false (OGC).
 * An entity without the GeoProperty, or with a malformed geometry, does not match.
 */
import {
  booleanDisjoint, booleanEqual, booleanIntersects, booleanOverlap, booleanWithin, distance,
  pointToLineDistance, pointToPolygonDistance,
} from '@turf/turf';
import type { Entity, Geometry } from '../entity';
import type { GeoQuery } from './ast';

type GeometryType = Geometry['type'];
// turf's own GeoJSON typings are structurally richer than ngsi/entity's Geometry.
type TurfGeometry = Parameters<typeof booleanIntersects>[0];
type Position = number[];

const METRES = { units: 'meters' } as const;

const DIMENSION: Record<GeometryType, number> = {
  Point: 0, MultiPoint: 0, LineString: 1, MultiLineString: 1, Polygon: 2, MultiPolygon: 2,
};

/** Pairs (target, reference) that turf's booleanWithin implements (checked against turf 7.4). */
const TURF_WITHIN: Record<GeometryType, ReadonlySet<GeometryType>> = {
  Point: new Set(['Point', 'MultiPoint', 'LineString', 'Polygon', 'MultiPolygon']),
  MultiPoint: new Set(['MultiPoint', 'LineString', 'Polygon', 'MultiPolygon']),
  LineString: new Set(['LineString', 'Polygon', 'MultiPolygon']),
  MultiLineString: new Set(['MultiPolygon']),
  Polygon: new Set(['Polygon', 'MultiPolygon']),
  MultiPolygon: new Set(['Polygon', 'MultiPolygon']),
};

/** Pairs turf's booleanOverlap implements: same dimension, not single points. */
const TURF_OVERLAP: Record<GeometryType, ReadonlySet<GeometryType>> = {
  Point: new Set(),
  MultiPoint: new Set(['MultiPoint']),
  LineString: new Set(['LineString', 'MultiLineString']),
  MultiLineString: new Set(['LineString', 'MultiLineString']),
  Polygon: new Set(['Polygon', 'MultiPolygon']),
  MultiPolygon: new Set(['Polygon', 'MultiPolygon']),
};

export function compileGeo(geo: GeoQuery): (entity: Entity) => boolean {
  const relation = compileRelation(geo);
  const property = geo.geoproperty;
  return (entity) => {
    const instances = entity.attrs[property];
    if (instances === undefined) return false;
    for (let i = 0; i < instances.length; i++) {
      const instance = instances[i];
      if (instance.type === 'GeoProperty' && isGeometry(instance.value) && safely(relation, instance.value)) return true;
    }
    return false;
  };
}

/** The relation as a predicate on the target geometry. */
export function compileRelation(geo: GeoQuery): (target: Geometry) => boolean {
  const reference = geo.geometry;
  switch (geo.georel) {
    case 'near': {
      const origin = reference.coordinates as Position;
      const max = geo.maxDistance ?? Infinity;
      const min = geo.minDistance ?? 0;
      return (target) => {
        const d = distanceToPoint(origin, target);
        return d <= max && d >= min;
      };
    }
    case 'within': return (target) => within(target, reference);
    case 'contains': return (target) => within(reference, target);
    case 'intersects': return (target) => booleanIntersects(turf(target), turf(reference));
    case 'disjoint': return (target) => booleanDisjoint(turf(target), turf(reference));
    case 'equals': return (target) => booleanEqual(turf(target), turf(reference));
    case 'overlaps':
      return (target) => TURF_OVERLAP[target.type].has(reference.type) && booleanOverlap(turf(target), turf(reference));
  }
}

/** Is `inner` within `outer` (OGC within), for every pair of geometry types. */
export function within(inner: Geometry, outer: Geometry): boolean {
  if (DIMENSION[inner.type] > DIMENSION[outer.type]) return false;
  if (TURF_WITHIN[inner.type].has(outer.type)) return booleanWithin(turf(inner), turf(outer));
  if (inner.type === 'MultiPoint' || inner.type === 'MultiLineString' || inner.type === 'MultiPolygon') {
    const parts = parts_(inner);
    for (let i = 0; i < parts.length; i++) if (!within(parts[i], outer)) return false;
    return parts.length > 0;
  }
  if (outer.type === 'MultiPoint' || outer.type === 'MultiLineString' || outer.type === 'MultiPolygon') {
    const parts = parts_(outer);
    for (let i = 0; i < parts.length; i++) if (within(inner, parts[i])) return true;
    return false;
  }
  return false;
}

/** Geodesic distance in metres from a point to the nearest part of a geometry. */
export function distanceToPoint(origin: Position, target: Geometry): number {
  const c = target.coordinates;
  switch (target.type) {
    case 'Point': return distance(origin, c as Position, METRES);
    case 'MultiPoint': return minOver(c as Position[], (p) => distance(origin, p, METRES));
    case 'LineString': return pointToLineDistance(origin, turf(target) as never, METRES);
    case 'MultiLineString':
      return minOver(c as Position[][], (line) => pointToLineDistance(origin, { type: 'LineString', coordinates: line }, METRES));
    case 'Polygon':
    case 'MultiPolygon':
      // Negative inside the polygon: inside is distance 0.
      return Math.max(0, pointToPolygonDistance(origin, turf(target) as never, METRES));
  }
}

function minOver<T>(items: T[], measure: (item: T) => number): number {
  let min = Infinity;
  for (let i = 0; i < items.length; i++) {
    const d = measure(items[i]);
    if (d < min) min = d;
  }
  return min;
}

function parts_(g: Geometry): Geometry[] {
  const single = g.type === 'MultiPoint' ? 'Point' : g.type === 'MultiLineString' ? 'LineString' : 'Polygon';
  return (g.coordinates as unknown[]).map((coordinates) => ({ type: single, coordinates }) as Geometry);
}

function turf(g: Geometry): TurfGeometry {
  return g as unknown as TurfGeometry;
}

function isGeometry(value: unknown): value is Geometry {
  if (value === null || typeof value !== 'object') return false;
  const g = value as Geometry;
  return Object.hasOwn(DIMENSION, g.type) && Array.isArray(g.coordinates);
}

/** A stored geometry turf cannot read (e.g. malformed rings) is "no match", not a failed query. */
function safely(relation: (g: Geometry) => boolean, g: Geometry): boolean {
  try {
    return relation(g);
  } catch {
    return false;
  }
}
