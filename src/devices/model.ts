/**
 * The device registry's model (issue 5): service groups and devices as Weft keeps them,
 * after validation and with every name expanded to an IRI once, at provisioning, so that
 * ingesting a measure never runs JSON-LD machinery.
 *
 * The concepts are the FIWARE IoT Agents' (an apikey names a service group; a group gives
 * defaults to its devices; `object_id` maps a device key to an attribute), so users of the
 * JSON and UltraLight agents find what they know. Pure data, no I/O.
 */
import type { Attribute, Iri } from '../ngsi/entity';

/** How a device encodes measures and commands on MQTT: JSON objects or UltraLight 2.0 text. */
export type PayloadFormat = 'json' | 'ul';

/**
 * How a raw measure becomes an attribute value. undefined: a JSON value as it is; an
 * UltraLight text as a number when it reads as one, else as text.
 *   Number, Integer, Boolean, Text, DateTime   Property values (DateTime: ISO 8601 string)
 *   Object                                     a Property whose value is a JSON object/array
 *   geo:point                                  GeoProperty Point from "lat,lon" (IoT Agent order) or [lon, lat] / GeoJSON
 *   geo:json                                   GeoProperty from a GeoJSON geometry
 */
export type ValueType = 'Number' | 'Integer' | 'Boolean' | 'Text' | 'DateTime' | 'Object' | 'geo:point' | 'geo:json';

export const VALUE_TYPES: readonly ValueType[] = ['Number', 'Integer', 'Boolean', 'Text', 'DateTime', 'Object', 'geo:point', 'geo:json'];

/** The NGSI-LD attribute kinds a measure may become. */
export type MeasureKind = 'Property' | 'GeoProperty' | 'Relationship';

export interface AttributeMapping {
  /** The key in the device's payload ('t'); the attribute's term when not given. */
  objectId: string;
  /** The attribute, expanded. */
  name: Iri;
  kind: MeasureKind;
  valueType?: ValueType;
  unitCode?: string;
}

/** An attribute every twin of the group or device carries (a fixed location, a model name). */
export interface StaticAttribute {
  name: Iri;
  /** Normalized and expanded, as ngsi/parse makes it. */
  attribute: Attribute;
}

/**
 * A command the device executes. On the twin: the attribute `name` (written by clients to
 * send the command), `<name>_status` (PENDING, DELIVERED, OK, ERROR, TIMEOUT) and
 * `<name>_info` (the device's result), as the IoT Agents do.
 */
export interface CommandDeclaration {
  /** The command attribute, expanded. */
  name: Iri;
  /** The command's name in the device's payload; the attribute's term when not given. */
  objectId: string;
}

/** What happens to measure keys the mapping does not name. */
export type UnknownKeys = 'ignore' | 'store';

/** A service group (IoT Agent "config group"): an apikey and the defaults of its devices. */
export interface ServiceGroup {
  /** Unique across all tenants: an MQTT topic names the apikey, not the tenant. */
  apikey: string;
  /** Twin type of its devices, expanded. */
  entityType: Iri;
  attributes: AttributeMapping[];
  staticAttributes: StaticAttribute[];
  commands: CommandDeclaration[];
  payload: PayloadFormat;
  /** Whether a device not provisioned may create itself by publishing (needs the group's password or token rules: see credentials). */
  autoprovision: boolean;
  unknownKeys: UnknownKeys;
  /**
   * Credentials shared by the group's devices when a device has none of its own
   * (autoprovisioned devices only have these).
   */
  credentials: DeviceCredentials;
  createdAt: string;
  modifiedAt: string;
}

/**
 * How a device proves who it is at MQTT CONNECT (username `<apikey>/<deviceId>`):
 * a password, or a short-lived JWT it signed with a key whose public half is registered
 * here (device attestation, issue 4). Secrets are stored hashed, never returned.
 */
export interface DeviceCredentials {
  /** scrypt hash (security/devices), never the password. */
  passwordHash?: string;
  /** Public JWKs (EC P-256, OKP Ed25519, RSA >= 2048) the device's tokens are verified with. */
  publicKeys?: DevicePublicKey[];
}

export interface DevicePublicKey {
  kty: 'EC' | 'OKP' | 'RSA';
  /** Thumbprint (RFC 7638) when the device did not name it: tokens select it by `kid`. */
  kid: string;
  [member: string]: unknown;
}

export interface Device {
  /** Unique within its tenant. */
  deviceId: string;
  /** Its service group. */
  apikey: string;
  /** The twin. */
  entityId: string;
  entityType: Iri;
  payload: PayloadFormat;
  /** The device's own mappings; they win over the group's for the same objectId. */
  attributes: AttributeMapping[];
  staticAttributes: StaticAttribute[];
  commands: CommandDeclaration[];
  credentials: DeviceCredentials;
  /** Created by its first message (the group allows autoprovision), not by the API. */
  autoprovisioned: boolean;
  createdAt: string;
  modifiedAt: string;
}

export type CommandStatus = 'PENDING' | 'DELIVERED' | 'OK' | 'ERROR' | 'TIMEOUT';

/** A command sent to a device and not yet answered (persisted: survives restarts). */
export interface PendingCommand {
  /** Unique (UUID). */
  id: string;
  deviceId: string;
  /** The command attribute, expanded. */
  name: Iri;
  /** The value written to the command attribute: what the device receives. */
  value: unknown;
  status: Extract<CommandStatus, 'PENDING' | 'DELIVERED'>;
  /** Publications so far (the first, then retries while the device does not answer). */
  attempts: number;
  createdAt: string;
  /** After this, the command is given up: status TIMEOUT on the twin. */
  expiresAt: string;
}
