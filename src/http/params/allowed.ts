/**
 * Routes declare their URL parameters (STYLE.md 6): an unknown one answers 400
 * BadRequestData, a known one that Weft does not implement yet answers 422
 * OperationNotSupported. Nothing is silently ignored.
 */
import { NgsiError } from '../../ngsi/errors';

/** Parameters of NGSI-LD that Weft knows but has not built (issue notes list them). */
const NOT_BUILT = new Set(['csf', 'expandValues', 'entityMap', 'containedBy', 'doNotCompact', 'collation', 'orderBy', 'via', 'splitEntities']);

export type Query = Record<string, unknown>;

export function checkParams(query: Query, allowed: ReadonlySet<string>): void {
  for (const name in query) {
    if (allowed.has(name)) {
      if (typeof query[name] !== 'string') {
        throw new NgsiError('BadRequestData', `URL parameter '${name}' is given more than once`);
      }
      continue;
    }
    if (NOT_BUILT.has(name)) throw new NgsiError('OperationNotSupported', `URL parameter '${name}' is not supported yet`);
    throw new NgsiError('BadRequestData', `Unknown URL parameter '${name}'`);
  }
}

export function str(query: Query, name: string): string | undefined {
  const v = query[name];
  return typeof v === 'string' ? v : undefined;
}
