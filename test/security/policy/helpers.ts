/** Shared fixtures for the policy tests: a policy from YAML text, entities, a seeded generator. */
import { parse as parseYaml } from 'yaml';
import type { Attribute, Entity } from '../../../src/ngsi/entity';
import type { Policy } from '../../../src/security/policy/model';
import { parsePolicy, type TermExpander } from '../../../src/security/policy/parse';
import { EX, expand } from '../../ngsi/query/helpers';
import { mulberry32 } from '../../helpers/rng';

export { EX, expand };

/** Terms expand under https://example.org/ (`ex:` prefix too), like the query tests. */
export const EXPANDER: TermExpander = { expandTerm: expand };

/** Expanded IRI of a test term. */
export const iri = (term: string): string => EX + term;

/** A compiled policy from YAML text, expanded with EXPANDER. */
export function policy(yaml: string): Policy {
  return parsePolicy(parseYaml(yaml), EXPANDER);
}

export const prop = (value: unknown): Attribute => ({ type: 'Property', value });

/** An expanded entity: `types` and attribute names are terms under example.org. */
export function entity(id: string, types: string[], attrs: Record<string, unknown> = {}): Entity {
  const expanded: Record<string, Attribute[]> = {};
  for (const [name, value] of Object.entries(attrs)) expanded[iri(name)] = [prop(value)];
  return { id, type: types.map(iri), createdAt: '2024-01-01T00:00:00Z', modifiedAt: '2024-01-01T00:00:00Z', attrs: expanded };
}

/** mulberry32: a small seeded generator, so a failing property case can be replayed. */
export function rng(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const chance = (p: number): boolean => next() < p;
  /** A random subset (each item with probability p), in the original order. */
  const subset = <T>(items: readonly T[], p = 0.5): T[] => items.filter(() => chance(p));
  return { next, int, pick, chance, subset };
}
export type Rng = ReturnType<typeof rng>;
