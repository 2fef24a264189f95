/**
 * A JSON-LD @context compiled once into term<->IRI maps (STYLE.md 12: do work once).
 * Hot paths (parse in, render out, q/attrs/type parameters) only call these look-ups;
 * jsonld.js is used at compile time and as the reference in tests, never per request.
 * Implementation: ./compile.ts (compilation), ./manager.ts (resolution, cache, fetch).
 */
import type { Iri } from '../entity';

/** A context as a client gives it: a URL, an inline object, or an array of both. */
export type ContextSource = string | Record<string, unknown> | Array<string | Record<string, unknown>>;

export interface CompiledContext {
  /** Stable identity: the URL list, or a hash for inline parts. Equal keys = same context. */
  readonly key: string;
  /**
   * The context as it should be echoed to clients: in a response's `@context` member
   * (application/ld+json) or, when it is a single URL, in the Link header (application/json).
   * Always includes the core context (as its URL) when the client sent none.
   */
  readonly source: ContextSource;
  /** The single URL to put in a Link header, when the context is one URL. */
  readonly linkUrl: string | undefined;
  /** Term (attribute name, entity type, vocab value) -> expanded IRI, vocab-relative. */
  expandTerm(term: string): Iri;
  /** Expanded IRI -> the term or compact IRI JSON-LD compaction would choose. */
  compactIri(iri: Iri): string;
}
