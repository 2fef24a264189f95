import assert from 'node:assert/strict';
import { NgsiError } from '../../src/ngsi/errors';
import type { Device, ServiceGroup } from '../../src/devices/model';
import {
  checkMappings, checkServiceGroup, parseDeviceUpdate, parseDevices, parseServiceGroupUpdate, parseServiceGroups, renderDevice,
  renderServiceGroup, resolveDevice, type DeviceInput, type ServiceGroupInput,
} from '../../src/devices/provisioning';
import { DEFAULT_VOCAB, NGSI_LD, coreContext, userContext } from '../helpers/context';

const NOW = '2024-05-01T10:00:00.000Z';
const LATER = '2024-05-02T10:00:00.000Z';
const EX = 'https://example.org/';
const ctx = userContext({ temperature: `${EX}temperature`, Thermometer: `${EX}Thermometer`, ex: EX });
const TEMP = `${EX}temperature`;
const THERMO = `${EX}Thermometer`;
const dv = (term: string): string => DEFAULT_VOCAB + term;

/** Asserts BadRequestData whose detail starts with `path: ` and contains `fragment`. */
const bad = (path: string, fragment = '') => (err: unknown): boolean => {
  assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
  assert.equal(err.problem, 'BadRequestData');
  assert.ok(err.detail.startsWith(`${path}: `), `detail '${err.detail}' should start with '${path}: '`);
  assert.ok(err.detail.includes(fragment), `detail '${err.detail}' should include '${fragment}'`);
  return true;
};

const groups = (...services: unknown[]): ServiceGroupInput[] => parseServiceGroups({ services }, ctx, NOW);
const group1 = (g: Record<string, unknown>): ServiceGroupInput => groups({ apikey: 'k1', entity_type: 'Thermometer', ...g })[0];
const devices = (...list: unknown[]): DeviceInput[] => parseDevices({ devices: list }, ctx);
const device1 = (d: Record<string, unknown>): DeviceInput => devices({ device_id: 'dev1', apikey: 'k1', ...d })[0];
const attr1 = (a: Record<string, unknown>) => group1({ attributes: [a] }).attributes[0];
const static1 = (s: Record<string, unknown>) => group1({ static_attributes: [s] }).staticAttributes[0];

