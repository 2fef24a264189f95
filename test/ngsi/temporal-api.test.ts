import { strict as assert } from 'node:assert';
import type { CompiledContext } from '../../src/ngsi/jsonld/context';
import { NgsiError } from '../../src/ngsi/errors';
import {
  addDuration,
  aggregateSeries,
  aggregateValues,
  parseDuration,
  parseTemporalQuery,
  parseTemporalView,
  renderTemporalEntity,
  type TemporalEntity,
} from '../../src/ngsi/temporal';

const D = 'https://uri.etsi.org/ngsi-ld/default-context/';

class VocabContext implements CompiledContext {
  readonly key = 'test';
  readonly source = 'https://example.org/context.jsonld';
  readonly linkUrl = 'https://example.org/context.jsonld';
  expandTerm(term: string): string { return D + term; }
  compactIri(iri: string): string { return iri.startsWith(D) ? iri.slice(D.length) : iri; }
}
const ctx = new VocabContext();

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
