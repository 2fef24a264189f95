/**
 * ISO 8601 date-time check for observedAt (clause 4.6.3 / 4.8: "DateTime, ISO 8601").
 * We accept the extended calendar form YYYY-MM-DDThh:mm[:ss[.fff]][Z|±hh[:]mm], the forms
 * Orion-LD accepts, and check the fields are in range (Date.parse alone accepts 2024-02-30).
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(Z|[+-](\d{2}):?(\d{2}))?$/;

export function isDateTime(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const m = DATE_TIME.exec(s);
  if (m === null) return false;
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}
