/**
 * Dates, date-times and times as the query languages compare them (clause 4.6.3 formats,
 * clause 4.9: "When comparing dates or times, the order relation considered shall be a
 * temporal one"). Date-times and dates become epoch milliseconds; times become
 * milliseconds since midnight UTC. Everything here is allocation-light because the
 * matcher calls it once per candidate value.
 */

/** ISO 8601 date-time: seconds and fraction optional; zone `Z`, `±hh:mm` or `±hhmm`, optional. */
export const DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
export const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
export const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/;
/** Just the zone suffix of a date-time, to tell whether one is present. */
const ZONE_SUFFIX_RE = /(?:Z|[+-]\d{2}:?\d{2})$/;

const DAY_MS = 86_400_000;

/** Epoch milliseconds of a date (`2020-01-01`, UTC midnight) or date-time; NaN for anything else. */
export function instantMs(text: string): number {
  if (DATE_RE.test(text)) return Date.parse(text);
  if (!DATE_TIME_RE.test(text)) return NaN;
  // A date-time without zone is read as UTC: Date.parse would use the server's local zone,
  // making results depend on where Weft runs.
  return ZONE_SUFFIX_RE.test(text) ? Date.parse(text) : Date.parse(`${text}Z`);
}

/** Milliseconds since midnight UTC of a time (`12:30:00Z`, `12:30`, `12:30:00.5+01:00`); NaN otherwise. */
export function timeOfDayMs(text: string): number {
  const m = TIME_RE.exec(text);
  if (m === null) return NaN;
  const hours = Number(m[1]);
  const minutes = Number(m[2]);
  const seconds = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59 || seconds > 59) return NaN;
  const millis = m[4] === undefined ? 0 : Math.floor(Number(`0.${m[4]}`) * 1000);
  let offsetMin = 0;
  const zone = m[5];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  const ms = ((hours * 60 + minutes - offsetMin) * 60 + seconds) * 1000 + millis;
  return ((ms % DAY_MS) + DAY_MS) % DAY_MS;
}

/**
 * A target value's instant: a date/date-time string, or the JSON-LD typed form NGSI-LD uses
 * for temporal Property values (`{"@type": "DateTime", "@value": "..."}`, also Date). NaN otherwise.
 */
export function instantOfValue(value: unknown): number {
  if (typeof value === 'string') return instantMs(value);
  const typed = typedLiteral(value);
  return typed === undefined ? NaN : instantMs(typed);
}

/** A target value's time of day: a time string or `{"@type": "Time", "@value": "..."}`. NaN otherwise. */
export function timeOfValue(value: unknown): number {
  if (typeof value === 'string') return timeOfDayMs(value);
  const typed = typedLiteral(value);
  return typed === undefined ? NaN : timeOfDayMs(typed);
}

function typedLiteral(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const literal = (value as Record<string, unknown>)['@value'];
  return typeof literal === 'string' ? literal : undefined;
}
