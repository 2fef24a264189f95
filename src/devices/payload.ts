/**
 * Device payloads -> raw measures, and commands <-> payloads, in the device's format (JSON as
 * the FIWARE IoT Agent JSON reads it, UltraLight 2.0 as the IoT Agent UL does). No typing
 * here: values stay as the device sent them, mapping.ts converts them.
 */
import { isDateTime } from '../ngsi/parse/datetime';
import type { PayloadFormat } from './model';
import { DevicePayloadError } from './payload-error';
import { encodeUltralightCommand, parseUltralight, parseUltralightCommandResult, withoutLineBreak } from './ultralight';

export { DevicePayloadError };

export type RawMeasures = Record<string, unknown>;

/** One update to apply: measures of one instant. */
export interface MeasureBatch {
  observedAt?: string;
  measures: RawMeasures;
  /**
   * The values are untyped text (UltraLight, or a single measure that is not JSON): mapping
   * then reads numeric-looking text as a number when the mapping gives no valueType.
   */
  fromText?: boolean;
}

/** The IoT Agents' name for a measure's timestamp: it gives observedAt and is not a measure. */
const TIME_INSTANT = 'TimeInstant';

/**
 * JSON: an object of measures, or an array of such objects (IoT Agent JSON multi-measure); 'TimeInstant' (IoT Agent convention) gives observedAt and is not a measure.
 * UL: the groups of parseUltralight ('TimeInstant|<date-time>' is read as the group's timestamp too).
 * key (topic /attrs/{key}): the payload is ONE value (JSON: any JSON text, or if it does not parse as JSON, the raw text; UL: the raw text).
 * Throws DevicePayloadError.
 */
export function decodeMeasures(payload: Buffer, format: PayloadFormat, key?: string): MeasureBatch[] {
  // A zero-length publication is how MQTT clears a retained message, never a measure.
  if (payload.length === 0) throw new DevicePayloadError('empty payload');
  const text = payload.toString('utf8');
  if (key !== undefined) return [singleMeasure(text, format, key)];
  if (format === 'ul') {
    return parseUltralight(text).map((group) => {
      const measures: RawMeasures = {};
      for (const [k, v] of group.measures) put(measures, k, v);
      return withTimestamp(measures, group.timestamp, true);
    });
  }
  const doc = parseJson(text);
  if (isObject(doc)) return [withTimestamp(doc, undefined, false)];
  if (Array.isArray(doc)) {
    if (doc.length === 0) throw new DevicePayloadError('empty array of measures');
    return doc.map((item, i) => {
      if (!isObject(item)) throw new DevicePayloadError(`item ${i} of the measures array is not a JSON object`);
      return withTimestamp(item, undefined, false);
    });
  }
  throw new DevicePayloadError('a JSON measures payload must be an object or an array of objects');
}

function singleMeasure(text: string, format: PayloadFormat, key: string): MeasureBatch {
  if (key === TIME_INSTANT) throw new DevicePayloadError('TimeInstant is a timestamp, not a measure');
  const measures: RawMeasures = {};
  if (format === 'json' && mayBeJson(text)) {
    const parsed = tryJson(text);
    if (parsed.ok) {
      put(measures, key, parsed.value);
      return { measures, fromText: false };
    }
  }
  put(measures, key, withoutLineBreak(text));
  return { measures, fromText: true };
}

/** Takes TimeInstant out of the measures (copying them only then: the common payload has none). */
function withTimestamp(measures: RawMeasures, timestamp: string | undefined, fromText: boolean): MeasureBatch {
  let observedAt = timestamp;
  let rest = measures;
  if (Object.hasOwn(measures, TIME_INSTANT)) {
    const t = measures[TIME_INSTANT];
    if (!isDateTime(t)) throw new DevicePayloadError(`TimeInstant ${JSON.stringify(t)} is not an ISO 8601 date-time`);
    observedAt = t as string;
    rest = {};
    for (const k of Object.keys(measures)) if (k !== TIME_INSTANT) put(rest, k, measures[k]);
  }
  if (!hasKeys(rest)) throw new DevicePayloadError('no measures in the payload');
  return observedAt === undefined ? { measures: rest, fromText } : { observedAt, measures: rest, fromText };
}

/** What Weft publishes on /cmd: JSON '{"<command>": value}', UL encodeUltralightCommand. */
export function encodeCommand(format: PayloadFormat, deviceId: string, command: string, value: unknown): string {
  if (format === 'ul') return encodeUltralightCommand(deviceId, command, value);
  return JSON.stringify({ [command]: value === undefined ? null : value });
}

/**
 * The device's reply on /cmdexe: JSON '{"<command>": result, ...}' (several commands possible);
 * UL parseUltralightCommandResult, whose device id must be `deviceId` (or DevicePayloadError).
 *
 * failed: Weft's convention, not the IoT Agents' (they mark every reply OK): a JSON result that
 * is an object with an 'error' member, or a UL result starting with 'ERROR', is a command the
 * device could not execute; its status on the twin becomes ERROR.
 */
export function decodeCommandResults(payload: Buffer, format: PayloadFormat, deviceId: string): Array<{ command: string; result: unknown; failed: boolean }> {
  if (payload.length === 0) throw new DevicePayloadError('empty payload');
  const text = payload.toString('utf8');
  if (format === 'ul') {
    const r = parseUltralightCommandResult(text);
    if (r.deviceId !== deviceId) {
      throw new DevicePayloadError(`command result names device ${JSON.stringify(r.deviceId)}, not the publishing device`);
    }
    return [{ command: r.command, result: r.result, failed: r.result.startsWith('ERROR') }];
  }
  const doc = parseJson(text);
  if (!isObject(doc)) throw new DevicePayloadError('a JSON command result must be an object {"<command>": result}');
  const results = Object.keys(doc).map((command) => {
    const result = doc[command];
    return { command, result, failed: isObject(result) && Object.hasOwn(result, 'error') };
  });
  if (results.length === 0) throw new DevicePayloadError('empty command result object');
  return results;
}

function parseJson(text: string): unknown {
  const parsed = tryJson(text);
  if (!parsed.ok) throw new DevicePayloadError(`malformed JSON: ${parsed.problem}`);
  return parsed.value;
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, problem: (e as Error).message };
  }
}

/**
 * Whether text may be JSON, from its first non-blank character: single measures that are raw
 * text ('on', 'abc') then skip JSON.parse and its exception.
 */
function mayBeJson(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c === 0x7b || c === 0x5b || c === 0x22 || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e; // { [ " - 0-9 t f n
  }
  return false;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

/** rec[k] = v, except that a device's key '__proto__' must stay a measure, not replace the prototype. */
function put(rec: RawMeasures, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(rec, k, { value: v, enumerable: true, writable: true, configurable: true });
  else rec[k] = v;
}
