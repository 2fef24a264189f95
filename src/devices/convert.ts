/**
 * One raw measure -> an attribute value, by the mapping's ValueType (model.ts). Results, not
 * exceptions: a bad measure is common enough on the ingestion hot path, and it only rejects
 * that measure. Patterns are compiled once, here.
 */
import type { Geometry } from '../ngsi/entity';
import { isDateTime } from '../ngsi/parse/datetime';
import { geometryProblem } from '../ngsi/parse/geo';
import { NGSI_LD_NULL } from '../ngsi/parse/null';
import type { ValueType } from './model';

export type Converted = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * Text read as a number when the mapping gives no type: JSON's number syntax, so '007' or
 * '+5' (codes rather than quantities) stay text.
 */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Text accepted where the mapping asks for a number: what a device firmware may print. */
const DECIMAL = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
/** 'lat,lon' as the IoT Agents send geo:point. */
const LAT_LON = /^([^,]+),([^,]+)$/;

const ok = (value: unknown): Converted => ({ ok: true, value });
const no = (problem: string): Converted => ({ ok: false, problem });

export function convert(valueType: ValueType | undefined, raw: unknown, fromText: boolean): Converted {
  if (raw === null || raw === undefined) return no('null is not a value');
  // The NGSI-LD deletion marker: stored, the merge rules would read it as "delete".
  if (raw === NGSI_LD_NULL) return no(`"${NGSI_LD_NULL}" is not a value`);
  switch (valueType) {
    case undefined:
      if (fromText && typeof raw === 'string' && JSON_NUMBER.test(raw)) {
        const n = Number(raw);
        if (Number.isFinite(n)) return ok(n);
      }
      return ok(raw);
    case 'Number': {
      const n = toNumber(raw);
      return n === undefined ? no(`${brief(raw)} is not a number`) : ok(n);
    }
    case 'Integer': {
      const n = toNumber(raw);
      return n === undefined || !Number.isInteger(n) ? no(`${brief(raw)} is not an integer`) : ok(n);
    }
    case 'Boolean':
      if (raw === true || raw === 'true' || raw === 1 || raw === '1') return ok(true);
      if (raw === false || raw === 'false' || raw === 0 || raw === '0') return ok(false);
      return no(`${brief(raw)} is not a boolean (true, false, 1 or 0)`);
    case 'Text':
      if (typeof raw === 'string') return ok(raw);
      if (typeof raw === 'number' || typeof raw === 'boolean') return ok(String(raw));
      return no(`${brief(raw)} is not text`);
    case 'DateTime':
      // The typed form Weft's queries and temporal indexes read as a date-time (ngsi/query/temporal).
      return isDateTime(raw) ? ok({ '@type': 'DateTime', '@value': raw }) : no(`${brief(raw)} is not an ISO 8601 date-time`);
    case 'Object': {
      const v = typeof raw === 'string' ? jsonIn(raw) : raw;
      return typeof v === 'object' && v !== null ? ok(v) : no(`${brief(raw)} is not a JSON object or array`);
    }
    case 'geo:point':
      return toPoint(raw);
    case 'geo:json': {
      const v = typeof raw === 'string' ? jsonIn(raw) : raw;
      const problem = geometryProblem(v);
      return problem === undefined ? ok(v) : no(`not a GeoJSON geometry: ${problem}`);
    }
  }
}

function toNumber(raw: unknown): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** geo:point: 'lat,lon' (IoT Agent order), [lon, lat(, alt)], or a GeoJSON Point (also as JSON text). */
function toPoint(raw: unknown): Converted {
  let v = raw;
  if (typeof raw === 'string') {
    const m = looksLikeJson(raw) ? null : LAT_LON.exec(raw);
    if (m !== null) {
      const lat = toNumber(m[1]);
      const lon = toNumber(m[2]);
      if (lat === undefined || lon === undefined) return no(`${brief(raw)} is not "latitude,longitude"`);
      v = [lon, lat];
    } else {
      v = jsonIn(raw);
    }
  }
  const point: unknown = Array.isArray(v) ? { type: 'Point', coordinates: v } : v;
  if (typeof point !== 'object' || point === null || (point as Geometry).type !== 'Point') {
    return no(`${brief(raw)} is not a point ("latitude,longitude", [longitude, latitude] or a GeoJSON Point)`);
  }
  const problem = geometryProblem(point);
  return problem === undefined ? ok(point) : no(`not a valid point: ${problem}`);
}

/** The JSON object or array a string holds, else undefined (no exception for plain text). */
function jsonIn(s: string): unknown {
  if (!looksLikeJson(s)) return undefined;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function looksLikeJson(s: string): boolean {
  const t = s.trimStart();
  return t.startsWith('{') || t.startsWith('[');
}

export function brief(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}
