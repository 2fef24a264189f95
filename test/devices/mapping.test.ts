import assert from 'node:assert/strict';
import { compileMapping, toAttributes, type CompiledMapping } from '../../src/devices/mapping';
import type { AttributeMapping, Device, ServiceGroup } from '../../src/devices/model';
import { decodeMeasures, type MeasureBatch } from '../../src/devices/payload';

const EX = 'https://example.org/';
const VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';
const T0 = '2024-01-01T00:00:00.000Z';
const TS = '2024-05-01T10:00:00Z';

function group(extra: Partial<ServiceGroup> = {}): ServiceGroup {
  return {
    apikey: 'k1', entityType: `${EX}Sensor`, attributes: [], staticAttributes: [], commands: [], payload: 'ul',
    autoprovision: false, unknownKeys: 'ignore', credentials: {}, createdAt: T0, modifiedAt: T0, ...extra,
  };
}

function device(extra: Partial<Device> = {}): Device {
  return {
    deviceId: 'd1', apikey: 'k1', entityId: 'urn:ngsi-ld:Sensor:d1', entityType: `${EX}Sensor`, payload: 'ul',
    attributes: [], staticAttributes: [], commands: [], credentials: {}, autoprovisioned: false, createdAt: T0, modifiedAt: T0, ...extra,
  };
}

const attr = (objectId: string, extra: Partial<AttributeMapping> = {}): AttributeMapping =>
  ({ objectId, name: `${EX}${objectId}`, kind: 'Property', ...extra });

const mappingOf = (...attributes: AttributeMapping[]): CompiledMapping =>
  compileMapping(group({ attributes, commands: [{ name: `${EX}ring`, objectId: 'ring' }] }), undefined);

const map = (m: CompiledMapping, measures: Record<string, unknown>, extra: Partial<MeasureBatch> = {}) =>
  toAttributes({ measures, ...extra }, m, { defaultVocab: VOCAB });

/** The value one measure converts to, or its rejection reason. */
function one(m: AttributeMapping, raw: unknown, fromText = false): unknown {
  const { attrs, rejected } = map(mappingOf(m), { [m.objectId]: raw }, { fromText });
  if (rejected.length > 0) return { rejected: rejected[0].reason };
  return attrs[m.name];
}

