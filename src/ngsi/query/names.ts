/**
 * Lexical rules shared by the query-language parsers: what a name (attribute, entity type)
 * may look like before it is expanded against the @context.
 */

/**
 * A short name (clause 4.6.2: `unicodeLetter *(unicodeLetter / unicodeNumber / "_")`),
 * optionally prefixed (`prefix:name`, a compact IRI). The prefix may also hold '-', which
 * clause 4.6.2 does not list but the core @context's own `ngsi-ld:` prefix needs.
 */
export const TERM_RE = /^(?:\p{L}[\p{L}\p{N}_-]*:)?\p{L}[\p{L}\p{N}_]*$/u;

/** An absolute URI (RFC 3986 scheme followed by ':' and at least one more character). */
export const ABSOLUTE_URI_RE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** A name as a user may write it in attrs, pick, omit and type: a term, a compact IRI or an absolute URI. */
export function isValidName(text: string): boolean {
  return TERM_RE.test(text) || ABSOLUTE_URI_RE.test(text);
}
