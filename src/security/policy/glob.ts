/**
 * Tenant and id globs: `*` matches any run of characters (including none), everything else is
 * literal. Id globs may also hold `${sub}`, the token subject, inserted literally.
 *
 * Id globs become, per subject, a list of literal ids plus one anchored regular expression
 * (EntitySelector.ids and .idPattern), so the store can use its id index for the literal ones
 * and the same regex source serves the matcher, SQLite's REGEXP and MongoDB's $regex.
 */
import type { GlobPart, IdGlob, TenantMatcher } from './model';
import { SUBJECT_PLACEHOLDER } from './model';

/** Escapes a literal for a regular expression source, in JavaScript's and PCRE's dialects alike. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const TENANT_GLOB = /^[A-Za-z0-9_.\-*]*$/;

/** Why a tenant glob is invalid, or undefined. NGSILD-Tenant allows letters, digits, `_ . -`. */
export function tenantGlobProblem(pattern: string): string | undefined {
  if (!TENANT_GLOB.test(pattern)) return `invalid tenant pattern '${pattern}' (letters, digits, _ . - and * only; '' is the default tenant)`;
  return undefined;
}

export function compileTenants(patterns: readonly string[]): TenantMatcher {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  for (const p of patterns) {
    if (p.includes('*')) globs.push(new RegExp(`^${p.split('*').map(escapeRegex).join('.*')}$`));
    else exact.add(p);
  }
  return {
    patterns,
    test(tenant: string): boolean {
      if (exact.has(tenant)) return true;
      for (let i = 0; i < globs.length; i++) if (globs[i].test(tenant)) return true;
      return false;
    },
  };
}

/** Compiles an id glob, or returns why it is invalid. */
export function compileIdGlob(source: string): IdGlob | string {
  if (source.length === 0) return `empty id pattern`;
  if (/\s/.test(source)) return `id pattern '${source}' contains whitespace`;
  const parts: GlobPart[] = [];
  let literal = '';
  let usesSubject = false;
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < source.length; ) {
    if (source.startsWith(SUBJECT_PLACEHOLDER, i)) {
      flush();
      parts.push({ kind: 'subject' });
      usesSubject = true;
      i += SUBJECT_PLACEHOLDER.length;
    } else if (source.startsWith('${', i)) {
      const end = source.indexOf('}', i);
      const name = end < 0 ? source.slice(i) : source.slice(i, end + 1);
      return `unknown placeholder '${name}' in id pattern '${source}' (only ${SUBJECT_PLACEHOLDER})`;
    } else if (source[i] === '*') {
      flush();
      if (parts[parts.length - 1]?.kind !== 'any') parts.push({ kind: 'any' });
      i += 1;
    } else {
      literal += source[i];
      i += 1;
    }
  }
  flush();
  return { source, parts, usesSubject };
}

/** Id globs bound to one subject. */
export interface BoundIds {
  /** Globs without `*`: exact ids. */
  readonly literals: readonly string[];
  /** The other globs as one anchored regex source, or undefined when there are none. */
  readonly pattern: string | undefined;
  test(id: string): boolean;
}

const EMPTY_SET: ReadonlySet<string> = new Set();

function bind(globs: readonly IdGlob[], subject: string): BoundIds {
  const literals: string[] = [];
  const sources: string[] = [];
  for (const glob of globs) {
    // An empty subject must not turn `urn:dev:${sub}*` into `urn:dev:*`: such globs match nothing.
    if (glob.usesSubject && subject === '') continue;
    if (!glob.parts.some((p) => p.kind === 'any')) {
      literals.push(glob.parts.map((p) => (p.kind === 'literal' ? p.text : subject)).join(''));
      continue;
    }
    sources.push(glob.parts.map((p) => (p.kind === 'literal' ? escapeRegex(p.text) : p.kind === 'subject' ? escapeRegex(subject) : '.*')).join(''));
  }
  const exact = literals.length === 0 ? EMPTY_SET : new Set(literals);
  const pattern = sources.length === 0 ? undefined : sources.length === 1 ? `^${sources[0]}$` : `^(?:${sources.join('|')})$`;
  const re = pattern === undefined ? undefined : new RegExp(pattern);
  return {
    literals: [...exact],
    pattern,
    test: re === undefined ? (id) => exact.has(id) : (id) => exact.has(id) || re.test(id),
  };
}

/** Subject-free glob lists are bound once and reused (STYLE.md 12). */
const staticBindings = new WeakMap<readonly IdGlob[], BoundIds>();

/** The globs with `${sub}` replaced by `subject`. */
export function bindIds(globs: readonly IdGlob[], subject: string): BoundIds {
  if (globs.some((g) => g.usesSubject)) return bind(globs, subject);
  let bound = staticBindings.get(globs);
  if (bound === undefined) {
    bound = bind(globs, '');
    staticBindings.set(globs, bound);
  }
  return bound;
}
