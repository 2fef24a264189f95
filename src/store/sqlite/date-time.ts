/**
 * Which attribute values count as instants. A q term with a date-time value compares
 * instants, so a string value that is an ISO 8601 date or date-time (or the JSON-LD typed
 * form `{"@type": "DateTime", "@value": ...}`) is also indexed as epoch milliseconds
 * (index-rows.ts). Delegates to the matcher's own reading (ngsi/query/temporal) so both agree.
 */
import { instantOfValue } from '../../ngsi/query/temporal';

export function epochOfDateTime(value: unknown): number | undefined {
  const ms = instantOfValue(value);
  return Number.isNaN(ms) ? undefined : ms;
}