describe('devices/provisioning: service groups (POST /iot/services bodies)', () => {
  it('parses a minimal group with Weft defaults: json, no autoprovision, unknown keys stored', () => {
    assert.deepEqual(group1({}), {
      apikey: 'k1', entityType: THERMO, attributes: [], staticAttributes: [], commands: [], payload: 'json',
      autoprovision: false, unknownKeys: 'store', credentials: {}, createdAt: NOW, modifiedAt: NOW,
    });
  });

  it('parses every accepted member', () => {
    const g = group1({
      attributes: [{ object_id: 't', name: 'temperature', type: 'Number', metadata: { unitCode: { type: 'Text', value: 'CEL' } } }],
      static_attributes: [{ name: 'category', type: 'Text', value: 'sensor' }],
      commands: [{ name: 'ring', type: 'command' }],
      autoprovision: true, explicitAttrs: true, payload: 'ul', transport: 'MQTT', lazy: [],
      credentials: { password: 'correct horse', publicKeys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] },
    });
    assert.deepEqual(g.attributes, [{ objectId: 't', name: TEMP, kind: 'Property', valueType: 'Number', unitCode: 'CEL' }]);
    assert.deepEqual(g.staticAttributes, [{ name: dv('category'), attribute: { type: 'Property', value: 'sensor' } }]);
    assert.deepEqual(g.commands, [{ name: dv('ring'), objectId: 'ring' }]);
    assert.equal(g.autoprovision, true);
    assert.equal(g.unknownKeys, 'ignore');
    assert.equal(g.payload, 'ul');
    assert.deepEqual(g.credentials, { password: 'correct horse', publicKeys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc' }] });
  });

  it('accepts a FIWARE tutorial group as it is, ignoring resource, cbroker and timezone', () => {
    const [g] = parseServiceGroups({
      services: [{
        apikey: '4jggokgpepnvsb2uv4s40d59ov', cbroker: 'http://orion:1026', entity_type: 'Bell', resource: '/iot/d',
        protocol: 'PDI-IoTA-UltraLight', transport: 'MQTT', timezone: 'Europe/Berlin',
        commands: [{ name: 'ring', type: 'command' }],
        static_attributes: [
          { name: 'category', type: 'Text', value: ['actuator'] },
          { name: 'refStore', type: 'Relationship', value: 'urn:ngsi-ld:Store:001' },
        ],
      }],
    }, coreContext(), NOW);
    assert.equal(g.entityType, dv('Bell'));
    assert.equal(g.payload, 'ul');
    assert.deepEqual(g.staticAttributes[0].attribute, { type: 'Property', value: ['actuator'] });
    assert.deepEqual(g.staticAttributes[1].attribute, { type: 'Relationship', object: 'urn:ngsi-ld:Store:001' });
  });

  for (const [protocol, payload] of [['IoTA-UL', 'ul'], ['PDI-IoTA-UltraLight', 'ul'], ['IoTA-JSON', 'json'], ['PDI-IoTA-JSON', 'json']]) {
    it(`reads protocol '${protocol}' as payload '${payload}'`, () => assert.equal(group1({ protocol }).payload, payload));
  }

  it('accepts payload and protocol together when they agree', () => {
    assert.equal(group1({ payload: 'ul', protocol: 'IoTA-UL' }).payload, 'ul');
  });

  it('maps explicitAttrs false to storing unknown keys', () => assert.equal(group1({ explicitAttrs: false }).unknownKeys, 'store'));

  it('allows autoprovision with a group password or group public keys', () => {
    assert.equal(group1({ autoprovision: true, credentials: { password: '12345678' } }).autoprovision, true);
    assert.equal(group1({ autoprovision: true, credentials: { publicKeys: [{ kty: 'EC' }] } }).autoprovision, true);
  });

  it('accepts up to 100 groups', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ apikey: `k${i}`, entity_type: 'T' }));
    assert.equal(groups(...many).length, 100);
  });

  const errors: [string, unknown, string, string][] = [
    ['a body that is not an object', [], 'body', 'must be a JSON object'],
    ['an unknown top-level member', { services: [], extra: 1 }, 'extra', 'unknown member'],
    ['a missing services member', {}, 'services', 'required'],
    ['services that is not an array', { services: {} }, 'services', 'must be an array'],
    ['an empty services list', { services: [] }, 'services', '1 to 100'],
    ['more than 100 groups', { services: Array.from({ length: 101 }, (_, i) => ({ apikey: `k${i}`, entity_type: 'T' })) }, 'services', '1 to 100'],
    ['a group that is not an object', { services: ['k1'] }, 'services[0]', 'must be a JSON object'],
    ['a missing apikey', { services: [{ entity_type: 'T' }] }, 'services[0].apikey', 'required'],
    ['an apikey with a slash', { services: [{ apikey: 'a/b', entity_type: 'T' }] }, 'services[0].apikey', 'A-Z a-z 0-9 _ -'],
    ['an apikey with a wildcard', { services: [{ apikey: 'a+', entity_type: 'T' }] }, 'services[0].apikey', ''],
    ['an apikey of 65 characters', { services: [{ apikey: 'a'.repeat(65), entity_type: 'T' }] }, 'services[0].apikey', '1 to 64'],
    ['an apikey that is not a string', { services: [{ apikey: 5, entity_type: 'T' }] }, 'services[0].apikey', ''],
    ['an apikey given twice', { services: [{ apikey: 'k', entity_type: 'T' }, { apikey: 'k', entity_type: 'U' }] }, 'services[1].apikey', 'also the apikey of services[0]'],
    ['a missing entity_type', { services: [{ apikey: 'k' }] }, 'services[0].entity_type', 'required'],
    ['an entity_type with a space', { services: [{ apikey: 'k', entity_type: 'A B' }] }, 'services[0].entity_type', 'not allowed'],
    ['an entity_type that is a keyword', { services: [{ apikey: 'k', entity_type: '@type' }] }, 'services[0].entity_type', 'keyword'],
    ['an empty entity_type', { services: [{ apikey: 'k', entity_type: '' }] }, 'services[0].entity_type', 'non-empty string'],
    ['a misspelt member', { services: [{ apikey: 'k', entity_tpye: 'T' }] }, 'services[0].entity_tpye', 'unknown member'],
    ['IoT Agent timestamp', { services: [{ apikey: 'k', entity_type: 'T', timestamp: true }] }, 'services[0].timestamp', 'not supported: Weft adds no TimeInstant'],
    ['IoT Agent entityNameExp', { services: [{ apikey: 'k', entity_type: 'T', entityNameExp: 'x' }] }, 'services[0].entityNameExp', 'expressions'],
    ['IoT Agent service', { services: [{ apikey: 'k', entity_type: 'T', service: 'acme' }] }, 'services[0].service', 'NGSILD-Tenant'],
    ['IoT Agent internal_attributes', { services: [{ apikey: 'k', entity_type: 'T', internal_attributes: [] }] }, 'services[0].internal_attributes', 'not supported'],
    ['autoprovision that is not a boolean', { services: [{ apikey: 'k', entity_type: 'T', autoprovision: 'true' }] }, 'services[0].autoprovision', 'true or false'],
    ['autoprovision without group credentials', { services: [{ apikey: 'k', entity_type: 'T', autoprovision: true }] }, 'services[0].autoprovision', 'needs group credentials'],
    ['autoprovision with an empty key list', { services: [{ apikey: 'k', entity_type: 'T', autoprovision: true, credentials: { publicKeys: [] } }] }, 'services[0].autoprovision', 'needs group credentials'],
    ['an explicitAttrs expression', { services: [{ apikey: 'k', entity_type: 'T', explicitAttrs: "['t']" }] }, 'services[0].explicitAttrs', 'expressions'],
    ['an unknown payload', { services: [{ apikey: 'k', entity_type: 'T', payload: 'xml' }] }, 'services[0].payload', "'json' or 'ul'"],
    ['an unknown protocol', { services: [{ apikey: 'k', entity_type: 'T', protocol: 'IoTA-LWM2M' }] }, 'services[0].protocol', 'IoTA-UL'],
    ['a protocol contradicting payload', { services: [{ apikey: 'k', entity_type: 'T', payload: 'json', protocol: 'IoTA-UL' }] }, 'services[0].protocol', 'contradicts'],
    ['an HTTP transport', { services: [{ apikey: 'k', entity_type: 'T', transport: 'HTTP' }] }, 'services[0].transport', "only 'MQTT'"],
    ['lazy attributes', { services: [{ apikey: 'k', entity_type: 'T', lazy: [{ name: 'x', type: 'Number' }] }] }, 'services[0].lazy', 'not supported'],
    ['credentials that are not an object', { services: [{ apikey: 'k', entity_type: 'T', credentials: 'secret' }] }, 'services[0].credentials', 'JSON object'],
    ['an unknown credentials member', { services: [{ apikey: 'k', entity_type: 'T', credentials: { token: 'x' } }] }, 'services[0].credentials.token', 'unknown member'],
    ['a password of 7 characters', { services: [{ apikey: 'k', entity_type: 'T', credentials: { password: '1234567' } }] }, 'services[0].credentials.password', '8 to 256'],
    ['a password of 257 characters', { services: [{ apikey: 'k', entity_type: 'T', credentials: { password: 'p'.repeat(257) } }] }, 'services[0].credentials.password', '8 to 256'],
    ['a password that is not a string', { services: [{ apikey: 'k', entity_type: 'T', credentials: { password: 12345678 } }] }, 'services[0].credentials.password', ''],
    ['publicKeys that is not an array', { services: [{ apikey: 'k', entity_type: 'T', credentials: { publicKeys: {} } }] }, 'services[0].credentials.publicKeys', 'array'],
    ['a public key that is not an object', { services: [{ apikey: 'k', entity_type: 'T', credentials: { publicKeys: ['pem'] } }] }, 'services[0].credentials.publicKeys[0]', 'JWK'],
    ['attributes that is not an array', { services: [{ apikey: 'k', entity_type: 'T', attributes: {} }] }, 'services[0].attributes', 'array'],
  ];
  for (const [what, body, path, fragment] of errors) {
    it(`rejects ${what}`, () => assert.throws(() => parseServiceGroups(body, ctx, NOW), bad(path, fragment)));
  }
});

