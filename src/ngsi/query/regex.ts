/**
 * Turns a user-supplied regular expression (q `~=` / `!~=`, idPattern) into a RegExp.
 *
 * Clause 4.9 asks for POSIX (IEEE 1003.2) regular expressions; JavaScript's dialect covers
 * the common subset. The one construct clients use a lot that JavaScript lacks is the
 * leading `(?i)` case-insensitivity flag (PCRE/Java, accepted by Orion-LD and Stellio), so a
 * leading `(?i)` becomes the `i` flag. Store adapters that translate patterns should apply
 * the same rule (see `splitRegexFlags`).
 */

export interface RegexParts {
  source: string;
  caseInsensitive: boolean;
}

const CASE_INSENSITIVE_PREFIX = '(?i)';

export function splitRegexFlags(pattern: string): RegexParts {
  if (pattern.startsWith(CASE_INSENSITIVE_PREFIX)) {
    return { source: pattern.slice(CASE_INSENSITIVE_PREFIX.length), caseInsensitive: true };
  }
  return { source: pattern, caseInsensitive: false };
}

/**
 * Compiles a user pattern; throws the engine's SyntaxError when the pattern is invalid, so
 * each caller can word the error for its own parameter. Never uses the `g` or `y` flag:
 * a stateful lastIndex would make `test` answer differently on consecutive entities.
 */
export function compileUserRegex(pattern: string): RegExp {
  const { source, caseInsensitive } = splitRegexFlags(pattern);
  return new RegExp(source, caseInsensitive ? 'i' : '');
}
