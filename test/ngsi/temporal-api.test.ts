import { strict as assert } from 'node:assert';
import { prefixContext } from '../helpers/context';
import { NgsiError } from '../../src/ngsi/errors';
import {
  addDuration,
  aggregateSeries,
  CompensatedSum,
  aggregateValues,
  contentRange,
  deletionMarker,
  pageBound,
  pageInstances,
  pagePeriods,
  parseDuration,
  parseRetention,
  parseTemporalQuery,
  parseTemporalView,
  queryForView,
  renderTemporalEntity,
  type TemporalEntity,
  type TemporalInstance,
} from '../../src/ngsi/temporal';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';
const NULL = 'urn:ngsi-ld:null';

const ctx = prefixContext(D);

function badRequest(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof NgsiError && e.problem === 'BadRequestData');
}

describe('ngsi/temporal: ISO 8601 durations (aggrPeriodDuration)', () => {
  it('parses hours, days, weeks, months, years and fractional seconds', () => {
    assert.deepEqual(parseDuration('PT1H'), { years: 0, months: 0, ms: 3_600_000 });
    assert.deepEqual(parseDuration('P1D'), { years: 0, months: 0, ms: 86_400_000 });
    assert.deepEqual(parseDuration('P2W'), { years: 0, months: 0, ms: 14 * 86_400_000 });
    assert.deepEqual(parseDuration('P1Y2M'), { years: 1, months: 2, ms: 0 });
    assert.deepEqual(parseDuration('P1DT2H30M1.5S'), { years: 0, months: 0, ms: 86_400_000 + 2 * 3_600_000 + 30 * 60_000 + 1500 });
    assert.deepEqual(parseDuration('P0D'), { years: 0, months: 0, ms: 0 });
  });

  it('rejects what is not a duration with BadRequestData', () => {
    for (const bad of ['', 'P', 'PT', '1H', 'PT1', 'P1H', 'PT-1H', 'P1DT', 'hour']) badRequest(() => parseDuration(bad));
  });

  it('adds months on the calendar and the rest as fixed lengths', () => {
    const jan15 = Date.parse('2024-01-15T00:00:00Z');
    assert.equal(new Date(addDuration(jan15, parseDuration('P1M'))).toISOString(), '2024-02-15T00:00:00.000Z');
    assert.equal(new Date(addDuration(jan15, parseDuration('P1YT1H'))).toISOString(), '2025-01-15T01:00:00.000Z');
  });
});

