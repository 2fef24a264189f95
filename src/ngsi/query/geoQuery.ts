/**
 * Parser of the NGSI-LD Geoquery Language (clause 4.10): the georel, geometry, coordinates
 * and geoproperty parameters (GET) or the members of a GeoQuery object (POST query, clause
 * 5.2.13) -> the AST's GeoQuery.
 *
 *   georel   = "near" 1*( ";" distance "==" PositiveNumber )     ; metres
 *            / "within" / "contains" / "intersects" / "disjoint" / "equals" / "overlaps"
 *   distance = "maxDistance" / "minDistance"                     ; each at most once
 *
 * - geometry is a GeoJSON geometry type (RFC 7946 1.4) except GeometryCollection.
 * - coordinates is JSON text (GET) or the already-parsed array (POST); its shape is checked
 *   against the geometry: positions of 2 or 3 numbers with longitude in [-180, 180] and
 *   latitude in [-90, 90], at least 2 positions per LineString, closed rings of at least 4
 *   positions per Polygon.
 * - near needs a Point reference geometry, as in Orion-LD (MongoDB's $near takes a point);
 *   distances to a point are well defined for any target geometry (./geoMatch).
 * - geoproperty defaults to location (clause 4.10); it is expanded with the @context.
 * All four absent -> undefined. Any present without georel, geometry and coordinates ->
 * NgsiError BadRequestData naming what is missing: a partial geo-query is never ignored.
 */
import { LOCATION_IRI, type Geometry } from '../entity';
import { NgsiError } from '../errors';
import type { GeoQuery, GeoRel } from './ast';
import type { Expand } from './q';

export interface GeoQueryParams {
  georel?: string;
  geometry?: string;
  coordinates?: string | unknown;
  geoproperty?: string;
}

const SIMPLE_GEORELS: ReadonlySet<GeoRel> = new Set(['within', 'contains', 'intersects', 'disjoint', 'equals', 'overlaps']);
const GEOMETRY_TYPES: ReadonlySet<string> = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon']);
const DISTANCE_RE = /^(maxDistance|minDistance)==(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)$/;

const fail = (what: string): never => {
  throw new NgsiError('BadRequestData', `Invalid geo-query: ${what}`);
};

export function parseGeoQuery(p: GeoQueryParams, expand: Expand): GeoQuery | undefined {
  const { georel, geometry, coordinates, geoproperty } = p;
  if (georel === undefined && geometry === undefined && coordinates === undefined && geoproperty === undefined) return undefined;
  const missing = [
    georel === undefined ? 'georel' : undefined,
    geometry === undefined ? 'geometry' : undefined,
    coordinates === undefined ? 'coordinates' : undefined,
  ].filter((name): name is string => name !== undefined);
  if (missing.length > 0) fail(`missing ${missing.join(', ')} (georel, geometry and coordinates go together)`);

  const relation = parseGeorel(georel as string);
  const type = geometry as string;
  if (!GEOMETRY_TYPES.has(type)) fail(`unsupported geometry '${type}' (expected one of ${[...GEOMETRY_TYPES].join(', ')})`);
  if (relation.georel === 'near' && type !== 'Point') fail(`near needs a Point geometry, not ${type}`);
  const coords = typeof coordinates === 'string' ? parseCoordinatesText(coordinates) : coordinates;
  checkCoordinates(type as Geometry['type'], coords);

  if (geoproperty !== undefined && geoproperty.trim() === '') fail('empty geoproperty');
  return {
    ...relation,
    geometry: { type: type as Geometry['type'], coordinates: coords },
    geoproperty: geoproperty === undefined ? LOCATION_IRI : expand(geoproperty),
  };
}

type Relation = Pick<GeoQuery, 'georel' | 'maxDistance' | 'minDistance'>;

export function parseGeorel(text: string): Relation {
  const [name, ...modifiers] = text.split(';');
  if (SIMPLE_GEORELS.has(name as GeoRel)) {
    if (modifiers.length > 0) fail(`georel '${name}' takes no modifier, found '${modifiers.join(';')}'`);
    return { georel: name as GeoRel };
  }
  if (name !== 'near') fail(`unknown georel '${name}' (expected near, within, contains, intersects, disjoint, equals or overlaps)`);
  if (modifiers.length === 0) fail("near needs ';maxDistance==N' or ';minDistance==N' (metres)");
  const relation: Relation = { georel: 'near' };
  for (const modifier of modifiers) {
    const m = DISTANCE_RE.exec(modifier);
    if (m === null) fail(`invalid near modifier '${modifier}' (expected maxDistance==N or minDistance==N, N a positive number of metres)`);
    const [, key, digits] = m as RegExpExecArray;
    const distance = Number(digits);
    if (!(distance > 0) || !Number.isFinite(distance)) fail(`${key} must be a positive number of metres, not '${digits}'`);
    if (relation[key as 'maxDistance' | 'minDistance'] !== undefined) fail(`${key} given twice`);
    relation[key as 'maxDistance' | 'minDistance'] = distance;
  }
  if (relation.maxDistance !== undefined && relation.minDistance !== undefined && relation.minDistance > relation.maxDistance) {
    fail(`minDistance (${relation.minDistance}) exceeds maxDistance (${relation.maxDistance})`);
  }
  return relation;
}

function parseCoordinatesText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fail(`coordinates are not a JSON array: '${text}'`);
  }
}

/** Validates coordinates for a geometry type (RFC 7946 3.1). */
export function checkCoordinates(type: Geometry['type'], coords: unknown): void {
  switch (type) {
    case 'Point': return checkPosition(coords, 'Point coordinates');
    case 'MultiPoint': return checkArray(coords, 1, 'MultiPoint coordinates', (p) => checkPosition(p, 'MultiPoint position'));
    case 'LineString': return checkLine(coords, 'LineString');
    case 'MultiLineString': return checkArray(coords, 1, 'MultiLineString coordinates', (l) => checkLine(l, 'MultiLineString line'));
    case 'Polygon': return checkPolygon(coords, 'Polygon');
    case 'MultiPolygon': return checkArray(coords, 1, 'MultiPolygon coordinates', (pg) => checkPolygon(pg, 'MultiPolygon polygon'));
  }
}

function checkPosition(p: unknown, what: string): void {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3 || !p.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    fail(`${what} must be [longitude, latitude] numbers, not ${JSON.stringify(p)}`);
  }
  const [lon, lat] = p as number[];
  if (lon < -180 || lon > 180) fail(`longitude ${lon} is outside [-180, 180]`);
  if (lat < -90 || lat > 90) fail(`latitude ${lat} is outside [-90, 90]`);
}

function checkArray(a: unknown, min: number, what: string, each: (item: unknown) => void): void {
  if (!Array.isArray(a) || a.length < min) fail(`${what} must be an array of at least ${min} item(s)`);
  (a as unknown[]).forEach(each);
}

function checkLine(line: unknown, what: string): void {
  checkArray(line, 2, `${what} coordinates`, (p) => checkPosition(p, `${what} position`));
}

function checkPolygon(rings: unknown, what: string): void {
  checkArray(rings, 1, `${what} coordinates`, (ring) => {
    checkArray(ring, 4, `${what} ring`, (p) => checkPosition(p, `${what} position`));
    const positions = ring as number[][];
    const first = positions[0];
    const last = positions[positions.length - 1];
    if (first[0] !== last[0] || first[1] !== last[1]) fail(`${what} ring is not closed (its first and last positions differ)`);
  });
}
