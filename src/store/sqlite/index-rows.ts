/**
 * Derives the index rows of one entity (entity_types, attrs, scopes, geo_bbox) from its
 * document. The attrs rows mirror, value for value, what the in-memory matcher compares for
 * a top-level q term (ngsi/query/targets.ts): change one and the other must follow, or the
 * SQL translation (filter-sql.ts) would stop agreeing with the matcher. The contract suite
 * checks the two against each other on every filter it runs.
 */
import type { Attribute, Entity, Geometry } from '../../ngsi/entity';
import { epochOfDateTime } from './date-time';

/**
 * How a q term may compare a target value (ngsi/query/targets TargetKind): plain values
 * compare by type, Relationship objects only by equality, VocabProperty IRIs also through
 * the expansion of the q value.
 */
export const TARGET_VALUE = 0;
export const TARGET_OBJECT = 1;
export const TARGET_VOCAB = 2;
type TargetKind = typeof TARGET_VALUE | typeof TARGET_OBJECT | typeof TARGET_VOCAB;

export interface AttrRow {
  name: string;
  kind: string;
  datasetId: string | null;
  /** null: the instance has no target value (a bare `attr` q term does not see it). */
  tk: TargetKind | null;
  num: number | null;
  str: string | null;
  bool: number | null;
  ts: number | null;
  bbox: BBox | null;
}

export interface BBox {
  minLon: number;
  maxLon: number;
  minLat: number;
  maxLat: number;
}

interface Target {
  tk: TargetKind;
  /** The target values, arrays already flattened one level (as the matcher scans them). */
  values: unknown[];
}

export function attrRowsOf(entity: Entity): AttrRow[] {
  const rows: AttrRow[] = [];
  for (const name of Object.keys(entity.attrs)) {
    for (const instance of entity.attrs[name]) {
      const datasetId = instance.datasetId ?? null;
      const target = targetOf(instance);
      const before = rows.length;
      if (target !== undefined) {
        for (const value of target.values) {
          const row = valueRow(name, instance.type, datasetId, target.tk, value);
          if (row !== undefined) rows.push(row);
        }
      }
      if (rows.length === before) {
        // Nothing comparable: one row anyway, for existence filters and discovery. Any
        // geometry-shaped value gets a box whatever the kind: the box only prefilters geoQ.
        rows.push(emptyRow(name, instance.type, datasetId, target?.tk ?? null, bboxOf(instance.value)));
      }
    }
  }
  return rows;
}

/** Normalised scope strings to index: a leading '/' is optional (clause 4.18), '' matches nothing. */
export function scopeRowsOf(entity: Entity): string[] {
  const scopes = new Set<string>();
  for (const scope of entity.scope ?? []) {
    if (scope.length > 0) scopes.add(scope.startsWith('/') ? scope : '/' + scope);
  }
  return [...scopes];
}

/** What a top-level q path addresses in one instance; undefined when there is no target. */
function targetOf(instance: Attribute): Target | undefined {
  switch (instance.type) {
    case 'Property':
    case 'GeoProperty':
      return valueTarget(TARGET_VALUE, instance.value);
    case 'JsonProperty':
      return valueTarget(TARGET_VALUE, instance.json);
    case 'ListProperty':
      return valueTarget(TARGET_VALUE, instance.valueList);
    case 'Relationship':
      return valueTarget(TARGET_OBJECT, instance.object);
    case 'ListRelationship':
      return valueTarget(TARGET_OBJECT, instance.objectList);
    case 'VocabProperty':
      return valueTarget(TARGET_VOCAB, instance.vocab);
    case 'LanguageProperty': {
      const map = instance.languageMap;
      if (map === undefined) return undefined;
      const values: unknown[] = [];
      for (const language in map) {
        const v = map[language];
        if (Array.isArray(v)) values.push(...v);
        else if (v !== undefined) values.push(v);
      }
      return Object.keys(map).length === 0 ? undefined : { tk: TARGET_VALUE, values };
    }
    default: {
      const unknownKind: never = instance.type;
      return unknownKind;
    }
  }
}

function valueTarget(tk: TargetKind, value: unknown): Target | undefined {
  if (value === undefined) return undefined;
  return { tk, values: Array.isArray(value) ? value : [value] };
}

/** The row of one target value, or undefined when no q value can ever equal or order it. */
function valueRow(name: string, kind: string, datasetId: string | null, tk: TargetKind, v: unknown): AttrRow | undefined {
  const row = emptyRow(name, kind, datasetId, tk, null);
  if (typeof v === 'string') {
    row.str = v;
    if (tk === TARGET_VALUE) row.ts = epochOfDateTime(v) ?? null;
    return row;
  }
  // Numbers, booleans and instants compare only as plain values (matcher: TargetKind.Value).
  if (tk !== TARGET_VALUE) return undefined;
  if (typeof v === 'number') row.num = v;
  else if (typeof v === 'boolean') row.bool = v ? 1 : 0;
  else {
    const ts = epochOfDateTime(v); // the typed form {"@type": "DateTime", "@value": ...}
    if (ts === undefined) return undefined;
    row.ts = ts;
  }
  return row;
}

function emptyRow(name: string, kind: string, datasetId: string | null, tk: TargetKind | null, bbox: BBox | null): AttrRow {
  return { name, kind, datasetId, tk, num: null, str: null, bool: null, ts: null, bbox };
}

/** Bounding box of a GeoJSON geometry, or null if it has no usable coordinates. */
export function bboxOf(value: unknown): BBox | null {
  const geometry = value as Geometry | undefined;
  if (!geometry || typeof geometry !== 'object' || typeof geometry.type !== 'string' || !('coordinates' in geometry)) {
    return null;
  }
  const box: BBox = { minLon: Infinity, maxLon: -Infinity, minLat: Infinity, maxLat: -Infinity };
  extendBox(box, geometry.coordinates);
  return box.minLon <= box.maxLon ? box : null;
}

function extendBox(box: BBox, coords: unknown): void {
  if (!Array.isArray(coords)) return;
  if (typeof coords[0] === 'number' && typeof coords[1] === 'number') {
    const [lon, lat] = coords as number[];
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return;
    if (lon < box.minLon) box.minLon = lon;
    if (lon > box.maxLon) box.maxLon = lon;
    if (lat < box.minLat) box.minLat = lat;
    if (lat > box.maxLat) box.maxLat = lat;
    return;
  }
  for (const c of coords) extendBox(box, c);
}