describe('devices/provisioning: attributes (measure mappings)', () => {
  it('defaults object_id to the name as given and the kind to Property, without value type', () => {
    assert.deepEqual(attr1({ name: 'temperature' }), { objectId: 'temperature', name: TEMP, kind: 'Property' });
  });

  it('expands names with the request @context: terms, compact IRIs, IRIs and the default vocabulary', () => {
    assert.equal(attr1({ name: 'ex:pressure', object_id: 'p' }).name, `${EX}pressure`);
    assert.equal(attr1({ name: 'https://w3id.org/saref#temperature', object_id: 't' }).name, 'https://w3id.org/saref#temperature');
    assert.equal(attr1({ name: 'humidity' }).name, dv('humidity'));
  });

  const types: [string, string, string | undefined][] = [
    ['Property', 'Property', undefined], ['GeoProperty', 'GeoProperty', undefined], ['Relationship', 'Relationship', undefined],
    ['Number', 'Property', 'Number'], ['Integer', 'Property', 'Integer'], ['Boolean', 'Property', 'Boolean'],
    ['Text', 'Property', 'Text'], ['DateTime', 'Property', 'DateTime'], ['Object', 'Property', 'Object'],
    ['geo:point', 'GeoProperty', 'geo:point'], ['geo:json', 'GeoProperty', 'geo:json'],
    ['Float', 'Property', 'Number'], ['String', 'Property', 'Text'],
  ];
  for (const [type, kind, valueType] of types) {
    it(`reads type '${type}' as kind ${kind}${valueType === undefined ? '' : ` with value type ${valueType}`}`, () => {
      const m = attr1({ name: 'x', type });
      assert.equal(m.kind, kind);
      assert.equal(m.valueType, valueType);
      assert.equal('valueType' in m, valueType !== undefined);
    });
  }

  it('makes location a GeoProperty when no type is given (clause 4.7)', () => {
    assert.equal(attr1({ name: 'location', object_id: 'l' }).kind, 'GeoProperty');
    assert.equal(attr1({ name: 'location', object_id: 'l', type: 'geo:point' }).name, `${NGSI_LD}location`);
  });

  it('takes unitCode given directly, as IoT Agent metadata, or both when they agree', () => {
    assert.equal(attr1({ name: 't', unitCode: 'CEL' }).unitCode, 'CEL');
    assert.equal(attr1({ name: 't', metadata: { unitCode: { type: 'Text', value: 'CEL' } } }).unitCode, 'CEL');
    assert.equal(attr1({ name: 't', metadata: { unitCode: { value: 'CEL' } } }).unitCode, 'CEL');
    assert.equal(attr1({ name: 't', unitCode: 'CEL', metadata: { unitCode: { value: 'CEL' } } }).unitCode, 'CEL');
  });

  const errors: [string, Record<string, unknown>, string, string][] = [
    ['a missing name', { type: 'Number' }, 'name', 'required'],
    ['an empty name', { name: '' }, 'name', 'non-empty string'],
    ['a name with a space', { name: 'a b' }, 'name', 'not allowed'],
    ['the name id', { name: 'id' }, 'name', 'entity member'],
    ['the name type', { name: 'type' }, 'name', 'entity member'],
    ['a keyword name', { name: '@id' }, 'name', 'keyword'],
    ['an IRI name without object_id', { name: 'https://example.org/t' }, 'name', 'not a usable device key'],
    ['an object_id with |', { name: 't', object_id: 'a|b' }, 'object_id', 'not a usable device key'],
    ['an object_id with /', { name: 't', object_id: 'a/b' }, 'object_id', ''],
    ['an object_id with #', { name: 't', object_id: 'a#' }, 'object_id', ''],
    ['an object_id with +', { name: 't', object_id: '+' }, 'object_id', ''],
    ['an empty object_id', { name: 't', object_id: '' }, 'object_id', ''],
    ['an object_id that is not a string', { name: 't', object_id: 1 }, 'object_id', ''],
    ['an unknown type', { name: 't', type: 'Wheel' }, 'type', 'is not one of Property, GeoProperty, Relationship'],
    ['a lowercase type', { name: 't', type: 'number' }, 'type', 'is not one of'],
    ['a type named as an Object.prototype member', { name: 't', type: 'toString' }, 'type', 'is not one of'],
    ['location as a Number', { name: 'location', type: 'Number' }, 'type', 'must be a GeoProperty'],
    ['a Relationship with a unitCode', { name: 'r', type: 'Relationship', unitCode: 'CEL' }, 'unitCode', 'Relationship'],
    ['contradicting unit codes', { name: 't', unitCode: 'CEL', metadata: { unitCode: { value: 'FAH' } } }, 'metadata.unitCode', 'contradicts'],
    ['other metadata', { name: 't', metadata: { accuracy: { type: 'Number', value: 1 } } }, 'metadata.accuracy', 'only unitCode'],
    ['a metadata unitCode without value', { name: 't', metadata: { unitCode: { type: 'Text' } } }, 'metadata.unitCode.value', 'required'],
    ['an empty unitCode', { name: 't', unitCode: '' }, 'unitCode', 'non-empty'],
    ['an unknown member', { name: 't', unit: 'CEL' }, 'unit', 'unknown member'],
    ['an expression', { name: 't', expression: 't * 2' }, 'expression', 'expressions'],
    ['a multi-entity member', { name: 't', entity_name: 'urn:a:b' }, 'entity_name', 'one twin'],
    ['an attribute that is not an object', 'temperature' as unknown as Record<string, unknown>, '', 'JSON object'],
  ];
  for (const [what, a, member, fragment] of errors) {
    const path = member === '' ? 'services[0].attributes[0]' : `services[0].attributes[0].${member}`;
    it(`rejects ${what}`, () => assert.throws(() => attr1(a), bad(path, fragment)));
  }

  it('rejects an object_id used twice in one list', () => {
    assert.throws(() => group1({ attributes: [{ name: 'a', object_id: 't' }, { name: 'b', object_id: 't' }] }),
      bad('services[0].attributes[1].object_id', "'t' is already declared by services[0].attributes[0]"));
  });

  it('rejects one attribute mapped twice, also through two spellings of its IRI', () => {
    assert.throws(() => group1({ attributes: [{ name: 'temperature', object_id: 't' }, { name: `${EX}temperature`, object_id: 't2' }] }),
      bad('services[0].attributes[1].name', 'already declared'));
  });
});

