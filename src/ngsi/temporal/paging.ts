/**
 * Pagination of temporal evolution (GS CIM 009 v1.8.1 clause 6.3.10, used by 6.18.3.1,
 * 6.19.3.1 and 6.24.3.1): the server returns at most `instanceLimit` instances per attribute.
 * When an attribute had more in the requested range, the answer is 206 Partial Content with
 *
 *   Content-Range: date-time <range-start>-<range-end>/<size>
 *
 * and every attribute is cut to the time range that all of them cover completely, so the
 * client continues with timerel=after&timeAt=<range-end> (forwards, oldest first) or, with
 * lastN, timerel=before&timeAt=<range-end> (backwards, newest first). As in Stellio,
 * range-start is the requested bound (timeAt for after/between going forwards, endTimeAt or
 * the before-timeAt going backwards) or else the first instance in the range, and size is
 * lastN when given, '*' otherwise (the total is not counted).
 *
 * Unlike Stellio (which includes everything up to the last instance kept), the range ends
 * strictly before the first instance left out, so instances sharing that instant are never
 * split between two pages; only when that would leave the page empty (more than
 * instanceLimit instances at one instant) is the instant itself included.
 *
 * The aggregated representation pages periods instead of instances (pagePeriods below).
 */
import { instantMs } from '../query/temporal';
import type { Iri } from '../entity';
import type { AggregatedAttribute, AggregatedSeries, TemporalEntity, TemporalInstance, TemporalQuery } from './model';
import type { AggrMethod } from './query';

/** Default of the server's per-attribute maximum (Stellio's default too). */
export const DEFAULT_MAX_INSTANCES = 10_000;

export interface InstanceRange {
  /** Date.toISOString instants. Backwards (lastN), start is the most recent. */
  start: string;
  end: string;
  size: number | '*';
}

export function contentRange(r: InstanceRange): string {
  return `date-time ${r.start}-${r.end}/${r.size}`;
}

/**
 * Where a page ends: the first instance one of its attributes had to leave out (the
 * earliest such going forwards, the latest going backwards), itself included only when
 * nothing would be left otherwise.
 */
export interface PageBound {
  /** Epoch ms. */
  at: number;
  inclusive: boolean;
  /** lastN: the page runs from the newest instance backwards. */
  backwards: boolean;
}

/** Whether an instance at `t` (epoch ms) belongs to the page. */
export function inPage(t: number, b: PageBound): boolean {
  if (b.backwards) return b.inclusive ? t >= b.at : t > b.at;
  return b.inclusive ? t <= b.at : t < b.at;
}

/** The bound of the page over `entities` (undefined: nothing was cut). */
export function pageBound(entities: readonly TemporalEntity[], q: TemporalQuery): PageBound | undefined {
  const backwards = q.lastN !== undefined;
  let cut: number | undefined;
  for (const e of entities) {
    for (const iri in e.truncated ?? {}) {
      const t = instantMs(e.truncated![iri]);
      if (cut === undefined || (backwards ? t > cut : t < cut)) cut = t;
    }
  }
  if (cut === undefined) return undefined;
  const strict: PageBound = { at: cut, inclusive: false, backwards };
  for (const e of entities) {
    for (const iri in e.attrs) for (const i of e.attrs[iri]) if (inPage(instantMs(i.time), strict)) return strict;
  }
  return { at: cut, inclusive: true, backwards };
}

function cutEntity(e: TemporalEntity, b: PageBound): TemporalEntity {
  const attrs: Record<Iri, TemporalInstance[]> = {};
  for (const iri in e.attrs) {
    const kept = e.attrs[iri].filter((i) => inPage(instantMs(i.time), b));
    if (kept.length > 0) attrs[iri] = kept;
  }
  const out: TemporalEntity = { id: e.id, type: e.type, attrs };
  if (e.scope !== undefined) out.scope = e.scope;
  return out;
}

/** Earliest and latest instant of a page (a loop: a page may hold many thousands). */
function bounds(page: TemporalEntity[]): { first: number; last: number } | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const e of page) {
    for (const iri in e.attrs) {
      for (const i of e.attrs[iri]) {
        const t = instantMs(i.time);
        if (t < first) first = t;
        if (t > last) last = t;
      }
    }
  }
  return first === Infinity ? undefined : { first, last };
}

