/**
 * Field-level checks shared by the provisioning parsers. Every error is BadRequestData with
 * a detail `<path>: <what is wrong>` (path like `devices[2].attributes[0].type`), so a client
 * posting 1,000 devices learns which member of which device to fix.
 */
import { ENTITY_MEMBERS, type Iri } from '../../ngsi/entity';
import { NgsiError } from '../../ngsi/errors';
import type { CompiledContext } from '../../ngsi/jsonld/context';
import { validateAttributeName, validateTypeName } from '../../ngsi/parse/names';
import type { PayloadFormat } from '../model';

export const fail = (path: string, what: string): NgsiError => new NgsiError('BadRequestData', `${path}: ${what}`);

/** Runs `fn`, prefixing the detail of an NgsiError it throws with `path` (for errors of ngsi/parse). */
export function at<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof NgsiError) throw fail(path, err.detail);
    throw err;
  }
}

export const join = (path: string, member: string): string => (path === '' ? member : `${path}.${member}`);

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function object(path: string, v: unknown): Record<string, unknown> {
  if (!isPlainObject(v)) throw fail(path, 'must be a JSON object');
  return v;
}

/**
 * How a body member is treated. IoT Agent members Weft has no use for are either ignored
 * (they only steer a separate agent's plumbing, so a body copied from an IoT Agent tutorial
 * still works) or rejected with the reason (they would change what data the twin gets, so
 * silently dropping them would mislead).
 */
export type MemberRule = 'accept' | 'ignore' | { unsupported: string };

/** Rejects any member `rules` does not name, so a typo ("entity_tpye") is an error, not a silent default. */
export function checkMembers(path: string, obj: Record<string, unknown>, rules: Readonly<Record<string, MemberRule>>): void {
  for (const key of Object.keys(obj)) {
    const rule = Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
    if (rule === undefined) throw fail(join(path, key), 'unknown member');
    if (typeof rule === 'object') throw fail(join(path, key), `not supported: ${rule.unsupported}`);
  }
}

export function string(path: string, v: unknown): string {
  if (v === undefined) throw fail(path, 'required');
  if (typeof v !== 'string' || v.length === 0) throw fail(path, 'must be a non-empty string');
  return v;
}

export function boolean(path: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw fail(path, 'must be true or false');
  return v;
}

export function array(path: string, v: unknown, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) throw fail(path, 'must be an array');
  if (v.length < min || v.length > max) throw fail(path, `must have ${min} to ${max} items (has ${v.length})`);
  return v;
}

// The apikey is a level of the MQTT topic (/{apikey}/{deviceId}/attrs) and part of the MQTT
// username (<apikey>/<deviceId>): no '/', no MQTT wildcards, nothing that needs escaping.
const APIKEY = /^[A-Za-z0-9_-]{1,64}$/;
export function apikey(path: string, v: unknown): string {
  if (typeof v !== 'string' || !APIKEY.test(v)) throw fail(path, 'must be 1 to 64 characters among A-Z a-z 0-9 _ -');
  return v;
}

// Same reasons as the apikey; '@' and '|' also separate the device from the command in
// UltraLight command payloads (<deviceId>@<command>|...).
const DEVICE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
export function deviceId(path: string, v: unknown): string {
  if (typeof v !== 'string' || !DEVICE_ID.test(v)) throw fail(path, 'must be 1 to 128 characters among A-Z a-z 0-9 _ . : -');
  // devices/topics.ts reads /<apikey>/attrs/<key> as a one-measure topic: such a device could never publish.
  if (v === 'attrs') throw fail(path, "'attrs' is reserved (it would make the device's topics ambiguous)");
  return v;
}