describe('devices/provisioning: static attributes', () => {
  const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['Text', { type: 'Text', value: 'x' }, { type: 'Property', value: 'x' }],
    ['String (IoT Agent)', { type: 'String', value: 'x' }, { type: 'Property', value: 'x' }],
    ['a Text list', { type: 'Text', value: ['a', 'b'] }, { type: 'Property', value: ['a', 'b'] }],
    ['Number', { type: 'Number', value: 1.5 }, { type: 'Property', value: 1.5 }],
    ['Float (IoT Agent)', { type: 'Float', value: 1.5 }, { type: 'Property', value: 1.5 }],
    ['Integer', { type: 'Integer', value: 3 }, { type: 'Property', value: 3 }],
    ['Boolean', { type: 'Boolean', value: false }, { type: 'Property', value: false }],
    ['DateTime', { type: 'DateTime', value: '2024-01-01T00:00:00Z' }, { type: 'Property', value: '2024-01-01T00:00:00Z' }],
    ['Object', { type: 'Object', value: { a: 1 } }, { type: 'Property', value: { a: 1 } }],
    ['Property', { type: 'Property', value: { any: 'thing' } }, { type: 'Property', value: { any: 'thing' } }],
    ['Relationship', { type: 'Relationship', value: 'urn:ngsi-ld:Store:1' }, { type: 'Relationship', object: 'urn:ngsi-ld:Store:1' }],
    ['GeoProperty', { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }, { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }],
    ['geo:json', { type: 'geo:json', value: { type: 'Point', coordinates: [1, 2] } }, { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }],
    ['geo:point as "lat, lon"', { type: 'geo:point', value: '40.4, -3.7' }, { type: 'GeoProperty', value: { type: 'Point', coordinates: [-3.7, 40.4] } }],
    ['geo:point as GeoJSON', { type: 'geo:point', value: { type: 'Point', coordinates: [1, 2] } }, { type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } }],
  ];
  for (const [what, s, attribute] of cases) {
    it(`builds the NGSI-LD attribute of ${what}, without timestamps`, () => {
      assert.deepEqual(static1({ name: 'ex:s', ...s }), { name: `${EX}s`, attribute });
    });
  }

  it('turns unitCode metadata into unitCode and other metadata into expanded sub-attributes', () => {
    const s = static1({
      name: 'ex:height', type: 'Number', value: 2,
      metadata: { unitCode: { type: 'Text', value: 'MTR' }, accuracy: { type: 'Number', value: 0.1 }, measuredBy: { type: 'Relationship', value: 'urn:a:1' } },
    });
    assert.deepEqual(s.attribute, {
      type: 'Property', value: 2, unitCode: 'MTR',
      sub: { [dv('accuracy')]: { type: 'Property', value: 0.1 }, [dv('measuredBy')]: { type: 'Relationship', object: 'urn:a:1' } },
    });
    assert.equal(static1({ name: 'ex:h', type: 'Number', value: 2, unitCode: 'MTR' }).attribute.unitCode, 'MTR');
  });

  it('keeps a metadata name "__proto__" as a sub-attribute instead of a prototype', () => {
    const body = JSON.parse('{"name":"ex:s","type":"Number","value":1,"metadata":{"__proto__":{"type":"Number","value":2}}}') as Record<string, unknown>;
    assert.deepEqual(static1(body).attribute.sub, { [dv('__proto__')]: { type: 'Property', value: 2 } });
  });

  const errors: [string, Record<string, unknown>, string, string][] = [
    ['a missing type', { name: 's', value: 1 }, 'type', 'required'],
    ['a missing value', { name: 's', type: 'Text' }, 'value', 'required'],
    ['an unknown type', { name: 's', type: 'StructuredValue', value: {} }, 'type', 'is not one of'],
    ['a type named as an Object.prototype member', { name: 's', type: 'constructor', value: {} }, 'type', 'is not one of'],
    ['a Number that is text', { name: 's', type: 'Number', value: '1' }, 'value', 'is not a Number value'],
    ['an Integer that is not whole', { name: 's', type: 'Integer', value: 1.5 }, 'value', 'is not a Integer value'],
    ['a Boolean that is text', { name: 's', type: 'Boolean', value: 'true' }, 'value', 'Boolean'],
    ['a DateTime that is not one', { name: 's', type: 'DateTime', value: 'today' }, 'value', 'DateTime'],
    ['an Object that is text', { name: 's', type: 'Object', value: 'x' }, 'value', 'Object'],
    ['an empty Text list', { name: 's', type: 'Text', value: [] }, 'value', 'Text'],
    ['a mixed Text list', { name: 's', type: 'Text', value: ['a', 1] }, 'value', 'Text'],
    ['a bad "lat, lon"', { name: 's', type: 'geo:point', value: '40.4' }, 'value', 'latitude, longitude'],
    ['a Relationship to a non-URI', { name: 's', type: 'Relationship', value: 'store 1' }, '', "Invalid attribute 's'"],
    ['an invalid geometry', { name: 's', type: 'GeoProperty', value: { type: 'Point' } }, '', 'GeoJSON'],
    ['location as Text', { name: 'location', type: 'Text', value: 'here' }, '', 'GeoProperty'],
    ['metadata named as an attribute member', { name: 's', type: 'Text', value: 'x', metadata: { observedAt: { value: NOW } } }, 'metadata.observedAt', 'attribute member'],
    ['contradicting unit codes', { name: 's', type: 'Number', value: 1, unitCode: 'A', metadata: { unitCode: { value: 'B' } } }, 'metadata.unitCode', 'contradicts'],
    ['a Relationship unitCode', { name: 's', type: 'Relationship', value: 'urn:a:1', unitCode: 'A' }, '', 'unitCode'],
    ['an unknown member', { name: 's', type: 'Text', value: 'x', object_id: 's' }, 'object_id', 'unknown member'],
  ];
  for (const [what, s, member, fragment] of errors) {
    const path = member === '' ? 'services[0].static_attributes[0]' : `services[0].static_attributes[0].${member}`;
    it(`rejects ${what}`, () => assert.throws(() => static1(s), bad(path, fragment)));
  }

  it('rejects one static attribute given twice', () => {
    assert.throws(() => group1({ static_attributes: [{ name: 's', type: 'Text', value: 'a' }, { name: 's', type: 'Text', value: 'b' }] }),
      bad('services[0].static_attributes[1].name', 'already declared'));
  });
});