describe('ngsi/temporal: temporal query parameters', () => {
  it('defaults timeproperty to observedAt and normalises instants', () => {
    assert.deepEqual(parseTemporalQuery({}), { timeproperty: 'observedAt' });
    assert.deepEqual(parseTemporalQuery({ timerel: 'between', timeAt: '2024-01-01T00:00:00Z', endTimeAt: '2024-01-01T02:00:00+01:00', lastN: '3' }), {
      timeproperty: 'observedAt', timerel: 'between', timeAt: '2024-01-01T00:00:00.000Z', endTimeAt: '2024-01-01T01:00:00.000Z', lastN: 3,
    });
  });

  it('refuses a between range whose end is not after its start', () => {
    badRequest(() => parseTemporalQuery({ timerel: 'between', timeAt: '2024-01-01T00:00:00Z', endTimeAt: '2024-01-01T01:00:00+01:00' }));
  });

  it('refuses a bad timerel, a missing or malformed timeAt, a missing endTimeAt, a bad lastN or timeproperty', () => {
    badRequest(() => parseTemporalQuery({ timerel: 'during', timeAt: '2024-01-01T00:00:00Z' }));
    badRequest(() => parseTemporalQuery({ timerel: 'before' }));
    badRequest(() => parseTemporalQuery({ timerel: 'before', timeAt: 'yesterday' }));
    badRequest(() => parseTemporalQuery({ timerel: 'between', timeAt: '2024-01-01T00:00:00Z' }));
    badRequest(() => parseTemporalQuery({ timeAt: '2024-01-01T00:00:00Z' }));
    badRequest(() => parseTemporalQuery({ lastN: '0' }));
    badRequest(() => parseTemporalQuery({ lastN: 'x' }));
    badRequest(() => parseTemporalQuery({ timeproperty: 'deletedAt' }));
  });

  it('reads options, aggrMethods and aggrPeriodDuration', () => {
    assert.deepEqual(parseTemporalView({}), { format: 'normalized', sysAttrs: false });
    assert.deepEqual(parseTemporalView({ options: 'temporalValues,sysAttrs' }), { format: 'temporalValues', sysAttrs: true });
    const v = parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg,max', aggrPeriodDuration: 'PT1H' });
    assert.deepEqual(v.aggregation, { methods: ['avg', 'max'], period: { years: 0, months: 0, ms: 3_600_000 } });
    badRequest(() => parseTemporalView({ options: 'aggregatedValues' }));
    badRequest(() => parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'median' }));
    badRequest(() => parseTemporalView({ options: 'temporalValues,aggregatedValues', aggrMethods: 'avg' }));
    badRequest(() => parseTemporalView({ options: 'keyValues' }));
    badRequest(() => parseTemporalView({ aggrMethods: 'avg' }));
  });

  it('refuses an aggregation period shorter than a millisecond (periods would not advance), takes zero', () => {
    badRequest(() => parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg', aggrPeriodDuration: 'PT0.0001S' }));
    assert.equal(parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg', aggrPeriodDuration: 'PT0S' }).aggregation!.period!.ms, 0);
    assert.equal(parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg', aggrPeriodDuration: 'PT0.001S' }).aggregation!.period!.ms, 1);
  });
});

describe('ngsi/temporal: aggregation', () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9, 'x'];

  it('computes every method as by hand (numbers only, except the counts)', () => {
    assert.equal(aggregateValues(values, 'totalCount'), 9);
    assert.equal(aggregateValues(values, 'distinctCount'), 6);
    assert.equal(aggregateValues(values, 'sum'), 40);
    assert.equal(aggregateValues(values, 'avg'), 5);
    assert.equal(aggregateValues(values, 'min'), 2);
    assert.equal(aggregateValues(values, 'max'), 9);
    assert.equal(aggregateValues(values, 'sumsq'), 4 + 16 * 3 + 25 * 2 + 49 + 81);
    // Sample standard deviation: squared deviations sum to 32 over 8 values, 32 / 7.
    assert.equal(aggregateValues(values, 'stddev'), Math.sqrt(32 / 7));
    assert.equal(aggregateValues(['a'], 'avg'), null);
    assert.equal(aggregateValues([3], 'stddev'), 0);
  });

  it("sums as SQLite's sum() does (compensated), so that SQL and memory agree to the bit", () => {
    assert.equal(0.1 + 0.2 + 0.3, 0.6000000000000001);
    assert.equal(aggregateValues([0.1, 0.2, 0.3], 'sum'), 0.6);
    assert.equal(aggregateValues([1e308, 1e308, -1e308], 'sum'), Infinity); // as SQLite: the error term overflowed, dropped
    const s = new CompensatedSum();
    for (const x of [1, 1e100, 1, -1e100]) s.add(x);
    assert.equal(s.value(), 2);
  });

  it('takes min and max of more values than a function call can spread', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => i % 1000);
    assert.equal(aggregateValues(many, 'max'), 999);
    assert.equal(aggregateValues(many, 'min'), 0);
  });

  it('splits the window into periods and leaves empty periods out', () => {
    const h = (n: number, m = 0): number => Date.parse('2024-01-01T00:00:00Z') + n * 3_600_000 + m * 60_000;
    const series = [{ t: h(0, 10), value: 1 }, { t: h(0, 50), value: 3 }, { t: h(2, 0), value: 10 }];
    const out = aggregateSeries(series, ['avg', 'totalCount'], { start: h(0), end: h(3) }, parseDuration('PT1H'));
    assert.deepEqual(out.avg, [[2, '2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z'], [10, '2024-01-01T02:00:00.000Z', '2024-01-01T03:00:00.000Z']]);
    assert.deepEqual(out.totalCount.map((p) => p[0]), [2, 1]);
    const whole = aggregateSeries(series, ['sum'], { start: h(0), end: h(2) }, undefined);
    assert.deepEqual(whole.sum, [[14, '2024-01-01T00:00:00.000Z', '2024-01-01T02:00:00.000Z']]);
  });
});

