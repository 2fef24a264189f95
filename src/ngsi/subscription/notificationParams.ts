/**
 * NotificationParams (clause 5.2.14): what a notification contains (attributes, format,
 * sysAttrs, showChanges, join/joinLevel) and where it goes (endpoint, ./endpoint). Attribute names are
 * expanded with the request's @context so rendering a notification needs no re-expansion.
 */
import type { CompiledContext } from '../jsonld/context';
import type { Format } from '../render/options';
import {
  describe, expectAttributeNames, expectBoolean, expectString, invalid, isNull, isPlainObject,
} from './checks';
import { parseEndpoint } from './endpoint';
import type { NotificationParams } from './model';

const MEMBERS = new Set(['attributes', 'format', 'sysAttrs', 'showChanges', 'endpoint', 'join', 'joinLevel']);
/** Status members (clause 5.2.14) are set by the broker; a client's copy (GET then PATCH) is ignored. */
const STATUS_MEMBERS = new Set(['status', 'timesSent', 'timesFailed', 'lastNotification', 'lastFailure', 'lastSuccess']);
/** Most hops a notification's join follows (each is one store read per notification). */
export const MAX_JOIN_LEVEL = 5;

/**
 * Clause 4.5.4 calls the keyValues representation "simplified"; Orion-LD accepts both
 * names, so do we, and store the one the rest of Weft knows.
 */
const FORMATS: Readonly<Record<string, Format>> = { normalized: 'normalized', concise: 'concise', keyValues: 'keyValues', simplified: 'keyValues' };

/**
 * `base`: the current parameters when `raw` is an update fragment (clause 5.8.2). Its members
 * then replace the current ones one by one (the endpoint as a whole), and a null member
 * removes an optional one (back to its default). Without `base` the payload is a new
 * subscription's and the endpoint is required.
 */
export function parseNotificationParams(raw: unknown, ctx: CompiledContext, base?: NotificationParams): NotificationParams {
  if (!isPlainObject(raw)) throw invalid('notification', `must be an object, not ${describe(raw)}`);
  const out: Partial<NotificationParams> & Omit<NotificationParams, 'endpoint'> = base === undefined
    ? { format: 'normalized', sysAttrs: false, showChanges: false }
    : { ...base };
  let joinMode: 'flat' | 'inline' | '@none' | undefined;
  let joinLevel: number | undefined;
  for (const [key, v] of Object.entries(raw)) {
    const path = `notification.${key}`;
    if (STATUS_MEMBERS.has(key)) continue;
    if (!MEMBERS.has(key)) throw invalid(path, 'is not a member of NotificationParams (clause 5.2.14)');
    if (base !== undefined && isNull(v)) {
      if (key === 'endpoint') throw invalid(path, 'is mandatory and cannot be removed');
      removeMember(out, key);
      continue;
    }
    switch (key) {
      case 'attributes': out.attributes = expectAttributeNames(path, v, ctx); break;
      case 'format': {
        const f = FORMATS[expectString(path, v)];
        if (f === undefined) throw invalid(path, `must be normalized, concise or keyValues, not ${describe(v)}`);
        out.format = f;
        break;
      }
      case 'sysAttrs': out.sysAttrs = expectBoolean(path, v); break;
      case 'showChanges': out.showChanges = expectBoolean(path, v); break;
      case 'endpoint': out.endpoint = parseEndpoint(v); break;
      case 'join': {
        const mode = expectString(path, v);
        if (mode !== 'flat' && mode !== 'inline' && mode !== '@none') throw invalid(path, `must be flat, inline or @none, not ${describe(v)}`);
        joinMode = mode;
        break;
      }
      case 'joinLevel': {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_JOIN_LEVEL) throw invalid(path, `must be an integer from 1 to ${MAX_JOIN_LEVEL}, not ${describe(v)}`);
        joinLevel = v;
        break;
      }
    }
  }
  // join and joinLevel make one setting: a fragment may change either (clause 5.8.2).
  const mode = joinMode ?? out.join?.mode;
  if (joinLevel !== undefined && (mode === undefined || mode === '@none')) throw invalid('notification.joinLevel', 'needs join flat or inline');
  if (mode === undefined || mode === '@none') delete out.join;
  else out.join = { mode, level: joinLevel ?? out.join?.level ?? 1 };
  const endpoint = out.endpoint;
  if (endpoint === undefined) throw invalid('notification.endpoint', 'is required');
  // Clause 5.2.14: "showChanges cannot be true in case format is keyValues" (a bare value has
  // nowhere to carry previousValue).
  if (out.showChanges && out.format === 'keyValues') throw invalid('notification.showChanges', 'cannot be true when format is keyValues');
  return { ...out, endpoint };
}

function removeMember(out: Partial<NotificationParams>, key: string): void {
  switch (key) {
    case 'attributes': delete out.attributes; break;
    case 'format': out.format = 'normalized'; break;
    case 'sysAttrs': out.sysAttrs = false; break;
    case 'showChanges': out.showChanges = false; break;
    case 'join': delete out.join; break;
    case 'joinLevel': if (out.join !== undefined) out.join = { ...out.join, level: 1 }; break;
  }
}