describe('devices/provisioning: commands and the one-source-per-attribute rule', () => {
  it('defaults object_id to the name, accepts type command and an explicit object_id', () => {
    const g = group1({ commands: [{ name: 'ring' }, { name: 'ex:open', type: 'command', object_id: 'o' }] });
    assert.deepEqual(g.commands, [{ name: dv('ring'), objectId: 'ring' }, { name: `${EX}open`, objectId: 'o' }]);
  });

  const errors: [string, unknown[], string, string][] = [
    ['a type other than command', [{ name: 'ring', type: 'Text' }], 'commands[0].type', "'command'"],
    ['a missing name', [{ type: 'command' }], 'commands[0].name', ''],
    ['a command key with @', [{ name: 'ring', object_id: 'a@b' }], 'commands[0].object_id', 'device key'],
    ['a command given twice', [{ name: 'ring' }, { name: 'ring', object_id: 'r2' }], 'commands[1].name', 'already declared'],
    ['a command key given twice', [{ name: 'ring', object_id: 'r' }, { name: 'open', object_id: 'r' }], 'commands[1].object_id', 'already declared'],
    ['a payloadType', [{ name: 'ring', payloadType: 'binaryfromstring' }], 'commands[0].payloadType', 'not supported'],
    ['an unknown member', [{ name: 'ring', value: 1 }], 'commands[0].value', 'unknown member'],
  ];
  for (const [what, commands, member, fragment] of errors) {
    it(`rejects ${what}`, () => assert.throws(() => group1({ commands }), bad(`services[0].${member}`, fragment)));
  }

  it('rejects a command named as a mapped attribute', () => {
    assert.throws(() => group1({ attributes: [{ name: 'ring' }], commands: [{ name: 'ring', object_id: 'r' }] }),
      bad('services[0].commands[0].name', 'services[0].attributes[0]'));
  });

  it("rejects an attribute named as a command's _status companion", () => {
    assert.throws(() => group1({ attributes: [{ name: 'ring_status', object_id: 's' }], commands: [{ name: 'ring' }] }),
      bad('services[0].commands[0].name', 'ring_status'));
  });

  it('rejects a static attribute that a measure also writes', () => {
    assert.throws(() => group1({ attributes: [{ name: 'ex:s', object_id: 's' }], static_attributes: [{ name: 'ex:s', type: 'Text', value: 'a' }] }),
      bad('services[0].static_attributes[0].name', 'services[0].attributes[0]'));
  });

  it('is exported for the broker to re-check merged lists', () => {
    const a = attr1({ name: 'ring' });
    assert.throws(() => checkMappings('', [a], [], [{ name: a.name, objectId: 'r' }]), bad('commands[0].name'));
  });
});

