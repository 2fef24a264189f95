/**
 * Temporal query parameters (clause 6.3.x / 5.2.21 TemporalQuery) and the temporal
 * representation options (clause 6.3.7: temporalValues, aggregatedValues; 4.5.19
 * aggrMethods, aggrPeriodDuration). Pure: the same rules for URL parameters (GET) and the
 * temporalQ member of POST /temporal/entityOperations/query.
 */
import { badRequest } from '../errors';
import { instantMs } from '../query/temporal';
import { parseDuration, type Duration } from './duration';
import type { TemporalQuery, TimeProperty } from './model';

const TIMERELS = new Set(['before', 'after', 'between']);
const TIME_PROPERTIES = new Set<string>(['observedAt', 'createdAt', 'modifiedAt']);

export type TemporalFormat = 'normalized' | 'temporalValues' | 'aggregatedValues';

export const AGGR_METHODS = ['totalCount', 'distinctCount', 'sum', 'avg', 'min', 'max', 'stddev', 'sumsq'] as const;
export type AggrMethod = (typeof AGGR_METHODS)[number];

export interface TemporalView {
  format: TemporalFormat;
  sysAttrs: boolean;
  /** With aggregatedValues only. */
  aggregation?: { methods: AggrMethod[]; period: Duration | undefined };
}

/** Raw members, as URL parameters (strings) or a temporalQ object (lastN may be a number). */
export interface RawTemporalQuery {
  timerel?: unknown;
  timeAt?: unknown;
  endTimeAt?: unknown;
  timeproperty?: unknown;
  lastN?: unknown;
}

function instant(name: string, v: unknown): string {
  const ms = typeof v === 'string' ? instantMs(v) : NaN;
  if (Number.isNaN(ms)) throw badRequest(`${name} must be an ISO 8601 date-time, not ${JSON.stringify(v)}`);
  return new Date(ms).toISOString();
}

/** Clause 4.11: timerel with timeAt; between also with endTimeAt, after timeAt. */
export function parseTemporalQuery(raw: RawTemporalQuery): TemporalQuery {
  const out: TemporalQuery = { timeproperty: 'observedAt' };
  if (raw.timeproperty !== undefined) {
    if (typeof raw.timeproperty !== 'string' || !TIME_PROPERTIES.has(raw.timeproperty)) {
      throw badRequest(`timeproperty must be observedAt, createdAt or modifiedAt, not ${JSON.stringify(raw.timeproperty)}`);
    }
    out.timeproperty = raw.timeproperty as TimeProperty;
  }
  if (raw.timerel !== undefined) {
    if (typeof raw.timerel !== 'string' || !TIMERELS.has(raw.timerel)) {
      throw badRequest(`timerel must be before, after or between, not ${JSON.stringify(raw.timerel)}`);
    }
    out.timerel = raw.timerel as TemporalQuery['timerel'];
    if (raw.timeAt === undefined) throw badRequest('timerel needs timeAt');
    out.timeAt = instant('timeAt', raw.timeAt);
    if (out.timerel === 'between') {
      if (raw.endTimeAt === undefined) throw badRequest("timerel 'between' needs endTimeAt");
      out.endTimeAt = instant('endTimeAt', raw.endTimeAt);
      if (out.endTimeAt <= out.timeAt) throw badRequest('endTimeAt must be after timeAt');
    } else if (raw.endTimeAt !== undefined) {
      throw badRequest("endTimeAt is only allowed with timerel 'between'");
    }
  } else if (raw.timeAt !== undefined || raw.endTimeAt !== undefined) {
    throw badRequest('timeAt and endTimeAt need timerel');
  }
  if (raw.lastN !== undefined) {
    const n = typeof raw.lastN === 'number' ? raw.lastN : typeof raw.lastN === 'string' && /^\d+$/.test(raw.lastN) ? Number(raw.lastN) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw badRequest('lastN must be a positive integer');
    out.lastN = n;
  }
  return out;
}

const VIEW_FLAGS = new Set(['temporalValues', 'aggregatedValues', 'sysAttrs', 'normalized']);

/**
 * options (temporalValues | aggregatedValues | sysAttrs) or format, aggrMethods and
 * aggrPeriodDuration. aggrMethods is required with aggregatedValues and refused without.
 */
export function parseTemporalView(p: { options?: string; format?: string; aggrMethods?: string; aggrPeriodDuration?: string }): TemporalView {
  const formats = new Set<TemporalFormat>();
  let sysAttrs = false;
  const words = [...(p.options?.split(',') ?? []), ...(p.format === undefined ? [] : [p.format])].map((w) => w.trim());
  for (const w of words) {
    if (!VIEW_FLAGS.has(w)) throw badRequest(`Unknown or unsupported temporal option '${w}' (temporalValues, aggregatedValues, sysAttrs)`);
    if (w === 'sysAttrs') sysAttrs = true;
    else formats.add(w as TemporalFormat);
  }
  if (formats.size > 1) throw badRequest(`Conflicting representations requested: ${[...formats].join(', ')}`);
  const format: TemporalFormat = formats.size === 1 ? [...formats][0] : 'normalized';
  const view: TemporalView = { format, sysAttrs };
  if (format !== 'aggregatedValues') {
    if (p.aggrMethods !== undefined || p.aggrPeriodDuration !== undefined) {
      throw badRequest('aggrMethods and aggrPeriodDuration need options=aggregatedValues');
    }
    return view;
  }
  if (p.aggrMethods === undefined) throw badRequest('options=aggregatedValues needs aggrMethods');
  const methods: AggrMethod[] = [];
  for (const raw of p.aggrMethods.split(',')) {
    const m = raw.trim();
    if (!(AGGR_METHODS as readonly string[]).includes(m)) throw badRequest(`Unknown aggregation method '${m}' (${AGGR_METHODS.join(', ')})`);
    if (!methods.includes(m as AggrMethod)) methods.push(m as AggrMethod);
  }
  const period = p.aggrPeriodDuration === undefined ? undefined : parseDuration(p.aggrPeriodDuration);
  // Below a millisecond, adding the period to an epoch instant may not move it: the periods
  // would never advance. (Zero is valid: the whole range is one period.)
  if (period !== undefined && period.years === 0 && period.months === 0 && period.ms > 0 && period.ms < 1) {
    throw badRequest(`aggrPeriodDuration '${p.aggrPeriodDuration}' is shorter than a millisecond`);
  }
  view.aggregation = { methods, period };
  return view;
}

/**
 * The query as a view needs it: the simplified and aggregated views read no deletion
 * markers, and the aggregated one lets the store aggregate in place (TemporalQuery.aggregation).
 */
export function queryForView(q: TemporalQuery, view: TemporalView): TemporalQuery {
  if (view.format === 'normalized') return q;
  return view.aggregation === undefined ? { ...q, skipDeleted: true } : { ...q, skipDeleted: true, aggregation: view.aggregation };
}
