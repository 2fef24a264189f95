/**
 * Aggregated temporal representation (clause 4.5.19): per attribute and aggregation period,
 * each method's value over the instances of that period, as [value, startAt, endAt].
 * sum, avg, min, max, stddev and sumsq take the numeric values only (others are ignored;
 * a period without any number gives null); totalCount and distinctCount count every value.
 * stddev is the sample standard deviation (as PostgreSQL's stddev, which Stellio and
 * Orion-LD's Mintaka use); 0 for a single value.
 *
 * This is the reference every other way of aggregating must equal: a store that computes
 * aggregates itself (the SQLite store does so in SQL for numeric histories) answers with
 * valueFromStats over what it measured, period by period as aggregateSeries cuts them.
 * Sums use SQLite's compensated (Kahan-Babuska-Neumaier) summation, step for step, so that
 * the SQL path and this one agree to the last bit (and a long sum loses less precision).
 */
import { instantMs } from '../query/temporal';
import { addDuration, isZero, type Duration } from './duration';
import type { TemporalQuery } from './model';
import type { AggrMethod } from './query';

/** One aggregated value per period: [value, startAt, endAt] (clause 4.5.19). */
export type AggregatedValues = Record<AggrMethod, Array<[number | null, string, string]>>;

/**
 * A running sum as SQLite's sum() keeps it for floating-point input (func.c,
 * kahanBabuskaNeumaierStep and sumFinalize): the error term is dropped if it overflowed.
 */
export class CompensatedSum {
  private sum = 0;
  private err = 0;

  add(r: number): void {
    const s = this.sum;
    const t = s + r;
    if (Math.abs(s) > Math.abs(r)) this.err += s - t + r;
    else this.err += r - t + s;
    this.sum = t;
  }

  value(): number {
    return Number.isFinite(this.err) ? this.sum + this.err : this.sum;
  }
}

/** What a store measured of one period's values, all of them numbers (count > 0). */
export interface PeriodStats {
  count: number;
  distinct?: number;
  /** CompensatedSum of the values (needed by sum, avg, stddev). */
  sum?: number;
  min?: number;
  max?: number;
  /** CompensatedSum of x * x. */
  sumsq?: number;
  /** CompensatedSum of (x - mean) * (x - mean), mean = sum / count (for stddev). */
  sqdev?: number;
}

/** A method's value from a period's measures, with the very formulas of aggregateValues. */
export function valueFromStats(s: PeriodStats, method: AggrMethod): number | null {
  switch (method) {
    case 'totalCount': return s.count;
    case 'distinctCount': return s.distinct!;
    case 'sum': return s.sum!;
    case 'avg': return s.sum! / s.count;
    case 'min': return s.min!;
    case 'max': return s.max!;
    case 'sumsq': return s.sumsq!;
    case 'stddev': return s.count < 2 ? 0 : Math.sqrt(s.sqdev! / (s.count - 1));
  }
}

export function aggregateValues(values: readonly unknown[], method: AggrMethod): number | null {
  if (method === 'totalCount') return values.length;
  if (method === 'distinctCount') return new Set(values.map((v) => JSON.stringify(v))).size;
  const nums: number[] = [];
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) nums.push(v);
  if (nums.length === 0) return null;
  const stats: PeriodStats = { count: nums.length };
  switch (method) {
    case 'min':
    case 'max': {
      // A loop, not Math.min(...nums): spreading a few hundred thousand arguments overflows the stack.
      let best = nums[0];
      for (const x of nums) if (method === 'min' ? x < best : x > best) best = x;
      return best;
    }
    case 'sumsq': {
      const sq = new CompensatedSum();
      for (const x of nums) sq.add(x * x);
      stats.sumsq = sq.value();
      break;
    }
    default: {
      const sum = new CompensatedSum();
      for (const x of nums) sum.add(x);
      stats.sum = sum.value();
      if (method === 'stddev' && nums.length >= 2) {
        const mean = stats.sum / nums.length;
        const dev = new CompensatedSum();
        for (const x of nums) dev.add((x - mean) * (x - mean));
        stats.sqdev = dev.value();
      }
    }
  }
  return valueFromStats(stats, method);
}

export interface TimedValue {
  /** Epoch ms. */
  t: number;
  value: unknown;
}

/** The span aggregation periods start from and end at (epoch ms). */
export interface AggregationWindow {
  start: number;
  end: number;
}

/**
 * The window of one series (one datasetId of an attribute) whose instances lie between
 * `first` and `last`: from timeAt (after, between) or the first instance, to endTimeAt
 * (between), timeAt (before) or the last instance.
 */
export function aggregationWindow(q: TemporalQuery, first: number, last: number): AggregationWindow {
  const start = q.timerel === 'after' || q.timerel === 'between' ? instantMs(q.timeAt!) : first;
  const end = q.timerel === 'between' ? instantMs(q.endTimeAt!) : q.timerel === 'before' ? instantMs(q.timeAt!) : last;
  return { start, end };
}

/** No period, or a zero one: the whole window is one period (clause 4.5.19). */
export function isWholeWindow(period: Duration | undefined): boolean {
  return period === undefined || isZero(period);
}

/**
 * The end of the period starting at `from`. Periods follow each other from window.start on
 * (each one's end is the next one's start), so a store must step through them with this
 * same function to land on the same instants; the whole-window period ends at window.end.
 */
export function periodEnd(from: number, window: AggregationWindow, period: Duration | undefined): number {
  return isWholeWindow(period) ? window.end : addDuration(from, period!);
}

/**
 * Splits [start, end) into periods of `period` (absent or zero: one period) and aggregates
 * the values of each non-empty one. Values outside [start, end] are left out.
 */
export function aggregateSeries(
  series: readonly TimedValue[],
  methods: readonly AggrMethod[],
  window: AggregationWindow,
  period: Duration | undefined,
): AggregatedValues {
  const out = {} as AggregatedValues;
  for (const m of methods) out[m] = [];
  const sorted = [...series].sort((a, b) => a.t - b.t);
  const whole = isWholeWindow(period);
  let from = window.start;
  let i = 0;
  while (i < sorted.length && sorted[i].t < from) i++;
  while (i < sorted.length && from <= window.end) {
    const to = periodEnd(from, window, period);
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