describe('devices/provisioning: group updates (PUT /iot/services/{apikey})', () => {
  it('returns only the members given, none defaulted', () => {
    assert.deepEqual(parseServiceGroupUpdate({ explicitAttrs: false }, ctx), { unknownKeys: 'store' });
    assert.deepEqual(parseServiceGroupUpdate({ entity_type: 'Thermometer', protocol: 'IoTA-JSON', attributes: [] }, ctx),
      { entityType: THERMO, payload: 'json', attributes: [] });
    assert.deepEqual(parseServiceGroupUpdate({ autoprovision: true }, ctx), { autoprovision: true });
    assert.deepEqual(parseServiceGroupUpdate({ credentials: {} }, ctx), { credentials: {} });
  });

  it('rejects an apikey: it cannot change', () => {
    assert.throws(() => parseServiceGroupUpdate({ apikey: 'k1' }, ctx), bad('apikey', 'cannot change'));
  });

  it('rejects a body that updates nothing', () => {
    assert.throws(() => parseServiceGroupUpdate({}, ctx), bad('body', 'no member'));
    assert.throws(() => parseServiceGroupUpdate({ resource: '/iot/d' }, ctx), bad('body', 'no member'));
    assert.throws(() => parseServiceGroupUpdate('x', ctx), bad('body', 'JSON object'));
  });

  it('rejects autoprovision with empty credentials given in the same body', () => {
    assert.throws(() => parseServiceGroupUpdate({ autoprovision: true, credentials: {} }, ctx), bad('autoprovision'));
  });

  it('leaves the checks needing the stored group to checkServiceGroup, run on the merged group', () => {
    const stored: ServiceGroup = { ...group1({ attributes: [{ name: 'ring' }] }), credentials: {} };
    const merged = (patch: Partial<ServiceGroup>): ServiceGroup => ({ ...stored, ...patch });
    assert.doesNotThrow(() => checkServiceGroup(stored));
    assert.throws(() => checkServiceGroup(merged({ autoprovision: true })), bad('autoprovision', 'needs group credentials'));
    assert.doesNotThrow(() => checkServiceGroup(merged({ autoprovision: true, credentials: { passwordHash: 'h' } })));
    assert.doesNotThrow(() => checkServiceGroup(merged({ autoprovision: true, credentials: { publicKeys: [{ kty: 'EC', kid: 'a' }] } })));
    const patch = parseServiceGroupUpdate({ commands: [{ name: 'ring', object_id: 'r' }] }, ctx);
    assert.throws(() => checkServiceGroup(merged(patch as Partial<ServiceGroup>)), bad('commands[0].name', 'attributes[0]'));
  });

  it('names paths from the body root', () => {
    assert.throws(() => parseServiceGroupUpdate({ attributes: [{ name: 't', type: 'X' }] }, ctx), bad('attributes[0].type'));
  });
});

describe('devices/provisioning: devices (POST /iot/devices bodies)', () => {
  it('parses a minimal device, leaving entity, type and payload to the group', () => {
    assert.deepEqual(device1({}), { deviceId: 'dev1', apikey: 'k1', attributes: [], staticAttributes: [], commands: [], credentials: {} });
  });

  it('parses every accepted member', () => {
    const d = device1({
      entity_name: 'urn:ngsi-ld:Thermometer:001', entity_type: 'Thermometer', protocol: 'IoTA-UL', transport: 'MQTT', timezone: 'Europe/Madrid',
      attributes: [{ object_id: 't', name: 'temperature', type: 'Float' }], commands: [{ name: 'reset' }],
      static_attributes: [{ name: 'location', type: 'geo:point', value: '1, 2' }], credentials: { password: 'device-secret' }, lazy: [],
    });
    assert.deepEqual(d, {
      deviceId: 'dev1', apikey: 'k1', entityId: 'urn:ngsi-ld:Thermometer:001', entityType: THERMO, payload: 'ul',
      attributes: [{ objectId: 't', name: TEMP, kind: 'Property', valueType: 'Number' }],
      staticAttributes: [{ name: `${NGSI_LD}location`, attribute: { type: 'GeoProperty', value: { type: 'Point', coordinates: [2, 1] } } }],
      commands: [{ name: dv('reset'), objectId: 'reset' }],
      credentials: { password: 'device-secret' },
    });
  });

  it('accepts the device ids MQTT and UltraLight allow, up to 128 characters', () => {
    for (const id of ['a', 'Dev_1.2:3-x', 'x'.repeat(128)]) assert.equal(device1({ device_id: id }).deviceId, id);
  });

  it('names the device and member of an error', () => {
    assert.throws(() => devices({ device_id: 'a', apikey: 'k' }, { device_id: 'b', apikey: 'k' }, { device_id: 'c', apikey: 'k', attributes: [{ name: 't', type: 'Nope' }] }),
      bad('devices[2].attributes[0].type', 'is not one of'));
  });

  it('accepts up to 1000 devices', () => {
    assert.equal(devices(...Array.from({ length: 1000 }, (_, i) => ({ device_id: `d${i}`, apikey: 'k' }))).length, 1000);
  });

  const errors: [string, unknown, string, string][] = [
    ['a body that is not an object', null, 'body', 'JSON object'],
    ['a missing devices member', {}, 'devices', 'required'],
    ['an empty devices list', { devices: [] }, 'devices', '1 to 1000'],
    ['more than 1000 devices', { devices: Array.from({ length: 1001 }, (_, i) => ({ device_id: `d${i}`, apikey: 'k' })) }, 'devices', '1 to 1000'],
    ['a missing device_id', { devices: [{ apikey: 'k' }] }, 'devices[0].device_id', 'required'],
    ['a missing apikey', { devices: [{ device_id: 'd' }] }, 'devices[0].apikey', 'required'],
    ['a bad apikey', { devices: [{ device_id: 'd', apikey: 'a b' }] }, 'devices[0].apikey', ''],
    ...['a/b', 'a+', 'a#', 'a@b', 'a|b', 'a b', '', 'x'.repeat(129), 7].map((id): [string, unknown, string, string] =>
      [`the device_id ${JSON.stringify(id)}`, { devices: [{ device_id: id, apikey: 'k' }] }, 'devices[0].device_id', '']),
    ['a device_id given twice', { devices: [{ device_id: 'd', apikey: 'k' }, { device_id: 'd', apikey: 'k2' }] }, 'devices[1].device_id', 'also the device_id of devices[0]'],
    ['an entity_name that is no URI', { devices: [{ device_id: 'd', apikey: 'k', entity_name: 'Thermometer 1' }] }, 'devices[0].entity_name', 'URI'],
    ['an entity_name that is not a string', { devices: [{ device_id: 'd', apikey: 'k', entity_name: 1 }] }, 'devices[0].entity_name', 'URI'],
    ['a bad entity_type', { devices: [{ device_id: 'd', apikey: 'k', entity_type: 'a,b' }] }, 'devices[0].entity_type', 'not allowed'],
    ['explicitAttrs on a device', { devices: [{ device_id: 'd', apikey: 'k', explicitAttrs: true }] }, 'devices[0].explicitAttrs', 'service group'],
    ['autoprovision on a device', { devices: [{ device_id: 'd', apikey: 'k', autoprovision: true }] }, 'devices[0].autoprovision', 'unknown member'],
    ['IoT Agent service_path', { devices: [{ device_id: 'd', apikey: 'k', service_path: '/' }] }, 'devices[0].service_path', 'NGSILD-Tenant'],
    ['an AMQP transport', { devices: [{ device_id: 'd', apikey: 'k', transport: 'AMQP' }] }, 'devices[0].transport', 'MQTT'],
    ['a short password', { devices: [{ device_id: 'd', apikey: 'k', credentials: { password: 'x' } }] }, 'devices[0].credentials.password', '8 to 256'],
    ['a command colliding with an attribute', { devices: [{ device_id: 'd', apikey: 'k', attributes: [{ name: 'x' }], commands: [{ name: 'x', object_id: 'y' }] }] }, 'devices[0].commands[0].name', 'devices[0].attributes[0]'],
  ];
  for (const [what, body, path, fragment] of errors) {
    it(`rejects ${what}`, () => assert.throws(() => parseDevices(body, ctx), bad(path, fragment)));
  }
});

