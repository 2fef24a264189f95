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
 */
import { instantMs } from '../query/temporal';
import type { Iri } from '../entity';
import type { TemporalEntity, TemporalInstance, TemporalQuery } from './model';

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

function cutEntity(e: TemporalEntity, keep: (t: number) => boolean): TemporalEntity {
  const attrs: Record<Iri, TemporalInstance[]> = {};
  for (const iri in e.attrs) {
    const kept = e.attrs[iri].filter((i) => keep(instantMs(i.time)));
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
 * The page to answer: `entities` unchanged and no range when no attribute was cut; else
 * every attribute cut to the common complete range, and that range.
 */
export function pageInstances(entities: TemporalEntity[], q: TemporalQuery): { entities: TemporalEntity[]; range?: InstanceRange } {
  const backwards = q.lastN !== undefined;
  let cut: number | undefined;
  for (const e of entities) {
    for (const iri in e.truncated ?? {}) {
      const t = instantMs(e.truncated![iri]);
      if (cut === undefined || (backwards ? t > cut : t < cut)) cut = t;
    }
  }
  if (cut === undefined) return { entities };
  const c = cut;
  let page = entities.map((e) => cutEntity(e, backwards ? (t) => t > c : (t) => t < c));
  let span = bounds(page);
  if (span === undefined) {
    page = entities.map((e) => cutEntity(e, backwards ? (t) => t >= c : (t) => t <= c));
    span = bounds(page);
  }
  const first = span?.first ?? c;
  const last = span?.last ?? c;
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
