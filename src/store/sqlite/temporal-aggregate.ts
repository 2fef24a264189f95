/**
 * aggregatedValues in SQL (clause 4.5.19): one attribute's aggregates computed from the
 * `num` column (the value of a numeric Property instance, NULL for anything else) without
 * reading a single instance document. ngsi/temporal/aggregate is the reference; this answers
 * only when it can give exactly what that would, and says 'fallback' otherwise (the caller
 * then loads the instances, and render aggregates them in memory):
 *
 * - the query compares observedAt (the `ts` column) and has no lastN (TemporalAggregator.applies);
 * - every instance in range is a numeric Property: checked as it goes, count(*) against
 *   count(num) per period, deletion markers and other datasets included in the check.
 *
 * Periods are stepped through exactly as aggregateSeries steps them (periodEnd), each one an
 * aggregate over an index range of temporal_by_entity (entity, name_id, ts, seq, num,
 * dataset_id): the index covers every column read, so no table row is touched, and rows
 * come in (ts, seq) order, the order of the in-memory path, which SQLite's compensated
 * sum() needs to give the same bits. One query per period and no GROUP BY: SQLite sorts
 * the rows of a GROUP BY on a computed bucket (a temp B-tree, ~0.3 us per row), while a
 * range aggregate streams them. Empty periods are skipped by an index seek to the next
 * instance, so sparse histories cost a few seeks per non-empty period.
 *
 * The fast path assumes what is nearly always true: one default dataset, numbers only, no
 * deletion marker in range. A period that shows otherwise sends the attribute to the general
 * path: per-dataset groups with the markers filtered out (table lookups, slower but exact).
 *
 * Paging (clause 6.3.10, ngsi/temporal/paging pagePeriods): the aggregates cover the whole
 * requested range and the per-attribute maximum (q.instanceLimit) applies to periods, not
 * instances: each series stops one period past the maximum (enough for the page to see it
 * was cut), so a fine period over a long range costs no more than the page holds.
 */
import { instantMs } from '../../ngsi/query/temporal';
import { aggregationWindow, isWholeWindow, periodEnd, valueFromStats, type AggregationWindow, type PeriodStats } from '../../ngsi/temporal/aggregate';
import type { Duration } from '../../ngsi/temporal/duration';
import type { AggregatedAttribute, AggregatedSeries, TemporalQuery } from '../../ngsi/temporal/model';
import type { AggrMethod } from '../../ngsi/temporal/query';
import type { StatementCache } from './statement-cache';

export type Aggregated =
  | { kind: 'fallback' }
  | { kind: 'empty' }
  | { kind: 'done'; attr: AggregatedAttribute };

/** One end of a time range: ts > at / ts < at when strict, else >= / <=. */
interface Edge {
  at: number;
  strict: boolean;
}

interface Range {
  lo?: Edge;
  hi?: Edge;
}

function higherLo(a: Edge | undefined, b: Edge): Edge {
  if (a === undefined || b.at > a.at) return b;
  return b.at < a.at ? a : { at: a.at, strict: a.strict || b.strict };
}

function lowerHi(a: Edge | undefined, b: Edge): Edge {
  if (a === undefined || b.at < a.at) return b;
  if (b.at > a.at) return a;
  return { at: a.at, strict: a.strict || b.strict };
}

/** The query's time range (clause 4.11, as TemporalTable's timeCondition). */
function queryRange(q: TemporalQuery): Range {
  const r: Range = {};
  switch (q.timerel) {
    case 'before': r.hi = { at: instantMs(q.timeAt!), strict: true }; break;
    case 'after': r.lo = { at: instantMs(q.timeAt!), strict: true }; break;
    case 'between':
      r.lo = { at: instantMs(q.timeAt!), strict: false };
      r.hi = { at: instantMs(q.endTimeAt!), strict: true };
      break;
    case undefined: break;
  }
  return r;
}

/**
 * Which rows a statement reads: all of the attribute (fast path), or the live ones (no
 * deletion marker) of one dataset, or of all (dataset undefined).
 */
type Rows = { fast: true } | { fast: false; dataset: string | null | undefined };

interface Period {
  from: number;
  to: number;
  stats: PeriodStats;
}

const ISO = (ms: number): string => new Date(ms).toISOString();

/** A plain number of milliseconds: periods can be skipped by multiplication, exactly. */
function fixedMs(period: Duration | undefined): number | undefined {
  if (period === undefined || period.years !== 0 || period.months !== 0 || !Number.isInteger(period.ms) || period.ms <= 0) return undefined;
  return period.ms;
}

export class TemporalAggregator {
  constructor(private readonly statements: StatementCache) {}

  /** Whether SQL can aggregate for `q` at all; false: every attribute takes the instance path. */
  static applies(q: TemporalQuery): boolean {
    return q.aggregation !== undefined && q.timeproperty === 'observedAt' && q.lastN === undefined;
  }