describe('devices/provisioning: device updates (PUT /iot/devices/{deviceId})', () => {
  it('returns only the members given', () => {
    assert.deepEqual(parseDeviceUpdate({ attributes: [{ object_id: 'p', name: 'ex:pressure', type: 'Float' }] }, ctx),
      { attributes: [{ objectId: 'p', name: `${EX}pressure`, kind: 'Property', valueType: 'Number' }] });
    assert.deepEqual(parseDeviceUpdate({ entity_name: 'urn:ngsi-ld:T:2', payload: 'json' }, ctx), { entityId: 'urn:ngsi-ld:T:2', payload: 'json' });
  });

  it('rejects a device_id or an apikey: they cannot change', () => {
    assert.throws(() => parseDeviceUpdate({ device_id: 'd' }, ctx), bad('device_id', 'cannot change'));
    assert.throws(() => parseDeviceUpdate({ apikey: 'k' }, ctx), bad('apikey', 'cannot change'));
  });

  it('rejects a body that updates nothing', () => {
    assert.throws(() => parseDeviceUpdate({ createdAt: NOW }, ctx), bad('body', 'no member'));
  });
});

describe('devices/provisioning: resolveDevice', () => {
  const group = (): ServiceGroup => ({ ...group1({ payload: 'ul' }), credentials: { passwordHash: 'scrypt$x' } });

  it('takes entity type and payload from the group and makes the IoT Agents\' NGSI-LD default entity id', () => {
    const d = resolveDevice(device1({}), group(), {}, LATER, false);
    assert.deepEqual(d, {
      deviceId: 'dev1', apikey: 'k1', entityId: 'urn:ngsi-ld:Thermometer:dev1', entityType: THERMO, payload: 'ul',
      attributes: [], staticAttributes: [], commands: [], credentials: {}, autoprovisioned: false, createdAt: LATER, modifiedAt: LATER,
    });
  });

  it("keeps the device's own entity, type, payload, lists, credentials and autoprovisioned flag", () => {
    const input = device1({ entity_name: 'urn:x:1', entity_type: 'ex:Sensor', payload: 'json', attributes: [{ name: 't' }] });
    const d = resolveDevice(input, group(), { passwordHash: 'h' }, LATER, true);
    assert.equal(d.entityId, 'urn:x:1');
    assert.equal(d.entityType, `${EX}Sensor`);
    assert.equal(d.payload, 'json');
    assert.deepEqual(d.attributes, input.attributes);
    assert.deepEqual(d.credentials, { passwordHash: 'h' });
    assert.equal(d.autoprovisioned, true);
  });

  it('uses the local name of a type IRI, after /, # or :', () => {
    const id = (t: string) => resolveDevice({ ...device1({}), entityType: t }, group(), {}, NOW, false).entityId;
    assert.equal(id('https://w3id.org/saref#Sensor'), 'urn:ngsi-ld:Sensor:dev1');
    assert.equal(id('urn:types:Meter'), 'urn:ngsi-ld:Meter:dev1');
    assert.throws(() => id('https://example.org/types/'), bad('entity_name', 'required'));
  });

  it('rejects a device resolved against another group', () => {
    assert.throws(() => resolveDevice(device1({ apikey: 'k2' }), group(), {}, NOW, false), bad('apikey'));
  });

  it('re-checks the one-source rule on lists the broker merged', () => {
    const input = device1({ attributes: [{ name: 'x' }] });
    input.commands = [{ name: input.attributes[0].name, objectId: 'c' }];
    assert.throws(() => resolveDevice(input, group(), {}, NOW, false), bad('commands[0].name'));
  });
});

