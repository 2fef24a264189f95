/**
 * MQTT topics of the device gateway, in the FIWARE IoT Agent forms (issue 5):
 *
 *   [/][json/|ul/]{apikey}/{deviceId}/attrs          a set of measures
 *   [/][json/|ul/]{apikey}/{deviceId}/attrs/{key}    one measure
 *   [/][json/|ul/]{apikey}/{deviceId}/cmdexe         the device's command results
 *   [/][json/|ul/]{apikey}/{deviceId}/cmd            commands to the device (Weft publishes '/{apikey}/{deviceId}/cmd')
 *
 * The leading slash is the IoT Agents' historical form; the '/json/' and '/ul/' prefixes are
 * the IoT Agent >= 1.x form, and name the payload format of that one message.
 *
 * Reserved names, so that every accepted topic has one reading and reaches the gateway through
 * one filter (see DEVICE_TOPIC_FILTERS): a deviceId may not be 'attrs', a measure key may not be
 * 'attrs' or 'cmdexe'. Provisioning should refuse a deviceId 'attrs', or that device can never
 * publish.
 */
import type { PayloadFormat } from './model';

export type DeviceChannel = 'attrs' | 'cmdexe' | 'cmd';

export interface DeviceTopic {
  apikey: string;
  deviceId: string;
  channel: DeviceChannel;
  /** attrs/{key}: one measure */
  key?: string;
  /** from a '/json/' or '/ul/' prefix (IoT Agent >= 1.x form), which then wins over the provisioned format */
  format?: PayloadFormat;
}

/**
 * Each accepted form of length L (in levels) has its channel at level L, or 'attrs' at level
 * L-1 when a key follows; one filter per (length, anchor) covers them all:
 *   3 levels  k/d/attrs  k/d/cmdexe
 *   4 levels  /k/d/attrs  json/k/d/attrs (and cmdexe), k/d/attrs/key
 *   5 levels  /json/k/d/attrs (and cmdexe), /k/d/attrs/key, json/k/d/attrs/key
 *   6 levels  /json/k/d/attrs/key
 * Filters of one length intersect only on topics ending in '/attrs/attrs' or '/attrs/cmdexe',
 * which the reserved names above make invalid: a topic that two filters match is one
 * parseDeviceTopic refuses, so a valid message is never delivered twice (a broker may send one
 * copy per matching subscription, and shared subscriptions may send them to two instances).
 * No filter matches a '.../cmd' topic: the gateway does not receive its own commands back.
 */
export const DEVICE_TOPIC_FILTERS: readonly string[] = Object.freeze([
  '+/+/attrs', '+/+/cmdexe',
  '+/+/+/attrs', '+/+/+/cmdexe', '+/+/attrs/+',
  '+/+/+/+/attrs', '+/+/+/+/cmdexe', '+/+/+/attrs/+',
  '+/+/+/+/attrs/+',
]);

export function commandTopic(apikey: string, deviceId: string): string {
  return `/${apikey}/${deviceId}/cmd`;
}

/** Whether a topic filter a client asks to subscribe to is exactly its own command topic (used for per-device ACL). */
export function isOwnCommandFilter(filter: string, apikey: string, deviceId: string): boolean {
  // Equality, not matching: any wildcard ('/k/+/cmd', '#') would reach other devices' commands.
  return filter === commandTopic(apikey, deviceId);
}

export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  if (parts.length < 3 || parts.length > 6) return undefined;
  const start = parts[0] === '' ? 1 : 0;
  const prefix = parts[start];
  if ((prefix === 'json' || prefix === 'ul') && parts.length - start >= 4) {
    // 'json/k/d/attrs/x' may also be apikey 'json' with a key; the reserved names leave at most one reading valid.
    const prefixed = readForm(parts, start + 1, prefix);
    if (prefixed !== undefined) return prefixed;
  }
  return readForm(parts, start, undefined);
}

/** {apikey}/{deviceId}/{channel} or {apikey}/{deviceId}/attrs/{key}, from parts[start] to the end. */
function readForm(parts: string[], start: number, format: PayloadFormat | undefined): DeviceTopic | undefined {
  const n = parts.length - start;
  if (n !== 3 && n !== 4) return undefined;
  const apikey = parts[start];
  const deviceId = parts[start + 1];
  const channel = parts[start + 2];
  if (!isName(apikey) || !isName(deviceId) || deviceId === 'attrs') return undefined;
  if (n === 4) {
    const key = parts[start + 3];
    if (channel !== 'attrs' || !isName(key) || key === 'attrs' || key === 'cmdexe') return undefined;
    return format === undefined ? { apikey, deviceId, channel, key } : { apikey, deviceId, channel, key, format };
  }
  if (channel !== 'attrs' && channel !== 'cmdexe' && channel !== 'cmd') return undefined;
  return format === undefined ? { apikey, deviceId, channel } : { apikey, deviceId, channel, format };
}

// '/' cannot occur after split; '+' and '#' are wildcards, never part of a device's name [MQTT-4.7.1].
function isName(s: string): boolean {
  return s.length > 0 && !s.includes('+') && !s.includes('#');
}
