import assert from 'node:assert/strict';
import { commandTopic, DEVICE_TOPIC_FILTERS, isOwnCommandFilter, parseDeviceTopic } from '../../src/devices/topics';

/** MQTT 3.1.1 section 4.7 matching: '+' is one level (possibly empty), '#' the rest (and the parent). */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

const matching = (topic: string): string[] => DEVICE_TOPIC_FILTERS.filter((f) => matches(f, topic));

describe('devices/topics', () => {
  describe('parseDeviceTopic', () => {
    it('reads the IoT Agent forms with a leading slash', () => {
      assert.deepEqual(parseDeviceTopic('/k1/dev1/attrs'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs' });
      assert.deepEqual(parseDeviceTopic('/k1/dev1/attrs/t'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', key: 't' });
      assert.deepEqual(parseDeviceTopic('/k1/dev1/cmdexe'), { apikey: 'k1', deviceId: 'dev1', channel: 'cmdexe' });
      assert.deepEqual(parseDeviceTopic('/k1/dev1/cmd'), { apikey: 'k1', deviceId: 'dev1', channel: 'cmd' });
    });

    it('reads them without the leading slash', () => {
      assert.deepEqual(parseDeviceTopic('k1/dev1/attrs'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs' });
      assert.deepEqual(parseDeviceTopic('k1/dev1/attrs/t'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', key: 't' });
      assert.deepEqual(parseDeviceTopic('k1/dev1/cmdexe'), { apikey: 'k1', deviceId: 'dev1', channel: 'cmdexe' });
    });

    it('reads the /json/ and /ul/ prefixes as the message format', () => {
      assert.deepEqual(parseDeviceTopic('/json/k1/dev1/attrs'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', format: 'json' });
      assert.deepEqual(parseDeviceTopic('/ul/k1/dev1/attrs/t'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', key: 't', format: 'ul' });
      assert.deepEqual(parseDeviceTopic('json/k1/dev1/cmdexe'), { apikey: 'k1', deviceId: 'dev1', channel: 'cmdexe', format: 'json' });
      assert.deepEqual(parseDeviceTopic('ul/k1/dev1/attrs'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', format: 'ul' });
    });

    it('reads an apikey named json or ul where no prefix fits', () => {
      assert.deepEqual(parseDeviceTopic('/json/dev1/attrs'), { apikey: 'json', deviceId: 'dev1', channel: 'attrs' });
      assert.deepEqual(parseDeviceTopic('json/dev1/attrs/t'), { apikey: 'json', deviceId: 'dev1', channel: 'attrs', key: 't' });
      assert.deepEqual(parseDeviceTopic('/ul/dev1/attrs/t'), { apikey: 'ul', deviceId: 'dev1', channel: 'attrs', key: 't' });
    });

    it('refuses empty levels and wildcards in apikey, deviceId and key', () => {
      for (const t of ['//dev1/attrs', '/k1//attrs', '/k1/dev1/attrs/', 'k1//attrs', '/+/dev1/attrs', '/k1/#/attrs', '/k1/d+/attrs', '/k1/dev1/attrs/t#', '//k1/dev1/attrs']) {
        assert.equal(parseDeviceTopic(t), undefined, t);
      }
    });

    it('refuses other channels, shapes and keys on cmd or cmdexe', () => {
      for (const t of ['', '/', 'k1/dev1', '/k1/dev1', '/k1/dev1/other', '/k1/dev1/cmd/x', '/k1/dev1/cmdexe/x', '/k1/dev1/attrs/t/u', '/xml/k1/dev1/attrs/t', '/json/ul/k1/dev1/attrs', 'a/b/c/d/e/f/g', '/k1/dev1/ATTRS']) {
        assert.equal(parseDeviceTopic(t), undefined, t);
      }
    });

    it('refuses the reserved names: deviceId attrs, keys attrs and cmdexe', () => {
      for (const t of ['/k1/attrs/attrs', 'k1/attrs/cmdexe', '/k1/dev1/attrs/attrs', '/k1/dev1/attrs/cmdexe', 'json/k1/attrs/attrs']) {
        assert.equal(parseDeviceTopic(t), undefined, t);
      }
      assert.deepEqual(parseDeviceTopic('/k1/cmdexe/attrs'), { apikey: 'k1', deviceId: 'cmdexe', channel: 'attrs' });
      assert.deepEqual(parseDeviceTopic('/k1/dev1/attrs/cmd'), { apikey: 'k1', deviceId: 'dev1', channel: 'attrs', key: 'cmd' });
    });
  });

  describe('DEVICE_TOPIC_FILTERS', () => {
    // Every topic of up to 6 levels (the filters' longest; none has '#') over names that exercise each ambiguity.
    const names = ['', 'k', 'json', 'attrs', 'cmdexe', 'cmd']; // 'ul' reads as 'json' does
    function* topics(levels: number, prefix: string[] = []): Generator<string> {
      if (prefix.length === levels) { yield prefix.join('/'); return; }
      for (const n of names) yield* topics(levels, [...prefix, n]);
    }
    let rows: Array<{ t: string; parsed: ReturnType<typeof parseDeviceTopic>; filters: string[] }> = [];
    before(() => {
      rows = [1, 2, 3, 4, 5, 6].flatMap((n) => [...topics(n)]).map((t) => ({ t, parsed: parseDeviceTopic(t), filters: matching(t) }));
    });

    it('has no wildcard but + and no $ topics', () => {
      for (const f of DEVICE_TOPIC_FILTERS) assert.ok(!f.includes('#') && !f.startsWith('$'), f);
    });

    it('delivers every accepted measure and result topic through exactly one filter', () => {
      let accepted = 0;
      for (const { t, parsed, filters } of rows) {
        if (parsed === undefined || parsed.channel === 'cmd') continue;
        accepted++;
        assert.equal(filters.length, 1, `${t} matches ${filters.join(', ')}`);
      }
      assert.ok(accepted > 100);
    });

    it('delivers no command topic back to the gateway', () => {
      for (const { t, parsed, filters } of rows) if (parsed?.channel === 'cmd') assert.deepEqual(filters, [], t);
      assert.deepEqual(matching(commandTopic('k1', 'dev1')), []);
    });

    it('only overlaps on topics parseDeviceTopic refuses', () => {
      let overlaps = 0;
      for (const { t, parsed, filters } of rows) {
        if (filters.length < 2) continue;
        overlaps++;
        assert.equal(parsed, undefined, t);
      }
      assert.ok(overlaps > 0, 'the filters are known to overlap on reserved names');
    });
  });

  describe('commandTopic and isOwnCommandFilter', () => {
    it('names the IoT Agent command topic', () => {
      assert.equal(commandTopic('k1', 'dev1'), '/k1/dev1/cmd');
      assert.deepEqual(parseDeviceTopic(commandTopic('k1', 'dev1')), { apikey: 'k1', deviceId: 'dev1', channel: 'cmd' });
    });

    it('lets a device subscribe to its own command topic only', () => {
      assert.equal(isOwnCommandFilter('/k1/dev1/cmd', 'k1', 'dev1'), true);
      for (const f of ['/k1/dev2/cmd', '/k2/dev1/cmd', '/k1/+/cmd', '/k1/dev1/#', '#', '/k1/dev1/+', 'k1/dev1/cmd', '/k1/dev1/cmdexe', '/k1/dev1/attrs', '$share/g//k1/dev1/cmd']) {
        assert.equal(isOwnCommandFilter(f, 'k1', 'dev1'), false, f);
      }
    });
  });
});
