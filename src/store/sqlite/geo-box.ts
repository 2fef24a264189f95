/** The bounding box a geoQ's matches must intersect (the SQL prefilter of geoQ). */
import type { GeoQuery } from '../../ngsi/query/ast';
import { bboxOf, type BBox } from './index-rows';

/** Mean Earth radius used by turf, as metres per degree of latitude; and a safety margin. */
const METRES_PER_DEGREE = 6371008.8 * (Math.PI / 180);
const MARGIN = 1.01;

/** The box any matching geometry must intersect, or undefined when no box can be given. */
export function queryBox(query: GeoQuery): BBox | undefined {
  const box = bboxOf(query.geometry);
  if (!box) return undefined;
  switch (query.georel) {
    case 'near':
      // Distances are measured from a point; without a maximum anything may match.
      if (query.maxDistance === undefined || query.geometry.type !== 'Point') return undefined;
      return expandByMetres(box, query.maxDistance);
    case 'disjoint':
      return undefined;
    case 'within':
    case 'contains':
    case 'intersects':
    case 'equals':
    case 'overlaps':
      return box;
    default: {
      const unknownRelation: never = query.georel;
      throw new Error(`Unhandled georel ${String(unknownRelation)}`);
    }
  }
}

function expandByMetres(box: BBox, metres: number): BBox {
  const dLat = (metres / METRES_PER_DEGREE) * MARGIN + 1e-6;
  const minLat = box.minLat - dLat;
  const maxLat = box.maxLat + dLat;
  const worstLat = Math.max(Math.abs(minLat), Math.abs(maxLat));
  const dLon = worstLat >= 89 ? 360 : dLat / Math.cos((worstLat * Math.PI) / 180);
  let minLon = box.minLon - dLon;
  let maxLon = box.maxLon + dLon;
  // Near the antimeridian the circle wraps: give up on narrowing longitude.
  if (minLon < -180 || maxLon > 180) {
    minLon = -180;
    maxLon = 180;
  }
  return { minLon, maxLon, minLat: Math.max(minLat, -90), maxLat: Math.min(maxLat, 90) };
}
