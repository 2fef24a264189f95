/**
 * Aggregated temporal representation (clause 4.5.19): per attribute and aggregation period,
 * each method's value over the instances of that period, as [value, startAt, endAt].
 * sum, avg, min, max, stddev and sumsq take the numeric values only (others are ignored;
 * a period without any number gives null); totalCount and distinctCount count every value.
 * stddev is the sample standard deviation (as PostgreSQL's stddev, which Stellio and
 * Orion-LD's Mintaka use); 0 for a single value.
 */
import { addDuration, isZero, type Duration } from './duration';
import type { AggrMethod } from './query';

export function aggregateValues(values: readonly unknown[], method: AggrMethod): number | null {
  if (method === 'totalCount') return values.length;
  if (method === 'distinctCount') return new Set(values.map((v) => JSON.stringify(v))).size;
  const nums: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) nums.push(v);
  if (nums.length === 0) return null;
  let sum = 0;
  for (const x of nums) sum += x;
  switch (method) {
    case 'sum': return sum;
    case 'avg': return sum / nums.length;
    case 'min': return Math.min(...nums);
    case 'max': return Math.max(...nums);
    case 'sumsq': return nums.reduce((s, x) => s + x * x, 0);
    case 'stddev': {
      if (nums.length < 2) return 0;
      const mean = sum / nums.length;
      return Math.sqrt(nums.reduce((s, x) => s + (x - mean) * (x - mean), 0) / (nums.length - 1));
    }
  }
}

export interface TimedValue {
  /** Epoch ms. */
  t: number;
  value: unknown;
}

/**
 * Splits [start, end) into periods of `period` (absent or zero: one period) and aggregates
 * the values of each non-empty one. Values outside [start, end] are left out.
 */
export function aggregateSeries(
  series: readonly TimedValue[],
  methods: readonly AggrMethod[],
  window: { start: number; end: number },
  period: Duration | undefined,
): Record<AggrMethod, Array<[number | null, string, string]>> {
  const out = {} as Record<AggrMethod, Array<[number | null, string, string]>>;
  for (const m of methods) out[m] = [];
  const sorted = [...series].sort((a, b) => a.t - b.t);
  const whole = period === undefined || isZero(period);
  let from = window.start;
  let i = 0;
  while (i < sorted.length && sorted[i].t < from) i++;
  while (i < sorted.length && from <= window.end) {
    const to = whole ? window.end : addDuration(from, period!);
    const bucket: unknown[] = [];
    // The last period is closed at window.end, so an instance exactly at the end counts.
    while (i < sorted.length && (sorted[i].t < to || (whole && sorted[i].t <= to))) bucket.push(sorted[i++].value);
    if (bucket.length > 0) {
      for (const m of methods) out[m].push([aggregateValues(bucket, m), new Date(from).toISOString(), new Date(to).toISOString()]);
    }
    if (whole) break;
    from = to;
  }
  return out;
}
