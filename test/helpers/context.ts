/**
 * Test doubles of CompiledContext for the pure ngsi/ tests.
 * TODO(lead): switch these to the real compiled contexts from src/ngsi/jsonld (ContextManager.core
 * and an inline user context) once that module lands; tests only rely on the interface.
 *
 * Behaviour, as JSON-LD with the NGSI-LD core context would give it:
 *  - core terms (location, observationSpace, operationSpace, ...) -> https://uri.etsi.org/ngsi-ld/<term>
 *  - user terms -> the IRI the user context maps them to
 *  - a compact IRI "prefix:suffix" whose prefix is a term -> expanded; any other "x:y" is an IRI
 *  - anything else -> https://uri.etsi.org/ngsi-ld/default-context/<term> (the core @vocab)
 */
import type { CompiledContext } from '../../src/ngsi/jsonld/context';

export const CORE_URL = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
export const NGSI_LD = 'https://uri.etsi.org/ngsi-ld/';
export const DEFAULT_VOCAB = `${NGSI_LD}default-context/`;

const CORE_TERMS = ['location', 'observationSpace', 'operationSpace', 'createdAt', 'modifiedAt', 'observedAt', 'unitCode', 'datasetId'];

class MapContext implements CompiledContext {
  readonly key: string;
  readonly source: CompiledContext['source'];
  readonly linkUrl: string | undefined;
  private readonly toIri = new Map<string, string>();
  private readonly toTerm = new Map<string, string>();

  constructor(terms: Record<string, string>, source: CompiledContext['source'], key: string) {
    this.key = key;
    this.source = source;
    this.linkUrl = typeof source === 'string' ? source : undefined;
    for (const t of CORE_TERMS) this.define(t, `${NGSI_LD}${t}`);
    for (const [t, iri] of Object.entries(terms)) this.define(t, iri);
  }

  private define(term: string, iri: string): void {
    this.toIri.set(term, iri);
    this.toTerm.set(iri, term);
  }

  expandTerm(term: string): string {
    const mapped = this.toIri.get(term);
    if (mapped !== undefined) return mapped;
    const colon = term.indexOf(':');
    if (colon > 0) {
      const prefix = this.toIri.get(term.slice(0, colon));
      return prefix !== undefined && !term.slice(colon + 1).startsWith('//') ? prefix + term.slice(colon + 1) : term;
    }
    return DEFAULT_VOCAB + term;
  }

  compactIri(iri: string): string {
    const term = this.toTerm.get(iri);
    if (term !== undefined) return term;
    if (iri.startsWith(DEFAULT_VOCAB)) return iri.slice(DEFAULT_VOCAB.length);
    return iri;
  }
}

/** The NGSI-LD core context alone (a request without @context). */
export function coreContext(): CompiledContext {
  return new MapContext({}, CORE_URL, CORE_URL);
}

/** A user context layered over the core context; `terms` maps term -> IRI. */
export function userContext(terms: Record<string, string>): CompiledContext {
  return new MapContext(terms, [{ ...terms }, CORE_URL], `inline:${JSON.stringify(terms)}`);
}
