/**
 * UltraLight 2.0 as the FIWARE IoT Agent UL documents and implements it (usermanual, "Measure
 * Payload Syntax" and "Commands Syntax"; lib/ulParser.js):
 *
 *   payload  = group *( "#" group )
 *   group    = [ timestamp "|" ] key "|" value *( "|" key "|" value )
 *   command  = deviceId "@" command "|" value            (Weft -> device, on /cmd)
 *            | deviceId "@" command *( "|" param "=" value )
 *   result   = deviceId "@" command "|" result           (device -> Weft, on /cmdexe)
 *
 * UL 2.0 has no escaping: '|', '#' (and '@', '=' in commands) are always separators, so a
 * value cannot contain them. Values are untyped text. Like the IoT Agent, fields are not
 * trimmed (' t' is not 't'; a text value keeps its spaces) and an empty key or value makes the
 * payload invalid. One deliberate leniency: a single trailing line break of the whole payload
 * is dropped, because shell tools and serial bridges append one.
 */
import { isDateTime } from '../ngsi/parse/datetime';
import { DevicePayloadError } from './payload-error';

// Separators a command's parts may not contain (no escaping in UL 2.0).
const HEAD_SEPARATOR = /[@|]/;
const PARAM_SEPARATOR = /[|=]/;

export interface UlMeasureGroup { timestamp?: string; measures: Array<[key: string, value: string]> }

/** 'k|v|k|v', several groups separated by '#', an optional ISO 8601 timestamp as a group's first field. */
export function parseUltralight(text: string): UlMeasureGroup[] {
  const groups: UlMeasureGroup[] = [];
  for (const group of withoutLineBreak(text).split('#')) {
    if (group.length === 0) continue; // 'a|1#' and 'a|1##b|2': nothing was meant there
    groups.push(parseGroup(group));
  }
  if (groups.length === 0) throw new DevicePayloadError('UltraLight payload has no measures');
  return groups;
}

function parseGroup(group: string): UlMeasureGroup {
  const fields = group.split('|');
  let first = 0;
  let timestamp: string | undefined;
  // The IoT Agent's rule: an odd field count means the first field is the group's timestamp.
  if (fields.length % 2 === 1) {
    if (!isDateTime(fields[0])) {
      throw new DevicePayloadError(`UltraLight group ${quote(group)} has an odd number of fields and does not start with an ISO 8601 date-time`);
    }
    if (fields.length === 1) throw new DevicePayloadError(`UltraLight group ${quote(group)} has a timestamp but no measures`);
    timestamp = fields[0];
    first = 1;
  }
  const measures: Array<[string, string]> = [];
  for (let i = first; i < fields.length; i += 2) {
    const key = fields[i];
    const value = fields[i + 1];
    if (key.length === 0) throw new DevicePayloadError(`UltraLight group ${quote(group)} has an empty key`);
    if (value.length === 0) throw new DevicePayloadError(`UltraLight group ${quote(group)} has an empty value for ${quote(key)}`);
    measures.push([key, value]);
  }
  return timestamp === undefined ? { measures } : { timestamp, measures };
}

/**
 * '<deviceId>@<command>|<value>'; an object value becomes 'k=v|k=v' (IoT Agent UL command syntax).
 * null/undefined send no value; arrays and nested objects are sent as JSON text.
 * Throws DevicePayloadError when a part would contain a separator: without escaping, the
 * device would read something else than what was written to the twin.
 */
export function encodeUltralightCommand(deviceId: string, command: string, value: unknown): string {
  if (HEAD_SEPARATOR.test(deviceId) || deviceId.length === 0) throw new DevicePayloadError(`device id ${quote(deviceId)} cannot be written in an UltraLight command`);
  if (HEAD_SEPARATOR.test(command) || command.length === 0) throw new DevicePayloadError(`command name ${quote(command)} cannot be written in UltraLight`);
  const head = `${deviceId}@${command}`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    let out = head;
    for (const [k, v] of Object.entries(value)) {
      if (k.length === 0 || PARAM_SEPARATOR.test(k)) throw new DevicePayloadError(`command parameter ${quote(k)} cannot be written in UltraLight`);
      out += `|${k}=${fieldText(v, k)}`;
    }
    return out;
  }
  return `${head}|${fieldText(value, command)}`;
}

function fieldText(v: unknown, what: string): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (s.includes('|')) throw new DevicePayloadError(`the value of ${quote(what)} contains '|', which UltraLight cannot carry`);
  return s;
}

/** '<deviceId>@<command>|<result>' (the device's reply on /cmdexe). */
export function parseUltralightCommandResult(text: string): { deviceId: string; command: string; result: string } {
  const line = withoutLineBreak(text);
  const bar = line.indexOf('|');
  const head = bar < 0 ? line : line.slice(0, bar);
  const at = head.indexOf('@');
  if (at <= 0 || at === head.length - 1) {
    throw new DevicePayloadError(`UltraLight command result ${quote(line)} does not start with <deviceId>@<command>`);
  }
  // The IoT Agent keeps only the field after the first '|'; the whole rest keeps a result that holds '|'.
  return { deviceId: head.slice(0, at), command: head.slice(at + 1), result: bar < 0 ? '' : line.slice(bar + 1) };
}

/** The text without one trailing line break (also used for single raw-text measures). */
export function withoutLineBreak(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n')) return text.slice(0, -1);
  return text;
}

// Reasons go to logs: bound what a hostile device can make us write there.
function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}
