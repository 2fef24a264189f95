/**
 * JavaScript functions made available to SQL, so that idPattern, `~=` and scope patterns are
 * decided in SQL by the very code the matcher uses (same `(?i)` handling, same scope
 * walking): the query stays exact, hence paged and counted in SQL.
 *  - `x REGEXP p` calls regexp(p, x) (ngsi/query/regex compileUserRegex);
 *  - scope_match(segmentsJson, scope) is ngsi/query/scopeQuery scopePatternMatches.
 */
import type Database from 'better-sqlite3';
import { compileUserRegex } from '../../ngsi/query/regex';
import { scopePatternMatches } from '../../ngsi/query/scopeQuery';

const MAX_CACHED_PATTERNS = 256;

export function registerSqlFunctions(db: Database.Database): void {
  const compiled = new Map<string, RegExp>();
  db.function('regexp', { deterministic: true, varargs: false }, (pattern: unknown, value: unknown) => {
    if (typeof pattern !== 'string' || typeof value !== 'string') return 0;
    let re = compiled.get(pattern);
    if (re === undefined) {
      if (compiled.size >= MAX_CACHED_PATTERNS) compiled.clear();
      re = compileUserRegex(pattern);
      compiled.set(pattern, re);
    }
    return re.test(value) ? 1 : 0;
  });
  const parsedSegments = new Map<string, string[]>();
  db.function('scope_match', { deterministic: true, varargs: false }, (segmentsJson: unknown, scope: unknown) => {
    if (typeof segmentsJson !== 'string' || typeof scope !== 'string') return 0;
    let segments = parsedSegments.get(segmentsJson);
    if (segments === undefined) {
      if (parsedSegments.size >= MAX_CACHED_PATTERNS) parsedSegments.clear();
      segments = JSON.parse(segmentsJson) as string[];
      parsedSegments.set(segmentsJson, segments);
    }
    return scopePatternMatches(segments, scope) ? 1 : 0;
  });
}