describe('ngsi/temporal: rendering', () => {
  const te: TemporalEntity = {
    id: 'urn:ngsi-ld:Sensor:1',
    type: [D + 'Sensor'],
    attrs: {
      [D + 'temperature']: [
        { instanceId: 'urn:ngsi-ld:attribute:instance:1', attr: { type: 'Property', value: 20, observedAt: '2024-01-01T00:00:00Z', createdAt: 'c', modifiedAt: 'm' }, time: '2024-01-01T00:00:00Z' },
        { instanceId: 'urn:ngsi-ld:attribute:instance:2', attr: { type: 'Property', value: 22, observedAt: '2024-01-01T01:00:00Z' }, time: '2024-01-01T01:00:00Z' },
      ],
      [D + 'owner']: [{ instanceId: 'urn:ngsi-ld:attribute:instance:3', attr: { type: 'Relationship', object: 'urn:x:1', datasetId: 'urn:ds:1' }, time: 't' }],
    },
  };

  it('normalized: every attribute an array of instances with their instanceId', () => {
    const out = renderTemporalEntity(te, ctx, { format: 'normalized', sysAttrs: false }, { timeproperty: 'observedAt' });
    assert.deepEqual(out, {
      id: 'urn:ngsi-ld:Sensor:1',
      type: 'Sensor',
      temperature: [
        { type: 'Property', value: 20, observedAt: '2024-01-01T00:00:00Z', instanceId: 'urn:ngsi-ld:attribute:instance:1' },
        { type: 'Property', value: 22, observedAt: '2024-01-01T01:00:00Z', instanceId: 'urn:ngsi-ld:attribute:instance:2' },
      ],
      owner: [{ type: 'Relationship', object: 'urn:x:1', datasetId: 'urn:ds:1', instanceId: 'urn:ngsi-ld:attribute:instance:3' }],
    });
  });

  it('temporalValues (clause 4.5.9): values / objects as [value, time] pairs, datasetId kept', () => {
    const out = renderTemporalEntity(te, ctx, { format: 'temporalValues', sysAttrs: false }, { timeproperty: 'observedAt' });
    assert.deepEqual(out.temperature, { type: 'Property', values: [[20, '2024-01-01T00:00:00Z'], [22, '2024-01-01T01:00:00Z']] });
    assert.deepEqual(out.owner, { type: 'Relationship', objects: [['urn:x:1', 't']], datasetId: 'urn:ds:1' });
  });

  it('aggregatedValues (clause 4.5.19): [value, startAt, endAt] per method', () => {
    const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'max,totalCount' });
    const out = renderTemporalEntity(te, ctx, view, { timeproperty: 'observedAt' });
    assert.deepEqual(out.temperature, {
      type: 'Property',
      max: [[22, '2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z']],
      totalCount: [[2, '2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z']],
    });
  });
});

