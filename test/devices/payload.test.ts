import assert from 'node:assert/strict';
import { decodeCommandResults, decodeMeasures, DevicePayloadError, encodeCommand } from '../../src/devices/payload';

const buf = (s: string): Buffer => Buffer.from(s, 'utf8');

const failsWith = (fragment: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof DevicePayloadError, `expected DevicePayloadError, got ${String(err)}`);
  assert.match(err.reason, fragment);
  return true;
};

describe('devices/payload', () => {
  describe('decodeMeasures, JSON', () => {
    it('reads an object of measures (IoT Agent JSON example), numbers as strings staying strings', () => {
      assert.deepEqual(decodeMeasures(buf('{"h": 70, "t": 15, "s": "21.5"}'), 'json'), [{ measures: { h: 70, t: 15, s: '21.5' }, fromText: false }]);
    });

    it('takes TimeInstant as observedAt, not as a measure', () => {
      assert.deepEqual(decodeMeasures(buf('{"t": 15, "TimeInstant": "2024-05-01T10:00:00Z"}'), 'json'),
        [{ observedAt: '2024-05-01T10:00:00Z', measures: { t: 15 }, fromText: false }]);
    });

    it('reads an array of measure objects as one batch each (IoT Agent JSON multi-measure)', () => {
      const text = '[{"t": 15, "TimeInstant": "2024-05-01T10:00:00Z"}, {"t": 16, "TimeInstant": "2024-05-01T10:01:00Z"}, {"h": 3}]';
      assert.deepEqual(decodeMeasures(buf(text), 'json'), [
        { observedAt: '2024-05-01T10:00:00Z', measures: { t: 15 }, fromText: false },
        { observedAt: '2024-05-01T10:01:00Z', measures: { t: 16 }, fromText: false },
        { measures: { h: 3 }, fromText: false },
      ]);
    });

    it('keeps object values and null as they are (mapping decides)', () => {
      assert.deepEqual(decodeMeasures(buf('{"o": {"a": [1]}, "n": null}'), 'json'), [{ measures: { o: { a: [1] }, n: null }, fromText: false }]);
    });

    it('keeps a key __proto__ as a measure', () => {
      const [batch] = decodeMeasures(buf('{"__proto__": 1, "TimeInstant": "2024-05-01T10:00:00Z"}'), 'json');
      assert.deepEqual(Object.keys(batch.measures), ['__proto__']);
      assert.equal(Object.getPrototypeOf(batch.measures), Object.prototype);
    });

    it('refuses malformed JSON, non-objects, empty objects and arrays', () => {
      assert.throws(() => decodeMeasures(buf('{"t": '), 'json'), failsWith(/^malformed JSON: /));
      assert.throws(() => decodeMeasures(buf('t|15'), 'json'), failsWith(/^malformed JSON/));
      for (const text of ['15', '"x"', 'null', 'true']) {
        assert.throws(() => decodeMeasures(buf(text), 'json'), failsWith(/must be an object or an array of objects/), text);
      }
      assert.throws(() => decodeMeasures(buf('{}'), 'json'), failsWith(/no measures/));
      assert.throws(() => decodeMeasures(buf('[]'), 'json'), failsWith(/empty array/));
      assert.throws(() => decodeMeasures(buf('[{"t": 1}, 2]'), 'json'), failsWith(/item 1 .* not a JSON object/));
      assert.throws(() => decodeMeasures(buf('[[{"t": 1}]]'), 'json'), failsWith(/item 0/));
    });

    it('refuses an invalid TimeInstant, and one with no measures', () => {
      for (const t of ['"yesterday"', '1714557600', '"2024-02-30T00:00:00Z"', 'null']) {
        assert.throws(() => decodeMeasures(buf(`{"t": 1, "TimeInstant": ${t}}`), 'json'), failsWith(/TimeInstant .* is not an ISO 8601 date-time/), t);
      }
      assert.throws(() => decodeMeasures(buf('{"TimeInstant": "2024-05-01T10:00:00Z"}'), 'json'), failsWith(/no measures/));
    });

    it('refuses an empty payload', () => {
      assert.throws(() => decodeMeasures(Buffer.alloc(0), 'json'), failsWith(/empty payload/));
      assert.throws(() => decodeMeasures(Buffer.alloc(0), 'ul'), failsWith(/empty payload/));
      assert.throws(() => decodeMeasures(Buffer.alloc(0), 'json', 't'), failsWith(/empty payload/));
    });
  });

  describe('decodeMeasures, UltraLight', () => {
    it('reads each group as a batch of text values', () => {
      assert.deepEqual(decodeMeasures(buf('t|15|k|abc'), 'ul'), [{ measures: { t: '15', k: 'abc' }, fromText: true }]);
      assert.deepEqual(decodeMeasures(buf('2016-06-13T00:35:30Z|lle|100#t|10'), 'ul'), [
        { observedAt: '2016-06-13T00:35:30Z', measures: { lle: '100' }, fromText: true },
        { measures: { t: '10' }, fromText: true },
      ]);
    });

    it('lets the last of repeated keys win', () => {
      assert.deepEqual(decodeMeasures(buf('t|1|t|2'), 'ul'), [{ measures: { t: '2' }, fromText: true }]);
    });

    it('reads a TimeInstant pair as the group timestamp too', () => {
      assert.deepEqual(decodeMeasures(buf('TimeInstant|2024-05-01T10:00:00Z|t|1'), 'ul'),
        [{ observedAt: '2024-05-01T10:00:00Z', measures: { t: '1' }, fromText: true }]);
      assert.throws(() => decodeMeasures(buf('TimeInstant|soon|t|1'), 'ul'), failsWith(/TimeInstant "soon"/));
    });

    it('passes UL syntax errors on', () => {
      assert.throws(() => decodeMeasures(buf('t|15|k'), 'ul'), failsWith(/odd number of fields/));
    });
  });

  describe('decodeMeasures, one measure (attrs/{key})', () => {
    it('reads JSON text as its value', () => {
      assert.deepEqual(decodeMeasures(buf('21.5'), 'json', 't'), [{ measures: { t: 21.5 }, fromText: false }]);
      assert.deepEqual(decodeMeasures(buf('"21.5"'), 'json', 't'), [{ measures: { t: '21.5' }, fromText: false }]);
      assert.deepEqual(decodeMeasures(buf(' {"a": 1}'), 'json', 'o'), [{ measures: { o: { a: 1 } }, fromText: false }]);
      assert.deepEqual(decodeMeasures(buf('false'), 'json', 'b'), [{ measures: { b: false }, fromText: false }]);
    });

    it('reads text that is not JSON as raw text', () => {
      assert.deepEqual(decodeMeasures(buf('on'), 'json', 's'), [{ measures: { s: 'on' }, fromText: true }]);
      assert.deepEqual(decodeMeasures(buf('12abc'), 'json', 's'), [{ measures: { s: '12abc' }, fromText: true }]);
      assert.deepEqual(decodeMeasures(buf('{broken'), 'json', 's'), [{ measures: { s: '{broken' }, fromText: true }]);
    });

    it('reads UL as raw text, | and # included', () => {
      assert.deepEqual(decodeMeasures(buf('21.5'), 'ul', 't'), [{ measures: { t: '21.5' }, fromText: true }]);
      assert.deepEqual(decodeMeasures(buf('a|b#c\n'), 'ul', 's'), [{ measures: { s: 'a|b#c' }, fromText: true }]);
    });

    it('refuses TimeInstant as the key', () => {
      assert.throws(() => decodeMeasures(buf('2024-05-01T10:00:00Z'), 'ul', 'TimeInstant'), failsWith(/not a measure/));
    });

    it('keeps a key __proto__ as a measure', () => {
      const [batch] = decodeMeasures(buf('1'), 'ul', '__proto__');
      assert.deepEqual(Object.keys(batch.measures), ['__proto__']);
    });
  });

  describe('encodeCommand', () => {
    it('writes JSON as {"<command>": value}', () => {
      assert.equal(encodeCommand('json', 'd1', 'ping', { data: 22 }), '{"ping":{"data":22}}');
      assert.equal(encodeCommand('json', 'd1', 'on', true), '{"on":true}');
      assert.equal(encodeCommand('json', 'd1', 'ping', undefined), '{"ping":null}');
      assert.equal(encodeCommand('json', 'd1', '__proto__', 1), '{"__proto__":1}');
    });

    it('writes UL with the device id', () => {
      assert.equal(encodeCommand('ul', 'd1', 'ring', 'on'), 'd1@ring|on');
      assert.throws(() => encodeCommand('ul', 'd1', 'say', 'a|b'), DevicePayloadError);
    });
  });

  describe('decodeCommandResults', () => {
    it('reads JSON results, several at once', () => {
      assert.deepEqual(decodeCommandResults(buf('{"ping": "1234567890", "on": {"ok": true}}'), 'json', 'd1'), [
        { command: 'ping', result: '1234567890', failed: false },
        { command: 'on', result: { ok: true }, failed: false },
      ]);
    });

    it("marks a JSON result with an 'error' member as failed (Weft's convention)", () => {
      assert.deepEqual(decodeCommandResults(buf('{"ping": {"error": "busy"}, "x": "error"}'), 'json', 'd1'), [
        { command: 'ping', result: { error: 'busy' }, failed: true },
        { command: 'x', result: 'error', failed: false },
      ]);
    });

    it('reads a UL result and marks ERROR... as failed', () => {
      assert.deepEqual(decodeCommandResults(buf('d1@ring|ring OK'), 'ul', 'd1'), [{ command: 'ring', result: 'ring OK', failed: false }]);
      assert.deepEqual(decodeCommandResults(buf('d1@ring|ERROR: jammed'), 'ul', 'd1'), [{ command: 'ring', result: 'ERROR: jammed', failed: true }]);
      assert.deepEqual(decodeCommandResults(buf('d1@ring|error'), 'ul', 'd1'), [{ command: 'ring', result: 'error', failed: false }]);
    });

    it("refuses a UL result naming another device", () => {
      assert.throws(() => decodeCommandResults(buf('d2@ring|OK'), 'ul', 'd1'), failsWith(/names device "d2"/));
    });

    it('refuses malformed replies', () => {
      assert.throws(() => decodeCommandResults(Buffer.alloc(0), 'json', 'd1'), failsWith(/empty payload/));
      assert.throws(() => decodeCommandResults(buf('{"ping":'), 'json', 'd1'), failsWith(/malformed JSON/));
      assert.throws(() => decodeCommandResults(buf('["ping"]'), 'json', 'd1'), failsWith(/must be an object/));
      assert.throws(() => decodeCommandResults(buf('{}'), 'json', 'd1'), failsWith(/empty command result/));
      assert.throws(() => decodeCommandResults(buf('ring|OK'), 'ul', 'd1'), failsWith(/<deviceId>@<command>/));
    });
  });
});
