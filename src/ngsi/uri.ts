/**
 * URI checks for entity ids, Relationship objects, datasetIds (clause 4.5.1: "shall be a URI").
 * RFC 3986 section 3: scheme ":" hier-part. We check the scheme syntax and that the rest is
 * non-empty and free of characters no URI (or IRI, RFC 3987) may contain: whitespace,
 * control characters, and the excluded delimiters < > " { } | \ ^ `. Non-ASCII letters stay
 * allowed because JSON-LD works with IRIs (Orion-LD accepts them too).
 */

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\s\u0000-\u001f\u007f-\u009f<>"{}|\\^`]/u;

export function isUri(s: string): boolean {
  if (typeof s !== 'string') return false;
  const m = SCHEME.exec(s);
  if (m === null) return false;
  if (s.length === m[0].length) return false; // "urn:" alone names nothing
  return !FORBIDDEN.test(s);
}
