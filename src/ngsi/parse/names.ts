/**
 * Name rules for attribute names and entity types (clause 4.6.2 / 4.6.3) and scopes
 * (clause 4.18). The spec only requires names to be JSON-LD terms or IRIs; the characters
 * rejected here are those that would make the name unusable in a URL path, the q language
 * or the attrs/pick/omit lists. Orion-LD rejects = [ ] & ? " ' and whitespace (pcheckName.cpp);
 * we add control characters, < > { } | \ ^ ` (never valid in an IRI), ; ( ) (q operators)
 * and , (the attrs list separator).
 */
import { badRequest } from '../errors';

// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_NAME = /[\s\u0000-\u001f\u007f=[\]&?"'<>{}|\\^`;(),]/u;

/** Throws BadRequestData unless `term` (as written by the client) is a usable attribute name. */
export function validateAttributeName(term: string): void {
  if (typeof term !== 'string' || term.length === 0) throw badRequest('Invalid attribute name: empty name');
  const bad = FORBIDDEN_IN_NAME.exec(term);
  if (bad !== null) {
    throw badRequest(`Invalid attribute name '${term}': character ${JSON.stringify(bad[0])} is not allowed`);
  }
  if (term.startsWith('@')) throw badRequest(`Invalid attribute name '${term}': JSON-LD keywords are not attributes`);
}

/** Same character rules for an entity type name (clause 4.6.3). */
export function validateTypeName(term: string): void {
  if (typeof term !== 'string' || term.length === 0) throw badRequest('Invalid entity type: empty name');
  const bad = FORBIDDEN_IN_NAME.exec(term);
  if (bad !== null) throw badRequest(`Invalid entity type '${term}': character ${JSON.stringify(bad[0])} is not allowed`);
}

// clause 4.18: a scope is a path of one or more levels "/a/b/c". '#' and '+' are the scopeQ
// wildcards, so a stored scope must not contain them or it could not be matched literally.
const SCOPE = /^(\/[^\s/#+]+)+$/u;

export function parseScope(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw badRequest('Invalid scope: empty array');
  const out: string[] = [];
  for (const s of list) {
    if (typeof s !== 'string' || !SCOPE.test(s)) {
      throw badRequest(`Invalid scope ${JSON.stringify(s)}: expected a path such as '/Madrid/Gardens' (clause 4.18)`);
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
