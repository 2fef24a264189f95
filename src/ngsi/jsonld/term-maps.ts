/**
 * The fast path: term <-> IRI look-ups over an active context that jsonld.js processed once.
 * The rules below mirror jsonld.js 9 (lib/context.js `_expandIri` with {vocab: true}, and
 * lib/compact.js `compactIri` for a value-less position, i.e. how it compacts @type values);
 * test/ngsi/jsonld/corpus.test.ts checks them against jsonld.js itself.
 *
 * One deliberate deviation, as Orion-LD does (its alias look-up ignores coercion): when the
 * only terms for an IRI carry a coercion jsonld.js would not pick for a node value (e.g.
 * `{"@type": "@vocab"}`, `{"@type": "DateTime"}`, `{"@container": "@list"}`), compactIri
 * still returns such a term rather than a compact IRI or the full IRI, so an attribute a
 * client named `category` comes back as `category`.
 */
import type { Iri } from '../entity';
import { Lru } from './lru';

/** The parts of a jsonld.js term definition (lib/context.js createTermDefinition) read here. */
export interface ProcessedTermDefinition {
  '@id'?: string | string[] | null;
  '@type'?: string;
  '@container'?: string[];
  '@language'?: string | null;
  '@direction'?: string | null;
  reverse?: boolean;
  _prefix?: boolean;
  _termHasColon?: boolean;
}

/** The parts of a jsonld.js active context read here. */
export interface ProcessedContext {
  mappings: Map<string, ProcessedTermDefinition | null>;
  '@vocab'?: string | null;
}

/** jsonld.js lib/url.js isAbsoluteRegex. */
const ABSOLUTE_IRI = /^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$/;
/** How many look-ups of terms/IRIs absent from the context are remembered per context. */
const MISS_CACHE_SIZE = 4096;

/** Shortest first, then lexicographically least (jsonld.js _compareShortestLeast). */
export function compareShortestLeast(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Candidate {
  term: string;
  rank: number;
}

/**
 * Rank of a term for compacting an IRI in a value-less position. jsonld.js walks containers
 * ['@set', '@none'] and, within each, type preferences ['@id', '@none'] (compact.js
 * _selectTerm with value null); anything else it would not pick gets a rank after those.
 */
function compactionRank(def: ProcessedTermDefinition): number {
  const containers = def['@container'] ?? [];
  const containerKey = [...containers].sort().join('');
  const containerRank = containerKey === '@set' ? 0 : containerKey === '' ? 1 : -1;
  let typeRank = -1;
  const type = def['@type'];
  if (type === '@id') typeRank = 0;
  else if (type === '@none') typeRank = 1;
  else if (type === undefined && !('@language' in def) && !('@direction' in def)) typeRank = 1;
  if (containerRank < 0 || typeRank < 0) return 4;
  return containerRank * 2 + typeRank;
}

export class TermMaps {
  private readonly terms: Map<string, string | null>;
  private readonly prefixes: Array<{ term: string; iri: string }>;
  private readonly prefixTerms: Set<string>;
  private readonly vocab: string | undefined;
  /** IRI -> the term chosen for it, computed once from all definitions. */
  private readonly bestTerm: Map<Iri, string>;
  private readonly expandMisses = new Lru<string, Iri>(MISS_CACHE_SIZE);
  private readonly compactMisses = new Lru<Iri, string>(MISS_CACHE_SIZE);

  constructor(ctx: ProcessedContext) {
    this.vocab = typeof ctx['@vocab'] === 'string' ? ctx['@vocab'] : undefined;
    this.terms = new Map();
    this.prefixes = [];
    const candidates = new Map<Iri, Candidate>();

    for (const [term, def] of ctx.mappings) {
      if (def === null || def['@id'] === null || def['@id'] === undefined) {
        this.terms.set(term, null);
        continue;
      }
      // jsonld.js allows an array @id only in odd corners; expansion yields the first IRI.
      const ids = Array.isArray(def['@id']) ? def['@id'] : [def['@id']];
      this.terms.set(term, ids[0]);
      if (def._prefix === true && !ids[0].startsWith('@')) this.prefixes.push({ term, iri: ids[0] });
      if (def.reverse === true) continue; // only ever chosen for @reverse values
      const rank = compactionRank(def);
      for (const iri of ids) {
        const current = candidates.get(iri);
        if (
          current === undefined ||
          rank < current.rank ||
          (rank === current.rank && compareShortestLeast(term, current.term) < 0)
        ) {
          candidates.set(iri, { term, rank });
        }
      }
    }
    this.prefixTerms = new Set(this.prefixes.map((p) => p.term));
    this.bestTerm = new Map([...candidates].map(([iri, c]) => [iri, c.term]));
  }

  /** Term -> IRI, vocab-relative (entity types, attribute names, vocab values). */
  expandTerm(term: string): Iri {
    const known = this.terms.get(term);
    if (known !== undefined && known !== null) return known;
    const cached = this.expandMisses.get(term);
    if (cached !== undefined) return cached;
    const iri = this.expandUnknown(term);
    this.expandMisses.set(term, iri);
    return iri;
  }

  private expandUnknown(term: string): Iri {
    // Keywords and keyword look-alikes stay as they are (jsonld.js drops the latter; a caller
    // validating names sees them unchanged and can reject them).
    if (term.startsWith('@')) return term;
    const colon = term.indexOf(':');
    if (colon > 0) {
      const prefix = term.slice(0, colon);
      const suffix = term.slice(colon + 1);
      if (prefix === '_' || suffix.startsWith('//')) return term;
      if (this.prefixTerms.has(prefix)) return (this.terms.get(prefix) as string) + suffix;
      if (ABSOLUTE_IRI.test(term)) return term;
    }
    // A term explicitly mapped to null also lands here: jsonld.js would drop it, but an
    // NGSI-LD name always needs an IRI, so it falls back to @vocab like any unknown term.
    return this.vocab !== undefined ? this.vocab + term : term;
  }

  /** IRI -> term, compact IRI or the IRI itself, as compaction would render it. */
  compactIri(iri: Iri): string {
    const term = this.bestTerm.get(iri);
    if (term !== undefined) return term;
    const cached = this.compactMisses.get(iri);
    if (cached !== undefined) return cached;
    const compacted = this.compactUnknown(iri);
    this.compactMisses.set(iri, compacted);
    return compacted;
  }

  private compactUnknown(iri: Iri): string {
    const vocab = this.vocab;
    if (vocab !== undefined && iri.startsWith(vocab) && iri.length > vocab.length) {
      const suffix = iri.slice(vocab.length);
      if (!this.terms.has(suffix)) return suffix;
    }
    let choice: string | undefined;
    for (const { term, iri: prefixIri } of this.prefixes) {
      if (iri.length <= prefixIri.length || !iri.startsWith(prefixIri)) continue;
      const curie = `${term}:${iri.slice(prefixIri.length)}`;
      const clash = this.terms.get(curie);
      const usable = clash === undefined || clash === iri;
      if (usable && (choice === undefined || compareShortestLeast(curie, choice) < 0)) choice = curie;
    }
    return choice ?? iri;
  }
}
