/**
 * Real compiled contexts for the pure ngsi/ tests, built synchronously from the shipped core
 * context with the same TermMaps the server uses (src/ngsi/jsonld). User terms are layered
 * under the core terms, as the server's effective context [user..., core] does.
 */
import { NgsiCompiledContext } from '../../src/ngsi/jsonld/compile';
import { CORE_CONTEXT_V1_8, coreContextDocument } from '../../src/ngsi/jsonld/core';
import { coreTermMaps, processSimpleContext } from '../../src/ngsi/jsonld/core-terms';
import type { CompiledContext } from '../../src/ngsi/jsonld/context';
import { TermMaps } from '../../src/ngsi/jsonld/term-maps';

export const CORE_URL = CORE_CONTEXT_V1_8;
export const NGSI_LD = 'https://uri.etsi.org/ngsi-ld/';
export const DEFAULT_VOCAB = `${NGSI_LD}default-context/`;

/** The NGSI-LD core context alone (a request without @context). */
export function coreContext(): CompiledContext {
  return new NgsiCompiledContext(CORE_URL, CORE_URL, { maps: coreTermMaps(CORE_URL), dependencies: [] });
}

/** A user context layered under the core context; `terms` maps term -> IRI. */
export function userContext(terms: Record<string, string>): CompiledContext {
  const core = coreContextDocument(CORE_URL)['@context'] as Record<string, unknown>;
  const maps = new TermMaps(processSimpleContext({ ...terms, ...core }));
  return new NgsiCompiledContext(`inline:${JSON.stringify(terms)}`, [{ ...terms }, CORE_URL], { maps, dependencies: [] });
}

/**
 * A context whose every term expands under `ns` (and IRIs there compact back to the term):
 * for pure tests that need no core-context terms at all.
 */
export function prefixContext(ns: string): CompiledContext {
  return {
    key: `prefix:${ns}`,
    source: 'https://example.org/context.jsonld',
    linkUrl: 'https://example.org/context.jsonld',
    expandTerm: (term: string) => ns + term,
    compactIri: (iri: string) => (iri.startsWith(ns) ? iri.slice(ns.length) : iri),
  };
}