describe('ngsi/temporal: rendering aggregates a store computed', () => {
  it('one object per datasetId, shaped as the in-memory aggregation shapes them', () => {
    const period = ['2024-01-01T00:00:00.000Z', '2024-01-01T01:00:00.000Z'] as const;
    const te: TemporalEntity = {
      id: 'urn:x:1', type: [D + 'Sensor'], attrs: {},
      aggregated: {
        [D + 'speed']: { series: [{ type: 'Property', values: { avg: [[3, ...period]] } as never }], first: 0, last: 0 },
        [D + 'fuel']: {
          series: [{ type: 'Property', values: { avg: [[1, ...period]] } as never }, { type: 'Property', datasetId: 'urn:ds:2', values: { avg: [[2, ...period]] } as never }],
          first: 0, last: 0,
        },
      },
    };
    const out = renderTemporalEntity(te, ctx, parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg' }), { timeproperty: 'observedAt' });
    assert.deepEqual(out.speed, { type: 'Property', avg: [[3, ...period]] });
    assert.deepEqual(out.fuel, [{ type: 'Property', avg: [[1, ...period]] }, { type: 'Property', avg: [[2, ...period]], datasetId: 'urn:ds:2' }]);
  });
});

describe('ngsi/temporal: retention policy (historyRetention)', () => {
  const DAY = 86_400_000;

  it('reads a duration for every tenant and tenant=duration overrides', () => {
    const policy = parseRetention('P90D, acme=P7D,plant-7=PT12H');
    assert.equal(policy(''), 90 * DAY);
    assert.equal(policy('other'), 90 * DAY);
    assert.equal(policy('acme'), 7 * DAY);
    assert.equal(policy('plant-7'), 12 * 3_600_000);
  });

  it('keeps history forever when empty, or for tenants without an entry', () => {
    assert.equal(parseRetention('')(''), undefined);
    assert.equal(parseRetention('  ')('acme'), undefined);
    const only = parseRetention('acme=P1W');
    assert.equal(only('acme'), 7 * DAY);
    assert.equal(only(''), undefined);
  });

  it('counts a year as 365 days and a month as 30', () => {
    assert.equal(parseRetention('P1Y1M')('x'), 395 * DAY);
  });

  it('refuses bad input with a message naming the entry', () => {
    const refuses = (text: string, re: RegExp) => assert.throws(() => parseRetention(text), (e: unknown) => e instanceof Error && !(e instanceof NgsiError) && re.test(e.message));
    refuses('90 days', /'90 days'.*not an ISO 8601 duration/);
    refuses('P90D,acme=P7', /'P7' in 'acme=P7'/);
    refuses('P90D,P30D', /more than one duration without a tenant/);
    refuses('acme=P1D,acme=P2D', /tenant 'acme' is given twice/);
    refuses('=P1D', /names no tenant/);
    refuses('P1D,', /empty entry/);
    refuses('PT0S', /no time at all/);
  });
});

describe('ngsi/temporal: paging of instances (clause 6.3.10)', () => {
  const S = D + 'speed';
  const F = D + 'fuel';
  const H = (h: number): string => `2024-01-01T${String(h).padStart(2, '0')}:00:00Z`;
  const inst = (h: number, v = h): TemporalInstance => ({ instanceId: `urn:i:${v}`, attr: { type: 'Property', value: v }, time: H(h) });
  const hours = (te: TemporalEntity, iri: string): number[] => (te.attrs[iri] ?? []).map((i) => Date.parse(i.time) / 3_600_000 % 24);

  it('leaves an answer without cut attributes alone', () => {
    const te: TemporalEntity = { id: 'urn:x:1', type: [D + 'Car'], attrs: { [S]: [inst(1)] } };
    assert.deepEqual(pageInstances([te], { timeproperty: 'observedAt' }), { entities: [te] });
  });

  it('forwards: cuts every attribute before the first instance left out, and says so in Content-Range', () => {
    // speed was cut after 1, 2, 3 (4 left out); fuel has everything up to 6.
    const te: TemporalEntity = {
      id: 'urn:x:1', type: [D + 'Car'],
      attrs: { [S]: [inst(1), inst(2), inst(3)], [F]: [inst(2), inst(3), inst(4), inst(6)] },
      truncated: { [S]: H(4) },
    };
    const { entities, range } = pageInstances([te], { timeproperty: 'observedAt' });
    assert.deepEqual(hours(entities[0], S), [1, 2, 3]);
    assert.deepEqual(hours(entities[0], F), [2, 3]);
    assert.equal(entities[0].truncated, undefined);
    assert.deepEqual(range, { start: new Date(H(1)).toISOString(), end: new Date(H(3)).toISOString(), size: '*' });
    assert.equal(contentRange(range!), 'date-time 2024-01-01T01:00:00.000Z-2024-01-01T03:00:00.000Z/*');
  });

  it('forwards: range-start is timeAt for after and between', () => {
    const te: TemporalEntity = { id: 'urn:x:1', type: [], attrs: { [S]: [inst(2), inst(3)] }, truncated: { [S]: H(4) } };
    const { range } = pageInstances([te], { timeproperty: 'observedAt', timerel: 'after', timeAt: '2024-01-01T00:30:00.000Z' });
    assert.equal(range!.start, '2024-01-01T00:30:00.000Z');
  });

  it('never splits one instant between pages, unless the page would be empty', () => {
    // The instance left out shares 03:00 with the last kept one: 03:00 goes to the next page.
    const split: TemporalEntity = { id: 'urn:x:1', type: [], attrs: { [S]: [inst(2), inst(3, 30)] }, truncated: { [S]: H(3) } };
    const page = pageInstances([split], { timeproperty: 'observedAt' });
    assert.deepEqual(hours(page.entities[0], S), [2]);
    assert.equal(page.range!.end, new Date(H(2)).toISOString());
    // Everything kept is at 03:00: it is sent rather than an empty page that never ends.
    const stuck: TemporalEntity = { id: 'urn:x:1', type: [], attrs: { [S]: [inst(3), inst(3, 30)] }, truncated: { [S]: H(3) } };
    assert.deepEqual(hours(pageInstances([stuck], { timeproperty: 'observedAt' }).entities[0], S), [3, 3]);
  });

  it('backwards (lastN): keeps what is newer than the next older instance; size is lastN', () => {
    const te: TemporalEntity = {
      id: 'urn:x:1', type: [],
      attrs: { [S]: [inst(4), inst(5)], [F]: [inst(1), inst(2), inst(5)] },
      truncated: { [S]: H(3) },
    };
    const { entities, range } = pageInstances([te], { timeproperty: 'observedAt', lastN: 10 });
    assert.deepEqual(hours(entities[0], F), [5]);
    assert.deepEqual(range, { start: new Date(H(5)).toISOString(), end: new Date(H(4)).toISOString(), size: 10 });
    const before = pageInstances([te], { timeproperty: 'observedAt', lastN: 10, timerel: 'before', timeAt: '2024-01-01T06:00:00.000Z' });
    assert.equal(before.range!.start, '2024-01-01T06:00:00.000Z');
  });

  it('puts the cut instant itself in the page only when nothing would be left otherwise', () => {
    const te: TemporalEntity = { id: 'urn:x:1', type: [], attrs: { [S]: [inst(1)] }, truncated: { [S]: H(4), [F]: H(5) } };
    assert.deepEqual(pageBound([te], { timeproperty: 'observedAt' }), { at: Date.parse(H(4)), inclusive: false, backwards: false });
    const stuck: TemporalEntity = { id: 'urn:x:1', type: [], attrs: { [S]: [inst(3)] }, truncated: { [S]: H(3) } };
    assert.equal(pageBound([stuck], { timeproperty: 'observedAt' })!.inclusive, true);
  });

  it('takes the earliest cut over all entities of a query', () => {
    const a: TemporalEntity = { id: 'urn:x:a', type: [], attrs: { [S]: [inst(1), inst(2)] }, truncated: { [S]: H(3) } };
    const b: TemporalEntity = { id: 'urn:x:b', type: [], attrs: { [S]: [inst(1)] }, truncated: { [S]: H(2) } };
    const { entities, range } = pageInstances([a, b], { timeproperty: 'observedAt' });
    assert.deepEqual(entities.map((e) => hours(e, S)), [[1], [1]]);
    assert.equal(range!.end, new Date(H(1)).toISOString());
  });
});

describe('ngsi/temporal: deletion markers', () => {
  it('carry the NGSI-LD Null in each kind\'s value member, keeping datasetId and createdAt', () => {
    const at = '2024-01-02T00:00:00.000Z';
    assert.deepEqual(deletionMarker({ type: 'Property', value: 1, datasetId: 'urn:ds:1', createdAt: 'c', unitCode: 'CEL' }, at),
      { type: 'Property', value: NULL, datasetId: 'urn:ds:1', createdAt: 'c', modifiedAt: at });
    assert.equal(deletionMarker({ type: 'Relationship', object: 'urn:x:1' }, at).object, NULL);
    assert.deepEqual(deletionMarker({ type: 'LanguageProperty', languageMap: { en: 'x' } }, at).languageMap, { '@none': NULL });
    assert.equal(deletionMarker({ type: 'VocabProperty', vocab: D + 'x' }, at).vocab, NULL);
    assert.deepEqual(deletionMarker({ type: 'ListRelationship', objectList: ['urn:x:1'] }, at).objectList, [NULL]);
  });

  const te: TemporalEntity = {
    id: 'urn:ngsi-ld:Sensor:1',
    type: [D + 'Sensor'],
    attrs: {
      [D + 'temperature']: [
        { instanceId: 'urn:i:1', attr: { type: 'Property', value: 20 }, time: '2024-01-01T00:00:00Z' },
        { instanceId: 'urn:i:2', attr: { type: 'Property', value: NULL, createdAt: 'c', modifiedAt: '2024-01-01T01:00:00Z' }, time: '2024-01-01T01:00:00Z', deletedAt: '2024-01-01T01:00:00Z' },
      ],
      [D + 'gone']: [{ instanceId: 'urn:i:3', attr: { type: 'Property', value: NULL }, time: 't', deletedAt: 't' }],
    },
  };

  it('normalized: shown with deletedAt', () => {
    const out = renderTemporalEntity(te, ctx, { format: 'normalized', sysAttrs: false }, { timeproperty: 'observedAt' });
    assert.deepEqual((out.temperature as unknown[])[1], { type: 'Property', value: NULL, deletedAt: '2024-01-01T01:00:00Z', instanceId: 'urn:i:2' });
  });

  it('temporalValues and aggregatedValues leave them out', () => {
    const values = renderTemporalEntity(te, ctx, { format: 'temporalValues', sysAttrs: false }, { timeproperty: 'observedAt' });
    assert.deepEqual(values.temperature, { type: 'Property', values: [[20, '2024-01-01T00:00:00Z']] });
    assert.equal(values.gone, undefined);
    const agg = renderTemporalEntity(te, ctx, parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'totalCount' }), { timeproperty: 'observedAt' });
    assert.deepEqual((agg.temperature as { totalCount: unknown[][] }).totalCount[0][0], 1);
  });

  it('queryForView asks the store to skip them for the simplified and aggregated views only', () => {
    const q = { timeproperty: 'observedAt' as const };
    assert.equal(queryForView(q, { format: 'normalized', sysAttrs: false }).skipDeleted, undefined);
    assert.equal(queryForView(q, { format: 'temporalValues', sysAttrs: false }).skipDeleted, true);
  });

  it('queryForView lets the store aggregate for the aggregated view', () => {
    const view = parseTemporalView({ options: 'aggregatedValues', aggrMethods: 'avg', aggrPeriodDuration: 'PT1H' });
    assert.deepEqual(queryForView({ timeproperty: 'observedAt' }, view).aggregation, view.aggregation);
    assert.equal(queryForView({ timeproperty: 'observedAt' }, { format: 'temporalValues', sysAttrs: false }).aggregation, undefined);
  });
});