  /**
   * One attribute of one history, over the whole range of `q`; each series has at most
   * q.instanceLimit + 1 periods (more than that: the page cuts it anyway).
   */
  aggregate(entity: number, nameId: number, q: TemporalQuery): Aggregated {
    const range = queryRange(q);
    const limit = q.instanceLimit;
    const fast = this.fastPath(entity, nameId, q, range, limit);
    return fast === 'general' ? this.generalPath(entity, nameId, q, range, limit) : fast;
  }

  private fastPath(entity: number, nameId: number, q: TemporalQuery, range: Range, limit: number | undefined): Aggregated | 'general' {
    const rows: Rows = { fast: true };
    const first = this.seek(entity, nameId, rows, range, 'ASC');
    if (first === undefined) return { kind: 'empty' };
    const last = this.seek(entity, nameId, rows, range, 'DESC')!;
    const run = this.periods(entity, nameId, q, rows, range, aggregationWindow(q, first, last), first, limit);
    if (run === 'invalid') return 'general';
    // Stopped early: the rows past the last period read were not checked. Past the page they
    // cannot show, but the series' type is its latest instance's (as aggregateSeries gives it).
    if (limit !== undefined && run.periods.length > limit && !this.endsNumeric(entity, nameId, range)) return 'general';
    const attr: AggregatedAttribute = { series: [this.seriesOf(q, run.periods, undefined)], first, last };
    return { kind: 'done', attr };
  }

  private generalPath(entity: number, nameId: number, q: TemporalQuery, range: Range, limit: number | undefined): Aggregated {
    const base = { e: entity, n: nameId };
    const params: Record<string, unknown> = { ...base };
    const where = rangeSql(range, params);
    const groups = this.statements
      .get(
        `SELECT dataset_id AS ds, count(*) AS n, count(num) AS nn, min(ts) AS first, max(ts) AS last FROM temporal
         WHERE entity = @e AND name_id = @n AND deleted_at IS NULL${where} GROUP BY dataset_id`,
      )
      .all(params) as Array<{ ds: string | null; n: number; nn: number; first: number; last: number }>;
    if (groups.length === 0) return { kind: 'empty' };
    if (groups.some((g) => g.nn < g.n)) return { kind: 'fallback' };
    const first = Math.min(...groups.map((g) => g.first));
    // The in-memory path lists datasets in the order of their first instance (ts, then seq).
    const firstSeq = this.statements.get(
      'SELECT min(seq) AS seq FROM temporal WHERE entity = @e AND name_id = @n AND ts = @t AND dataset_id IS @ds AND deleted_at IS NULL',
    );
    const ordered = groups
      .map((g) => ({ g, seq: (firstSeq.get({ ...base, t: g.first, ds: g.ds }) as { seq: number }).seq }))
      .sort((a, b) => a.g.first - b.g.first || a.seq - b.seq)
      .map((x) => x.g);
    const series: AggregatedSeries[] = [];
    for (const g of ordered) {
      const rows: Rows = { fast: false, dataset: g.ds };
      const run = this.periods(entity, nameId, q, rows, range, aggregationWindow(q, g.first, g.last), g.first, limit);
      if (run === 'invalid') return { kind: 'fallback' }; // the rows changed under us
      series.push(this.seriesOf(q, run.periods, g.ds ?? undefined));
    }
    return { kind: 'done', attr: { series, first, last: Math.max(...groups.map((g) => g.last)) } };
  }

  /**
   * The non-empty periods of one series, as aggregateSeries cuts them, starting at the
   * period holding `first` (the series' first instance). 'invalid': a period held something
   * the fast path cannot aggregate. With `limit`, stops once it has limit + 1 periods.
   */
  private periods(
    entity: number, nameId: number, q: TemporalQuery, rows: Rows, range: Range, window: AggregationWindow, first: number, limit: number | undefined,
  ): { periods: Period[] } | 'invalid' {
    const agg = q.aggregation!;
    const whole = isWholeWindow(agg.period);
    const step = fixedMs(agg.period);
    const out: Period[] = [];
    let from = window.start;
    let cursor = first;
    for (;;) {
      let to = periodEnd(from, window, agg.period);
      if (!whole) {
        // Skip the empty periods before the cursor, landing on the instants aggregateSeries reaches.
        if (step !== undefined && Number.isInteger(from)) {
          const k = Math.floor((cursor - from) / step);
          if (k > 0) {
            from += k * step;
            to = from + step;
          }
        }
        while (to <= cursor) {
          from = to;
          to = periodEnd(from, window, agg.period);
        }
      }
      const bucket: Range = whole ? range : { lo: higherLo(range.lo, { at: from, strict: false }), hi: lowerHi(range.hi, { at: to, strict: true }) };
      const stats = this.measure(entity, nameId, agg.methods, rows, bucket);
      if (stats === 'invalid') return 'invalid';
      if (stats.count > 0) out.push({ from, to, stats });
      if (whole || (limit !== undefined && out.length > limit)) break;
      const next = this.seek(entity, nameId, rows, { lo: higherLo(range.lo, { at: to, strict: false }), hi: range.hi }, 'ASC');
      if (next === undefined) break;
      from = to;
      cursor = next;
    }
    return { periods: out };
  }

