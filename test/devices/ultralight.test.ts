import assert from 'node:assert/strict';
import { DevicePayloadError } from '../../src/devices/payload';
import { encodeUltralightCommand, parseUltralight, parseUltralightCommandResult } from '../../src/devices/ultralight';

const failsWith = (fragment: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof DevicePayloadError, `expected DevicePayloadError, got ${String(err)}`);
  assert.equal(err.message, err.reason);
  assert.match(err.reason, fragment);
  return true;
};

describe('devices/ultralight', () => {
  describe('parseUltralight', () => {
    it('reads the IoT Agent UL example t|15|k|abc as text pairs', () => {
      assert.deepEqual(parseUltralight('t|15|k|abc'), [{ measures: [['t', '15'], ['k', 'abc']] }]);
    });

    it('reads groups separated by # (IoT Agent example gps|1.2/3.4#t|10)', () => {
      assert.deepEqual(parseUltralight('gps|1.2/3.4#t|10'), [{ measures: [['gps', '1.2/3.4']] }, { measures: [['t', '10']] }]);
    });

    it('reads a timestamp as the first field of a group (IoT Agent example)', () => {
      assert.deepEqual(parseUltralight('2016-06-13T00:35:30Z|lle|100'), [{ timestamp: '2016-06-13T00:35:30Z', measures: [['lle', '100']] }]);
    });

    it('gives each group its own timestamp', () => {
      assert.deepEqual(parseUltralight('2024-01-01T00:00:00Z|t|1#t|2#2024-01-01T00:01:00.5+01:00|t|3'), [
        { timestamp: '2024-01-01T00:00:00Z', measures: [['t', '1']] },
        { measures: [['t', '2']] },
        { timestamp: '2024-01-01T00:01:00.5+01:00', measures: [['t', '3']] },
      ]);
    });

    it('takes a date-time in an even group as a key, not a timestamp', () => {
      assert.deepEqual(parseUltralight('2024-01-01T00:00:00Z|x'), [{ measures: [['2024-01-01T00:00:00Z', 'x']] }]);
    });

    it('ignores empty groups (a trailing or doubled #)', () => {
      assert.deepEqual(parseUltralight('t|1#'), [{ measures: [['t', '1']] }]);
      assert.deepEqual(parseUltralight('#t|1##h|2#'), [{ measures: [['t', '1']] }, { measures: [['h', '2']] }]);
    });

    it('does not trim fields: UL values are text', () => {
      assert.deepEqual(parseUltralight(' t | 15 '), [{ measures: [[' t ', ' 15 ']] }]);
    });

    it('drops one trailing line break of the payload', () => {
      assert.deepEqual(parseUltralight('t|15\n'), [{ measures: [['t', '15']] }]);
      assert.deepEqual(parseUltralight('t|15\r\n'), [{ measures: [['t', '15']] }]);
    });

    it('keeps repeated keys in order (the last one wins downstream)', () => {
      assert.deepEqual(parseUltralight('t|1|t|2'), [{ measures: [['t', '1'], ['t', '2']] }]);
    });

    it('refuses an odd number of fields without a leading date-time', () => {
      assert.throws(() => parseUltralight('t|15|k'), failsWith(/odd number of fields/));
      assert.throws(() => parseUltralight('t'), failsWith(/odd number of fields/));
      assert.throws(() => parseUltralight('2024-13-01T00:00:00Z|t|1'), failsWith(/odd number of fields/));
      assert.throws(() => parseUltralight('t|1#h'), failsWith(/odd number of fields/));
    });

    it('refuses a timestamp with no measures', () => {
      assert.throws(() => parseUltralight('2024-01-01T00:00:00Z'), failsWith(/timestamp but no measures/));
    });

    it('refuses an empty key or value (no leading | as the IoT Agent tolerates)', () => {
      assert.throws(() => parseUltralight('|15'), failsWith(/empty key/));
      assert.throws(() => parseUltralight('t|15||3'), failsWith(/empty key/));
      assert.throws(() => parseUltralight('t|'), failsWith(/empty value for "t"/));
      assert.throws(() => parseUltralight('|t|15'), failsWith(/odd number/));
    });

    it('refuses a payload with no measures', () => {
      assert.throws(() => parseUltralight(''), failsWith(/no measures/));
      assert.throws(() => parseUltralight('##'), failsWith(/no measures/));
      assert.throws(() => parseUltralight('\n'), failsWith(/no measures/));
    });

    it('bounds how much of a hostile group goes into the reason', () => {
      assert.throws(() => parseUltralight(`${'x'.repeat(10_000)}|`), (err: unknown) => (err as Error).message.length < 200);
    });
  });

  describe('encodeUltralightCommand', () => {
    it('writes <deviceId>@<command>|<value>', () => {
      assert.equal(encodeUltralightCommand('bell001', 'ring', 'on'), 'bell001@ring|on');
      assert.equal(encodeUltralightCommand('lamp1', 'dim', 40), 'lamp1@dim|40');
      assert.equal(encodeUltralightCommand('lamp1', 'on', true), 'lamp1@on|true');
    });

    it('writes an object value as k=v parameters', () => {
      assert.equal(encodeUltralightCommand('robot1', 'turn', { left: 10, speed: 'slow' }), 'robot1@turn|left=10|speed=slow');
      assert.equal(encodeUltralightCommand('robot1', 'stop', {}), 'robot1@stop');
    });

    it('writes no value for null or undefined, JSON for arrays and nested objects', () => {
      assert.equal(encodeUltralightCommand('d', 'ping', null), 'd@ping|');
      assert.equal(encodeUltralightCommand('d', 'ping', undefined), 'd@ping|');
      assert.equal(encodeUltralightCommand('d', 'seq', [1, 2]), 'd@seq|[1,2]');
      assert.equal(encodeUltralightCommand('d', 'cfg', { a: { b: 1 }, c: null }), 'd@cfg|a={"b":1}|c=');
    });

    it('refuses what UL cannot carry, since it has no escaping', () => {
      assert.throws(() => encodeUltralightCommand('d', 'say', 'a|b'), failsWith(/contains '\|'/));
      assert.throws(() => encodeUltralightCommand('d', 'cfg', { a: 'x|y' }), failsWith(/contains '\|'/));
      assert.throws(() => encodeUltralightCommand('d', 'cfg', { 'a=b': 1 }), failsWith(/parameter "a=b"/));
      assert.throws(() => encodeUltralightCommand('d', 'cfg', { '': 1 }), failsWith(/parameter ""/));
      assert.throws(() => encodeUltralightCommand('d', 'a@b', 1), failsWith(/command name/));
      assert.throws(() => encodeUltralightCommand('d', '', 1), failsWith(/command name/));
      assert.throws(() => encodeUltralightCommand('d@x', 'ping', 1), failsWith(/device id/));
      assert.throws(() => encodeUltralightCommand('d|x', 'ping', 1), failsWith(/device id/));
    });
  });

  describe('parseUltralightCommandResult', () => {
    it('reads <deviceId>@<command>|<result>', () => {
      assert.deepEqual(parseUltralightCommandResult('bell001@ring|ring OK'), { deviceId: 'bell001', command: 'ring', result: 'ring OK' });
    });

    it('keeps a result holding |, and an empty result', () => {
      assert.deepEqual(parseUltralightCommandResult('d@cfg|a=1|b=2'), { deviceId: 'd', command: 'cfg', result: 'a=1|b=2' });
      assert.deepEqual(parseUltralightCommandResult('d@ping'), { deviceId: 'd', command: 'ping', result: '' });
      assert.deepEqual(parseUltralightCommandResult('d@ping|\n'), { deviceId: 'd', command: 'ping', result: '' });
    });

    it('refuses a reply without device and command', () => {
      for (const text of ['', 'ping|OK', '@ping|OK', 'd@|OK', 'd@', 'OK|d@ping']) {
        assert.throws(() => parseUltralightCommandResult(text), failsWith(/<deviceId>@<command>/), text);
      }
    });
  });
});