describe('devices/provisioning: rendering and round trips', () => {
  const tutorial = {
    apikey: 'k1', entity_type: 'Thermometer', payload: 'ul', autoprovision: true, explicitAttrs: true,
    attributes: [
      { object_id: 't', name: 'temperature', type: 'Number', metadata: { unitCode: { type: 'Text', value: 'CEL' } } },
      { object_id: 'l', name: 'location', type: 'geo:point' },
      { object_id: 's', name: 'ex:store', type: 'Relationship' },
      { object_id: 'h', name: 'humidity', type: 'Property' },
    ],
    static_attributes: [
      { name: 'category', type: 'Property', value: ['sensor'] },
      { name: 'ex:height', type: 'Property', value: 2, metadata: { unitCode: { type: 'Text', value: 'MTR' }, accuracy: { type: 'Property', value: 0.1 } } },
      { name: 'refStore', type: 'Relationship', value: 'urn:ngsi-ld:Store:1' },
      { name: 'ex:area', type: 'GeoProperty', value: { type: 'Point', coordinates: [1, 2] } },
    ],
    commands: [{ object_id: 'r', name: 'ring', type: 'command' }],
  };

  it('renders a group in the IoT Agent shape, names compacted, the password as true', () => {
    const input = parseServiceGroups({ services: [{ ...tutorial, credentials: { password: 'group-secret' } }] }, ctx, NOW)[0];
    const stored: ServiceGroup = { ...input, credentials: { passwordHash: 'scrypt$secret-hash' } };
    const out = renderServiceGroup(stored, ctx);
    assert.deepEqual(out, { ...tutorial, credentials: { password: true }, createdAt: NOW, modifiedAt: NOW });
    assert.ok(!JSON.stringify(out).includes('secret-hash'));
  });

  it('renders the IoT Agent aliases as the value types they stand for, and an absent object_id as the term', () => {
    const g: ServiceGroup = { ...group1({ attributes: [{ name: 'temperature', type: 'Float' }, { name: 'ex:label', type: 'String' }] }), credentials: {} };
    assert.deepEqual(renderServiceGroup(g, ctx).attributes, [
      { object_id: 'temperature', name: 'temperature', type: 'Number' }, { object_id: 'ex:label', name: 'ex:label', type: 'Text' },
    ]);
  });

  it('gives back the model when a rendered group is parsed again', () => {
    const [input] = parseServiceGroups({ services: [{ ...tutorial, credentials: { password: 'group-secret' } }] }, ctx, NOW);
    const { credentials: _, createdAt: _c, modifiedAt: _m, ...rendered } = renderServiceGroup({ ...input, credentials: {} }, ctx);
    const [again] = parseServiceGroups({ services: [{ ...rendered, credentials: { password: 'group-secret' } }] }, ctx, NOW);
    assert.deepEqual(again, input);
  });

  it('parse -> resolve -> render gives back a device in the IoT Agent shape, with the group defaults filled in', () => {
    const body = {
      device_id: 'dev1', apikey: 'k1',
      attributes: [{ object_id: 'p', name: 'ex:pressure', type: 'Integer', metadata: { unitCode: { type: 'Text', value: 'A97' } } }],
      static_attributes: [{ name: 'serialID', type: 'Property', value: '02598347' }],
      commands: [{ object_id: 'o', name: 'open', type: 'command' }],
    };
    const [input] = parseDevices({ devices: [{ ...body, credentials: { password: 'device-secret' } }] }, ctx);
    const group: ServiceGroup = { ...group1({ payload: 'ul' }), credentials: {} };
    const key = { kty: 'OKP' as const, kid: 'k-1', crv: 'Ed25519', x: 'pub' };
    const device: Device = resolveDevice(input, group, { passwordHash: 'hash', publicKeys: [key] }, LATER, false);
    assert.deepEqual(renderDevice(device, ctx), {
      ...body, entity_name: 'urn:ngsi-ld:Thermometer:dev1', entity_type: 'Thermometer', payload: 'ul',
      credentials: { password: true, publicKeys: [key] }, autoprovisioned: false, createdAt: LATER, modifiedAt: LATER,
    });
  });

  it('gives back the device when a rendered device is parsed again', () => {
    const [input] = parseDevices({ devices: [{ device_id: 'd', apikey: 'k1', attributes: [{ object_id: 't', name: 'temperature', type: 'Float' }] }] }, ctx);
    const device = resolveDevice(input, { ...group1({}), credentials: {} }, {}, NOW, true);
    const { credentials: _, ...rendered } = renderDevice(device, ctx);
    const [again] = parseDevices({ devices: [rendered] }, ctx);
    assert.deepEqual(again, { ...input, entityId: device.entityId, entityType: device.entityType, payload: device.payload });
  });

  it('compacts with the context of the request that reads, not the one that wrote', () => {
    const g: ServiceGroup = { ...group1({ attributes: [{ name: 'temperature', object_id: 't' }] }), credentials: {} };
    const out = renderServiceGroup(g, coreContext());
    assert.equal(out.entity_type, THERMO);
    assert.deepEqual(out.attributes, [{ object_id: 't', name: TEMP, type: 'Property' }]);
  });
});