  private seriesOf(q: TemporalQuery, periods: Period[], datasetId: string | undefined): AggregatedSeries {
    const values = {} as AggregatedSeries['values'];
    for (const m of q.aggregation!.methods) values[m] = periods.map((p) => [valueFromStats(p.stats, m), ISO(p.from), ISO(p.to)]);
    // Only numeric Property instances reach here (num is NULL for every other kind).
    const s: AggregatedSeries = { type: 'Property', values };
    if (datasetId !== undefined) s.datasetId = datasetId;
    return s;
  }

  /** One period's measures; 'invalid' when the fast path meets a row it cannot aggregate. */
  private measure(entity: number, nameId: number, methods: readonly AggrMethod[], rows: Rows, bucket: Range): PeriodStats | 'invalid' {
    const params: Record<string, unknown> = { e: entity, n: nameId };
    const where = rowsSql(rows, params) + rangeSql(bucket, params);
    const has = (m: AggrMethod): boolean => methods.includes(m);
    // count(CASE ...): rows of the default dataset holding a number; any other row shows as n > nx.
    let cols = rows.fast ? 'count(*) AS n, count(CASE WHEN dataset_id IS NULL THEN num END) AS nx' : 'count(*) AS n';
    if (has('sum') || has('avg') || has('stddev')) cols += ', sum(num) AS s';
    if (has('min')) cols += ', min(num) AS mn';
    if (has('max')) cols += ', max(num) AS mx';
    if (has('sumsq')) cols += ', sum(num * num) AS sq';
    if (has('distinctCount')) cols += ', count(DISTINCT num) AS dc';
    const r = this.statements.get(`SELECT ${cols} FROM temporal WHERE entity = @e AND name_id = @n${where}`).get(params) as {
      n: number; nx?: number; s?: number; mn?: number; mx?: number; sq?: number; dc?: number;
    };
    if (rows.fast && r.nx !== r.n) return 'invalid';
    const stats: PeriodStats = { count: r.n };
    if (r.n === 0) return stats;
    if (r.s !== undefined) stats.sum = r.s;
    if (r.mn !== undefined) stats.min = r.mn;
    if (r.mx !== undefined) stats.max = r.mx;
    if (r.sq !== undefined) stats.sumsq = r.sq;
    if (r.dc !== undefined) stats.distinct = r.dc;
    if (has('stddev') && r.n >= 2) {
      // The second pass of the two-pass variance, around the mean the first one gave.
      params.mean = r.s! / r.n;
      const d = this.statements.get(`SELECT sum((num - @mean) * (num - @mean)) AS d FROM temporal WHERE entity = @e AND name_id = @n${where}`).get(params) as { d: number };
      stats.sqdev = d.d;
    }
    return stats;
  }

  /** Whether the last row in range is a number of the default dataset (no marker, nothing else). */
  private endsNumeric(entity: number, nameId: number, range: Range): boolean {
    const params: Record<string, unknown> = { e: entity, n: nameId };
    const where = rangeSql(range, params);
    const row = this.statements
      .get(`SELECT num, dataset_id AS ds FROM temporal WHERE entity = @e AND name_id = @n${where} ORDER BY ts DESC, seq DESC LIMIT 1`)
      .get(params) as { num: number | null; ds: string | null } | undefined;
    return row !== undefined && row.num !== null && row.ds === null;
  }

  /** The time of the first (ASC) or last (DESC) row in range, in (ts, seq) order. */
  private seek(entity: number, nameId: number, rows: Rows, range: Range, dir: 'ASC' | 'DESC'): number | undefined {
    const params: Record<string, unknown> = { e: entity, n: nameId };
    const where = rowsSql(rows, params) + rangeSql(range, params);
    const row = this.statements
      .get(`SELECT ts FROM temporal WHERE entity = @e AND name_id = @n${where} ORDER BY ts ${dir}, seq ${dir} LIMIT 1`)
      .get(params) as { ts: number } | undefined;
    return row?.ts;
  }
}

function rowsSql(rows: Rows, params: Record<string, unknown>): string {
  if (rows.fast) return '';
  if (rows.dataset === undefined) return ' AND deleted_at IS NULL';
  params.ds = rows.dataset;
  return ' AND dataset_id IS @ds AND deleted_at IS NULL';
}

function rangeSql(r: Range, params: Record<string, unknown>): string {
  let sql = '';
  if (r.lo !== undefined) {
    sql += ` AND ts ${r.lo.strict ? '>' : '>='} @lo`;
    params.lo = r.lo.at;
  }
  if (r.hi !== undefined) {
    sql += ` AND ts ${r.hi.strict ? '<' : '<='} @hi`;
    params.hi = r.hi.at;
  }
  return sql;
}
