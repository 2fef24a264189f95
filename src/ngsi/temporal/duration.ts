/**
 * ISO 8601 durations as `aggrPeriodDuration` uses them (clause 4.5.19, 6.3.x): PnYnMnWnDTnHnMnS.
 * Years and months are calendar steps (UTC), the rest fixed lengths, so P1M after
 * 2024-01-31 is 2024-03-02 (Date's own month arithmetic), and P1D is always 24 hours.
 */
import { badRequest } from '../errors';

export interface Duration {
  years: number;
  months: number;
  /** Weeks, days, hours, minutes and seconds together, in milliseconds. */
  ms: number;
}

const DURATION_RE = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

export function parseDuration(text: string): Duration {
  const m = DURATION_RE.exec(text);
  if (m === null || text === 'P' || text.endsWith('T')) throw badRequest(`'${text}' is not an ISO 8601 duration (e.g. PT1H, P1D)`);
  const n = (i: number): number => (m[i] === undefined ? 0 : Number(m[i].replace(',', '.')));
  return {
    years: n(1),
    months: n(2),
    ms: (((n(3) * 7 + n(4)) * 24 + n(5)) * 60 + n(6)) * 60_000 + n(7) * 1000,
  };
}

export function isZero(d: Duration): boolean {
  return d.years === 0 && d.months === 0 && d.ms === 0;
}

/** Epoch ms of `from` + d. */
export function addDuration(from: number, d: Duration): number {
  let t = from;
  if (d.years !== 0 || d.months !== 0) {
    const date = new Date(t);
    date.setUTCMonth(date.getUTCMonth() + d.years * 12 + d.months);
    t = date.getTime();
  }
  return t + d.ms;
}