/**
 * The page to answer (normalized and temporalValues): `entities` unchanged and no range when
 * no attribute was cut; else every attribute cut to the common complete range, and that range.
 */
export function pageInstances(entities: TemporalEntity[], q: TemporalQuery): { entities: TemporalEntity[]; range?: InstanceRange } {
  const bound = pageBound(entities, q);
  if (bound === undefined) return { entities };
  const backwards = bound.backwards;
  const page = entities.map((e) => cutEntity(e, bound));
  const span = bounds(page);
  const first = span?.first ?? bound.at;
  const last = span?.last ?? bound.at;
  const iso = (ms: number): string => new Date(ms).toISOString();
  let start: string;
  let end: string;
  if (!backwards) {
    start = q.timerel === 'after' || q.timerel === 'between' ? q.timeAt! : iso(first);
    end = iso(last);
  } else {
    start = q.timerel === 'between' ? q.endTimeAt! : q.timerel === 'before' ? q.timeAt! : iso(last);
    end = iso(first);
  }
  return { entities: page, range: { start, end, size: q.lastN ?? '*' } };
}

/**
 * Paging of the aggregated representation (clause 4.5.19): the client receives periods, not
 * instances, so the maximum applies to the periods of each series (one datasetId of an
 * attribute), aggregated over the whole requested range (as Stellio does). When a series has
 * more than q.instanceLimit periods, the page ends with its last period kept (forwards: the
 * end of its instanceLimit-th period; with lastN, backwards: the start of its
 * instanceLimit-th period from the end), the earliest such end (latest such start) over all
 * series, and every series keeps only the periods lying entirely within the page. The range
 * runs from the start of the first period returned to the end of the last (backwards: from
 * the end of the most recent to the start of the oldest); size is '*'.
 */
export function pagePeriods(entities: TemporalEntity[], q: TemporalQuery): { entities: TemporalEntity[]; range?: InstanceRange } {
  const limit = q.instanceLimit;
  if (limit === undefined) return { entities };
  const backwards = q.lastN !== undefined;
  let bound: number | undefined;
  for (const e of entities) {
    for (const iri in e.aggregated ?? {}) {
      for (const s of e.aggregated![iri].series) {
        const periods = periodsOf(s.values);
        if (periods.length <= limit) continue;
        const t = backwards ? instantMs(periods[periods.length - limit][1]) : instantMs(periods[limit - 1][2]);
        if (bound === undefined || (backwards ? t > bound : t < bound)) bound = t;
      }
    }
  }
  if (bound === undefined) return { entities };
  const b = bound;
  const keep = (p: [number | null, string, string]): boolean => (backwards ? instantMs(p[1]) >= b : instantMs(p[2]) <= b);
  let first = Infinity;
  let last = -Infinity;
  const page = entities.map((e) => {
    if (e.aggregated === undefined) return e;
    const aggregated: Record<Iri, AggregatedAttribute> = {};
    for (const iri in e.aggregated) {
      const a = e.aggregated[iri];
      const series: AggregatedSeries[] = [];
      for (const s of a.series) {
        const values = {} as AggregatedSeries['values'];
        for (const m in s.values) values[m as AggrMethod] = s.values[m as AggrMethod].filter(keep);
        const kept = periodsOf(values);
        if (kept.length === 0) continue;
        first = Math.min(first, instantMs(kept[0][1]));
        last = Math.max(last, instantMs(kept[kept.length - 1][2]));
        series.push({ ...s, values });
      }
      if (series.length > 0) aggregated[iri] = { ...a, series };
    }
    return { ...e, aggregated };
  });
  if (first === Infinity) first = last = b;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const range = backwards ? { start: iso(last), end: iso(first), size: '*' as const } : { start: iso(first), end: iso(last), size: '*' as const };
  return { entities: page, range };
}

/** The periods of a series (every method has the same ones). */
function periodsOf(values: AggregatedSeries['values']): Array<[number | null, string, string]> {
  for (const m in values) return values[m as AggrMethod];
  return [];
}
