/**
 * Endpoint (clause 5.2.15) of a subscription's notification: where and how notifications go.
 * Validated here, once, so that notify/ never meets an endpoint it cannot use: a bad URI,
 * an MQTT URI without a topic or a header name HTTP would refuse fails the subscription
 * request with 400 instead of failing every delivery later.
 */
import type { Endpoint, KeyValuePair } from './model';
import {
  describe, expectArray, expectPositiveNumber, expectString, invalid, isPlainObject, unsupported,
} from './checks';

const ENDPOINT_MEMBERS = new Set(['uri', 'accept', 'timeout', 'receiverInfo', 'notifierInfo']);
/** Clause 5.2.15 members Weft does not build (422 rather than a silent ignore). */
const UNBUILT_ENDPOINT_MEMBERS = new Set(['cooldown']);

const SCHEMES = new Set(['http:', 'https:', 'mqtt:', 'mqtts:']);
const ACCEPTS = new Set(['application/json', 'application/ld+json']);

/** RFC 9110 5.1 field-name (token): receiverInfo keys become HTTP headers. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Header values must not smuggle a line break (response splitting) or NUL. */
const BAD_HEADER_VALUE = /[\r\n\0]/;

/** Clause 5.2.15 / annex on MQTT binding: notifierInfo keys with a fixed set of values. */
const NOTIFIER_VALUES: Readonly<Record<string, readonly string[]>> = {
  'MQTT-QoS': ['0', '1', '2'],
  'MQTT-Version': ['mqtt3.1.1', 'mqtt5.0'],
};

export function parseEndpoint(raw: unknown, path = 'notification.endpoint'): Endpoint {
  if (!isPlainObject(raw)) throw invalid(path, `must be an object, not ${describe(raw)}`);
  for (const key of Object.keys(raw)) {
    if (UNBUILT_ENDPOINT_MEMBERS.has(key)) throw unsupported(`${path}.${key}`, 'Weft does not implement it');
    if (!ENDPOINT_MEMBERS.has(key)) throw invalid(`${path}.${key}`, 'is not a member of Endpoint (clause 5.2.15)');
  }
  if (raw.uri === undefined) throw invalid(`${path}.uri`, 'is required');
  const endpoint: Endpoint = { uri: parseUri(`${path}.uri`, raw.uri), accept: parseAccept(`${path}.accept`, raw.accept) };
  if (raw.receiverInfo !== undefined) endpoint.receiverInfo = parseReceiverInfo(`${path}.receiverInfo`, raw.receiverInfo);
  if (raw.notifierInfo !== undefined) endpoint.notifierInfo = parseNotifierInfo(`${path}.notifierInfo`, raw.notifierInfo);
  if (raw.timeout !== undefined) endpoint.timeout = expectPositiveNumber(`${path}.timeout`, raw.timeout);
  return endpoint;
}

function parseUri(path: string, v: unknown): string {
  const text = expectString(path, v);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(path, `is not an absolute URI: ${describe(text)}`);
  }
  if (!SCHEMES.has(url.protocol)) throw invalid(path, `must use http, https, mqtt or mqtts, not '${url.protocol.slice(0, -1)}'`);
  if (url.hostname === '') throw invalid(path, `has no host: ${describe(text)}`);
  if (url.protocol === 'mqtt:' || url.protocol === 'mqtts:') {
    // MQTT binding: the path is the topic to publish on; a publisher may not use wildcards.
    const topic = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (topic === '') throw invalid(path, 'needs a topic: mqtt[s]://host[:port]/topic');
    if (/[+#]/.test(topic)) throw invalid(path, `topic '${topic}' must not contain the MQTT wildcards + or #`);
  }
  return text;
}

function parseAccept(path: string, v: unknown): Endpoint['accept'] {
  if (v === undefined) return 'application/json';
  const accept = expectString(path, v);
  if (accept === 'application/geo+json') throw unsupported(path, 'GeoJSON notifications are not implemented');
  if (!ACCEPTS.has(accept)) throw invalid(path, `must be application/json or application/ld+json, not ${describe(accept)}`);
  return accept as Endpoint['accept'];
}

function parsePairs(path: string, v: unknown): KeyValuePair[] {
  return expectArray(path, v, false).map((item, i) => {
    const at = `${path}[${i}]`;
    if (!isPlainObject(item)) throw invalid(at, `must be a {key, value} object, not ${describe(item)}`);
    for (const k of Object.keys(item)) if (k !== 'key' && k !== 'value') throw invalid(`${at}.${k}`, 'is not a member of KeyValuePair');
    if (typeof item.key !== 'string' || item.key === '') throw invalid(`${at}.key`, `must be a non-empty string, not ${describe(item.key)}`);
    if (typeof item.value !== 'string') throw invalid(`${at}.value`, `must be a string, not ${describe(item.value)}`);
    return { key: item.key, value: item.value };
  });
}

function parseReceiverInfo(path: string, v: unknown): KeyValuePair[] {
  const pairs = parsePairs(path, v);
  pairs.forEach((p, i) => {
    if (!HEADER_NAME.test(p.key)) throw invalid(`${path}[${i}].key`, `'${p.key}' is not a valid header name`);
    if (BAD_HEADER_VALUE.test(p.value)) throw invalid(`${path}[${i}].value`, 'must not contain line breaks');
  });
  return pairs;
}

function parseNotifierInfo(path: string, v: unknown): KeyValuePair[] {
  const pairs = parsePairs(path, v);
  pairs.forEach((p, i) => {
    const allowed = NOTIFIER_VALUES[p.key];
    if (allowed !== undefined && !allowed.includes(p.value)) {
      throw invalid(`${path}[${i}].value`, `${p.key} must be one of ${allowed.join(', ')}, not ${describe(p.value)}`);
    }
  });
  return pairs;
}