describe('devices/mapping', () => {
  describe('compileMapping', () => {
    it("lets the device's mappings win over its group's for the same objectId", () => {
      const g = group({ attributes: [attr('t', { valueType: 'Number' }), attr('h')] });
      const d = device({ attributes: [attr('t', { name: `${EX}temperature`, valueType: 'Integer' })] });
      const m = compileMapping(g, d);
      assert.equal(m.byKey.get('t')?.name, `${EX}temperature`);
      assert.equal(m.byKey.get('h')?.name, `${EX}h`);
      assert.equal(compileMapping(g, undefined).byKey.get('t')?.valueType, 'Number');
    });

    it("lists the device's commands first, then the group's it does not override", () => {
      const g = group({ commands: [{ name: `${EX}ring`, objectId: 'ring' }, { name: `${EX}stop`, objectId: 'stop' }, { name: `${EX}reset`, objectId: 'rst' }] });
      const d = device({ commands: [{ name: `${EX}ringLoud`, objectId: 'ring' }, { name: `${EX}reset`, objectId: 'reset' }] });
      const m = compileMapping(g, d);
      assert.deepEqual([...m.commands.keys()], ['ring', 'reset', 'stop']);
      assert.equal(m.commands.get('ring')?.name, `${EX}ringLoud`);
      assert.deepEqual([...m.commandsByName.keys()], [`${EX}ringLoud`, `${EX}reset`, `${EX}stop`]);
      assert.equal(m.commandsByName.get(`${EX}reset`)?.objectId, 'reset');
    });

    it("takes the group's unknown-key rule and merges static attributes, the device's winning", () => {
      const s = (name: string, value: unknown) => ({ name: `${EX}${name}`, attribute: { type: 'Property' as const, value } });
      const m = compileMapping(
        group({ unknownKeys: 'store', staticAttributes: [s('model', 'A'), s('site', 'north')] }),
        device({ staticAttributes: [s('model', 'B')] }),
      );
      assert.equal(m.unknownKeys, 'store');
      assert.deepEqual(m.staticAttributes.map((x) => [x.name, x.attribute.value]), [[`${EX}model`, 'B'], [`${EX}site`, 'north']]);
    });
  });

  describe('toAttributes', () => {
    it('maps keys to attributes with their unitCode and the batch observedAt', () => {
      const m = mappingOf(attr('t', { name: `${EX}temperature`, valueType: 'Number', unitCode: 'CEL' }));
      assert.deepEqual(map(m, { t: '21.5' }, { observedAt: TS, fromText: true }), {
        attrs: { [`${EX}temperature`]: { type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: TS } },
        rejected: [],
      });
    });

    it('sets no observedAt when the payload gave none', () => {
      assert.deepEqual(map(mappingOf(attr('t')), { t: 1 }).attrs, { [`${EX}t`]: { type: 'Property', value: 1 } });
    });

    it('rejects a bad measure and keeps the others', () => {
      const m = mappingOf(attr('t', { valueType: 'Number' }), attr('h', { valueType: 'Number' }));
      const { attrs, rejected } = map(m, { t: 'warm', h: 40 });
      assert.deepEqual(attrs, { [`${EX}h`]: { type: 'Property', value: 40 } });
      assert.deepEqual(rejected, [{ key: 't', reason: 't: "warm" is not a number' }]);
    });

    it('rejects commands arriving as measures, and their _status and _info attributes', () => {
      const m = compileMapping(group({ unknownKeys: 'store', commands: [{ name: `${VOCAB}ring`, objectId: 'rg' }] }), undefined);
      const { attrs, rejected } = map(m, { rg: 'x', ring: 'x', ring_status: 'OK', ring_info: 'x', ringer: 1 });
      assert.deepEqual(Object.keys(attrs), [`${VOCAB}ringer`]);
      assert.deepEqual(rejected.map((r) => r.key), ['rg', 'ring', 'ring_status', 'ring_info']);
      assert.match(rejected[0].reason, /is a command/);
      assert.match(rejected[1].reason, /names a command's attribute/);
    });

    it('rejects a second key mapping to the same attribute', () => {
      const m = mappingOf(attr('t', { name: `${EX}temperature` }), attr('temp', { name: `${EX}temperature` }));
      const { attrs, rejected } = map(m, { t: 1, temp: 2 });
      assert.deepEqual(attrs, { [`${EX}temperature`]: { type: 'Property', value: 1 } });
      assert.match(rejected[0].reason, /already set/);
    });

    it("ignores keys the mapping does not name under the rule 'ignore'", () => {
      assert.deepEqual(map(mappingOf(attr('t')), { t: 1, x: 2 }), { attrs: { [`${EX}t`]: { type: 'Property', value: 1 } }, rejected: [] });
    });

    it("stores them under the default vocabulary under the rule 'store'", () => {
      const m = compileMapping(group({ unknownKeys: 'store' }), undefined);
      assert.deepEqual(map(m, { x: '7', 'a.b-c_1': 'on' }, { fromText: true, observedAt: TS }).attrs, {
        [`${VOCAB}x`]: { type: 'Property', value: 7, observedAt: TS },
        [`${VOCAB}a.b-c_1`]: { type: 'Property', value: 'on', observedAt: TS },
      });
    });

    it('rejects unknown keys that would not make a plain IRI', () => {
      const m = compileMapping(group({ unknownKeys: 'store' }), undefined);
      const keys = ['a b', 'a/b', 'a#b', 'é', '..', '.', 'a:b', '', '?x'];
      const { attrs, rejected } = map(m, Object.fromEntries(keys.map((k) => [k, 1])));
      assert.deepEqual(attrs, {});
      assert.deepEqual(rejected.map((r) => r.key).sort(), [...keys].sort());
      assert.match(rejected[0].reason, /only letters, digits/);
    });

    it('rejects null and the NGSI-LD null marker', () => {
      assert.deepEqual(one(attr('t'), null), { rejected: 't: null is not a value' });
      assert.deepEqual(one(attr('t'), 'urn:ngsi-ld:null'), { rejected: 't: "urn:ngsi-ld:null" is not a value' });
      assert.match((one(attr('r', { kind: 'Relationship' }), 'urn:ngsi-ld:null') as { rejected: string }).rejected, /needs a URI/);
    });
  });

  describe('conversion by valueType', () => {
    const rejects = (m: AttributeMapping, raw: unknown, fragment: RegExp, fromText = false): void => {
      const r = one(m, raw, fromText) as { rejected?: string };
      assert.ok(r.rejected !== undefined, `${JSON.stringify(raw)} was accepted`);
      assert.match(r.rejected, fragment);
    };
    const value = (m: AttributeMapping, raw: unknown, fromText = false): unknown => (one(m, raw, fromText) as { value: unknown }).value;

    it('without one: JSON values as they are, UL text as a number when it reads as one', () => {
      const t = attr('t');
      assert.equal(value(t, '21.5'), '21.5');
      assert.deepEqual(value(t, { a: [1] }), { a: [1] });
      assert.equal(value(t, false), false);
      assert.equal(value(t, '21.5', true), 21.5);
      assert.equal(value(t, '-1e3', true), -1000);
      for (const text of ['007', '+5', '1.', '.5', '0x10', 'Infinity', '1e999', ' 1', 'abc', 'true']) assert.equal(value(t, text, true), text, text);
    });

    it('Number: finite numbers, from numbers or numeric text', () => {
      const n = attr('n', { valueType: 'Number' });
      assert.equal(value(n, 3.5), 3.5);
      assert.equal(value(n, ' +1.5e2 '), 150);
      assert.equal(value(n, '.5'), 0.5);
      for (const bad of ['', 'abc', '1,5', '0x10', 'Infinity', '1e999', true, [1], {}]) rejects(n, bad, /is not a number/);
    });

    it('Integer: integral numbers', () => {
      const i = attr('i', { valueType: 'Integer' });
      assert.equal(value(i, 42), 42);
      assert.equal(value(i, '42', true), 42);
      assert.equal(value(i, '3.0'), 3);
      for (const bad of [1.5, '1.5', 'x', false]) rejects(i, bad, /is not an integer/);
    });

    it('Boolean: true/false, their text, 1/0', () => {
      const b = attr('b', { valueType: 'Boolean' });
      for (const t of [true, 'true', 1, '1']) assert.equal(value(b, t), true);
      for (const f of [false, 'false', 0, '0']) assert.equal(value(b, f), false);
      for (const bad of ['TRUE', 'yes', 2, '', {}]) rejects(b, bad, /is not a boolean/);
    });

    it('Text: primitives as text, no objects', () => {
      const s = attr('s', { valueType: 'Text' });
      assert.equal(value(s, 'abc'), 'abc');
      assert.equal(value(s, 15), '15');
      assert.equal(value(s, true), 'true');
      rejects(s, { a: 1 }, /is not text/);
      rejects(s, [1], /is not text/);
    });

    it('DateTime: ISO 8601 text, as the typed value Weft queries read', () => {
      const d = attr('d', { valueType: 'DateTime' });
      assert.deepEqual(value(d, TS), { '@type': 'DateTime', '@value': TS });
      for (const bad of ['2024-02-30T00:00:00Z', 'today', 1714557600]) rejects(d, bad, /is not an ISO 8601 date-time/);
    });

    it('Object: objects and arrays, also as JSON text', () => {
      const o = attr('o', { valueType: 'Object' });
      assert.deepEqual(value(o, { a: 1 }), { a: 1 });
      assert.deepEqual(value(o, [1, 2]), [1, 2]);
      assert.deepEqual(value(o, ' {"a": [1]}', true), { a: [1] });
      for (const bad of ['{broken', '"x"', '12', 12, true]) rejects(o, bad, /is not a JSON object or array/);
    });

    it("geo:point: 'lat,lon' text in IoT Agent order, [lon, lat] or a GeoJSON Point, as a GeoProperty", () => {
      const p = attr('p', { name: `${EX}location`, kind: 'GeoProperty', valueType: 'geo:point' });
      const point = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });
      assert.deepEqual(one(p, '40.4,-3.7', true), point(-3.7, 40.4));
      assert.deepEqual(one(p, '40.4, -3.7'), point(-3.7, 40.4));
      assert.deepEqual(one(p, [-3.7, 40.4]), point(-3.7, 40.4));
      assert.deepEqual(one(p, { type: 'Point', coordinates: [-3.7, 40.4] }), point(-3.7, 40.4));
      assert.deepEqual(one(p, '[-3.7, 40.4]'), point(-3.7, 40.4));
      rejects(p, 'north,east', /is not "latitude,longitude"/);
      rejects(p, '100,0', /out of range/);
      rejects(p, [1], /not a valid point/);
      rejects(p, { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, /is not a point/);
      rejects(p, 'somewhere', /is not a point/);
      rejects(p, 5, /is not a point/);
    });

    it('geo types make a GeoProperty whatever the declared kind, without unitCode', () => {
      const p = attr('p', { kind: 'Property', valueType: 'geo:point', unitCode: 'MTR' });
      assert.deepEqual(one(p, '1,2'), { type: 'GeoProperty', value: { type: 'Point', coordinates: [2, 1] } });
    });

    it('geo:json: a GeoJSON geometry, also as JSON text; GeoProperty without valueType likewise', () => {
      const line = { type: 'LineString', coordinates: [[0, 0], [1, 1]] };
      for (const g of [attr('g', { kind: 'GeoProperty', valueType: 'geo:json' }), attr('g', { kind: 'GeoProperty' })]) {
        assert.deepEqual(one(g, line), { type: 'GeoProperty', value: line });
        assert.deepEqual(one(g, JSON.stringify(line), true), { type: 'GeoProperty', value: line });
        rejects(g, { type: 'Polygon', coordinates: [[[0, 0], [1, 1], [0, 1]]] }, /not a GeoJSON geometry: .*positions/);
        rejects(g, { type: 'Circle', coordinates: [0, 0] }, /unsupported geometry type/);
        rejects(g, '1,2', /not a GeoJSON geometry/);
      }
    });

    it('Relationship: a URI, as its object', () => {
      const r = attr('r', { kind: 'Relationship', name: `${EX}controlledBy`, unitCode: 'X' });
      assert.deepEqual(map(mappingOf(r), { r: 'urn:ngsi-ld:Gateway:1' }, { observedAt: TS }).attrs,
        { [`${EX}controlledBy`]: { type: 'Relationship', object: 'urn:ngsi-ld:Gateway:1', observedAt: TS } });
      for (const bad of ['gateway 1', 'not-a-uri', 12, { id: 'urn:x:1' }]) rejects(r, bad, /needs a URI/);
    });
  });

  describe('with decodeMeasures', () => {
    it('maps an UltraLight message end to end', () => {
      const m = compileMapping(group({
        unknownKeys: 'store',
        attributes: [attr('t', { name: `${EX}temperature`, valueType: 'Number', unitCode: 'CEL' }), attr('on', { valueType: 'Boolean' })],
      }), undefined);
      const [first, second] = decodeMeasures(Buffer.from('2024-05-01T10:00:00Z|t|21.5|on|1#x|abc'), 'ul')
        .map((b) => toAttributes(b, m, { defaultVocab: VOCAB }));
      assert.deepEqual(first, {
        attrs: {
          [`${EX}temperature`]: { type: 'Property', value: 21.5, unitCode: 'CEL', observedAt: '2024-05-01T10:00:00Z' },
          [`${EX}on`]: { type: 'Property', value: true, observedAt: '2024-05-01T10:00:00Z' },
        },
        rejected: [],
      });
      assert.deepEqual(second, { attrs: { [`${VOCAB}x`]: { type: 'Property', value: 'abc' } }, rejected: [] });
    });
  });
});
