/** Shared fixtures for the query tests: a stand-in for CompiledContext.expandTerm and entity builders. */
import assert from 'node:assert/strict';
import type { Attribute, Entity } from '../../../src/ngsi/entity';
import { LOCATION_IRI } from '../../../src/ngsi/entity';
import { NgsiError, type ProblemTypeName } from '../../../src/ngsi/errors';

export const EX = 'https://example.org/';

/** Like a context with `ex:` as prefix and example.org as @vocab; `location` is the core term. */
export function expand(term: string): string {
  if (term === 'location') return LOCATION_IRI;
  if (term.startsWith('ex:')) return EX + term.slice(3);
  if (/^[a-z][a-z0-9+.-]*:/i.test(term)) return term;
  return EX + term;
}

/** Expanded IRI of a test term. */
export const iri = (term: string): string => EX + term;

export function entity(attrs: Record<string, Attribute | Attribute[]>, extra: Partial<Entity> = {}): Entity {
  const expanded: Record<string, Attribute[]> = {};
  for (const [name, a] of Object.entries(attrs)) expanded[name === 'location' ? LOCATION_IRI : iri(name)] = Array.isArray(a) ? a : [a];
  return {
    id: 'urn:ngsi-ld:Thing:1',
    type: [iri('Thing')],
    createdAt: '2024-01-01T00:00:00Z',
    modifiedAt: '2024-01-02T00:00:00Z',
    attrs: expanded,
    ...extra,
  };
}

export const prop = (value: unknown, more: Partial<Attribute> = {}): Attribute => ({ type: 'Property', value, ...more });
export const rel = (object: string | string[], more: Partial<Attribute> = {}): Attribute => ({ type: 'Relationship', object, ...more });

/** Asserts that `fn` throws an NgsiError of this problem type whose detail matches `detail`. */
export function assertNgsiError(fn: () => unknown, problem: ProblemTypeName, detail: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof NgsiError, `expected NgsiError, got ${String(err)}`);
    assert.equal(err.problem, problem);
    assert.match(err.detail, detail);
    return true;
  });
}