// A device key is a topic level (/attrs/{key}: no '/', '+', '#'), an UltraLight token ('|' and
// '#' separate measures and groups, '@' and '=' command parts) and a JSON member name.
// eslint-disable-next-line no-control-regex
const OBJECT_ID = /^[^\s\u0000-\u001f\u007f|#/+@=]{1,128}$/u;
export function objectId(path: string, v: unknown): string {
  if (typeof v !== 'string' || !OBJECT_ID.test(v)) {
    throw fail(path, `${JSON.stringify(v)} is not a usable device key: 1 to 128 characters, no whitespace and none of | # / + @ =`);
  }
  return v;
}

/** An attribute name (term, compact IRI or IRI) -> its IRI; id, type and the other entity members are no attributes. */
export function attributeName(path: string, v: unknown, ctx: CompiledContext): { term: string; iri: Iri } {
  const term = string(path, v);
  at(path, () => validateAttributeName(term));
  if (ENTITY_MEMBERS.has(term)) throw fail(path, `'${term}' is an entity member, not an attribute name`);
  return { term, iri: ctx.expandTerm(term) };
}

export function entityType(path: string, v: unknown, ctx: CompiledContext): Iri {
  const term = string(path, v);
  at(path, () => validateTypeName(term));
  if (term.startsWith('@')) throw fail(path, `'${term}' is a JSON-LD keyword, not an entity type`);
  return ctx.expandTerm(term);
}

// The IoT Agents' protocol names (iotagent-ul, iotagent-json), for bodies written for them.
const PROTOCOLS: Readonly<Record<string, PayloadFormat>> = {
  'IoTA-UL': 'ul', 'PDI-IoTA-UltraLight': 'ul', 'IoTA-JSON': 'json', 'PDI-IoTA-JSON': 'json',
};

/** Weft's `payload`, or the IoT Agent `protocol` naming the same thing; both given must agree. */
export function payloadFormat(path: string, obj: Record<string, unknown>): PayloadFormat | undefined {
  let format: PayloadFormat | undefined;
  if (obj.payload !== undefined) {
    if (obj.payload !== 'json' && obj.payload !== 'ul') throw fail(join(path, 'payload'), "must be 'json' or 'ul'");
    format = obj.payload;
  }
  if (obj.protocol !== undefined) {
    const p = typeof obj.protocol === 'string' && Object.prototype.hasOwnProperty.call(PROTOCOLS, obj.protocol) ? PROTOCOLS[obj.protocol] : undefined;
    if (p === undefined) throw fail(join(path, 'protocol'), `must be one of ${Object.keys(PROTOCOLS).join(', ')}`);
    if (format !== undefined && format !== p) throw fail(join(path, 'protocol'), `'${String(obj.protocol)}' contradicts payload '${format}'`);
    format = p;
  }
  return format;
}

/** Weft's only southbound transport; the IoT Agents' HTTP and AMQP would leave the device unreachable. */
export function checkTransport(path: string, v: unknown): void {
  if (v !== undefined && v !== 'MQTT') throw fail(path, "only 'MQTT' is supported");
}

export const EXPRESSIONS: MemberRule = { unsupported: 'Weft does not evaluate IoT Agent expressions' };
const TENANT = { unsupported: "the tenant is the request's NGSILD-Tenant header" };

/** IoT Agent members of groups and devices that steer features Weft does not have. */
export const AGENT_ONLY: Readonly<Record<string, MemberRule>> = {
  timestamp: { unsupported: "Weft adds no TimeInstant: a measure's own timestamp becomes observedAt" },
  trust: { unsupported: 'the gateway writes inside Weft: there is no context broker token to exchange' },
  entityNameExp: EXPRESSIONS,
  expressionLanguage: EXPRESSIONS,
  internal_attributes: { unsupported: 'Weft keeps no agent-specific data' },
  ngsiVersion: { unsupported: 'Weft speaks NGSI-LD only' },
  payloadType: { unsupported: "measures are IoT Agent JSON or UltraLight payloads (see 'payload')" },
  endpoint: { unsupported: 'commands are published on MQTT: there is no HTTP push endpoint' },
  defaultEntityNameConjunction: { unsupported: 'the default entity id is urn:ngsi-ld:<type>:<device_id>' },
  service: TENANT,
  subservice: TENANT,
  service_path: TENANT,
};