describe('ngsi/temporal: paging of aggregated periods (clause 6.3.10, aggregatedValues)', () => {
  const S = D + 'speed';
  const F = D + 'fuel';
  const H = (h: number): string => new Date(Date.UTC(2024, 0, 1, h)).toISOString();
  /** A series with one avg period per given hour (value = hour). */
  const series = (hours: number[], datasetId?: string) => {
    const s = { type: 'Property' as const, values: { avg: hours.map((h): [number, string, string] => [h, H(h), H(h + 1)]) } as never };
    return datasetId === undefined ? s : { ...s, datasetId };
  };
  const entity = (speed: number[], fuel: number[]): TemporalEntity => ({
    id: 'urn:x:1', type: [], attrs: {},
    aggregated: { [S]: { series: [series(speed)], first: 0, last: 0 }, [F]: { series: [series(fuel), series([7], 'urn:ds:2')], first: 0, last: 0 } },
  });
  const avg = (te: TemporalEntity, iri: string, i = 0): number[] =>
    (te.aggregated![iri]?.series[i]?.values as unknown as Record<string, Array<[number]>> | undefined)?.avg.map((p) => p[0]) ?? [];
  const agg = { methods: ['avg' as const], period: parseDuration('PT1H') };

  it('leaves series within the maximum alone (200)', () => {
    const te = entity([1, 2, 3], [2, 5]);
    assert.deepEqual(pagePeriods([te], { timeproperty: 'observedAt', aggregation: agg, instanceLimit: 3 }), { entities: [te] });
  });

  it('forwards: the first N periods of the longest series, every series cut to the same end', () => {
    const { entities, range } = pagePeriods([entity([1, 2, 3, 4, 5], [2, 5])], { timeproperty: 'observedAt', aggregation: agg, instanceLimit: 3 });
    assert.deepEqual(avg(entities[0], S), [1, 2, 3]);
    assert.deepEqual(avg(entities[0], F), [2]);
    // The datasetId series past the page is left out altogether.
    assert.equal(entities[0].aggregated![F].series.length, 1);
    assert.deepEqual(range, { start: H(1), end: H(4), size: '*' });
  });

  it('backwards (lastN): the last N periods, range-start the most recent', () => {
    const { entities, range } = pagePeriods([entity([1, 2, 3, 4, 5], [2, 5])], { timeproperty: 'observedAt', lastN: 20, aggregation: agg, instanceLimit: 2 });
    assert.deepEqual(avg(entities[0], S), [4, 5]);
    assert.deepEqual(avg(entities[0], F), [5]);
    assert.deepEqual(avg(entities[0], F, 1), [7]);
    assert.deepEqual(range, { start: H(8), end: H(4), size: '*' });
  });
});
