/**
 * Small validators for the members of a subscription payload (clause 5.2.12 - 5.2.15).
 * Each throws BadRequestData naming the member by its path ("notification.endpoint.uri"),
 * so a client sees which member to fix without reading the spec.
 */
import type { Iri } from '../entity';
import { NgsiError } from '../errors';
import type { CompiledContext } from '../jsonld/context';
import { NGSI_LD_NULL } from '../parse/null';
import { isValidName } from '../query/names';

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export function invalid(path: string, what: string): NgsiError {
  return new NgsiError('BadRequestData', `Invalid subscription: ${path} ${what}`);
}

export function unsupported(path: string, what: string): NgsiError {
  return new NgsiError('OperationNotSupported', `Subscription member ${path} is not supported: ${what}`);
}

/**
 * Clause 5.8.2: in an update fragment, JSON null (which does not survive JSON-LD expansion)
 * or the NGSI-LD Null "urn:ngsi-ld:null" asks to remove an optional member.
 */
export function isNull(v: unknown): boolean {
  return v === null || v === NGSI_LD_NULL;
}

/** A short name for a value in error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 60)}...` : v}'`;
  return typeof v === 'object' ? 'an object' : String(v);
}

export function expectString(path: string, v: unknown): string {
  if (typeof v !== 'string') throw invalid(path, `must be a string, not ${describe(v)}`);
  return v;
}

export function expectNonEmptyString(path: string, v: unknown): string {
  const s = expectString(path, v);
  if (s.trim() === '') throw invalid(path, 'must not be empty');
  return s;
}

export function expectBoolean(path: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalid(path, `must be true or false, not ${describe(v)}`);
  return v;
}

/** Clause 5.2.12: timeInterval and throttling are numbers strictly greater than 0. */
export function expectPositiveNumber(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(path, `must be a number greater than 0, not ${describe(v)}`);
  return v;
}

export function expectArray(path: string, v: unknown, nonEmpty: boolean): unknown[] {
  if (!Array.isArray(v)) throw invalid(path, `must be an array, not ${describe(v)}`);
  if (nonEmpty && v.length === 0) throw invalid(path, 'must not be an empty array');
  return v;
}

/**
 * A non-empty list of attribute names (watchedAttributes, notification.attributes), expanded
 * with the request's @context; duplicates dropped, order kept. `id` and `type` are entity
 * members, never attributes: naming them would silently watch or select nothing.
 */
export function expectAttributeNames(path: string, v: unknown, ctx: CompiledContext): Iri[] {
  const list = expectArray(path, v, true);
  const out = new Set<Iri>();
  list.forEach((name, i) => {
    if (typeof name !== 'string' || !isValidName(name)) throw invalid(`${path}[${i}]`, `is not an attribute name: ${describe(name)}`);
    if (name === 'id' || name === 'type') throw invalid(`${path}[${i}]`, `'${name}' is an entity member, not an attribute`);
    out.add(ctx.expandTerm(name));
  });
  return [...out];
}

/** Runs `fn`, prefixing the detail of a BadRequestData it throws with where it happened. */
export function within<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof NgsiError && err.problem === 'BadRequestData') throw new NgsiError('BadRequestData', `Invalid subscription: ${path}: ${err.detail}`, err.extra);
    throw err;
  }
}
