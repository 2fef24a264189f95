/**
 * Compiles a client's @context into a CompiledContext (context.ts). jsonld.js processes the
 * context once, here, with a document loader supplied by the caller (manager.ts: fetch with
 * limits, hosted contexts from the store); the result becomes TermMaps for the hot path.
 *
 * Effective context (clause 5.5.7 / 4.4: core terms cannot be overridden): the client's parts,
 * then the core context last, so core definitions always win. Core URLs the client lists
 * itself are taken out of its parts (Orion-LD likewise applies the core on its own); the
 * core version the client named is the one applied, v1.8 when it named none.
 */
import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import { NgsiError } from '../errors';
import type { Iri } from '../entity';
import type { CompiledContext, ContextSource } from './context';
import {
  CORE_CONTEXT_UNVERSIONED,
  CORE_CONTEXT_V1_8,
  DEFAULT_CORE_CONTEXT,
  coreContextDocument,
  isCoreContextUrl,
} from './core';
import { TermMaps, type ProcessedContext } from './term-maps';

export type ContextPart = string | Record<string, unknown>;

/** Loads the document (`{"@context": ...}`) behind a non-core context URL, or throws an NgsiError. */
export type ContextDocumentLoader = (url: string) => Promise<{ '@context': unknown }>;

/** jsonld.js's processContext is public API but missing from @types/jsonld. */
interface JsonLdContextApi {
  processContext(activeCtx: unknown, localCtx: unknown, options: Record<string, unknown>): Promise<ProcessedContext>;
}
const jsonldApi = jsonld as unknown as JsonLdContextApi;

/** Splits a source into its parts, rejecting shapes that are not a JSON-LD @context. */
export function contextParts(source: ContextSource): ContextPart[] {
  const parts: unknown[] = Array.isArray(source) ? source : [source];
  parts.forEach((part, i) => {
    const where = Array.isArray(source) ? ` (array item ${i})` : '';
    if (typeof part === 'string') {
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(part)) {
        throw new NgsiError('BadRequestData', `Invalid @context${where}: "${part}" is not an absolute URL`);
      }
    } else if (part === null || typeof part !== 'object' || Array.isArray(part)) {
      throw new NgsiError(
        'BadRequestData',
        `Invalid @context${where}: expected a URL string or a JSON object, got ${part === null ? 'null' : Array.isArray(part) ? 'an array' : typeof part}`,
      );
    }
  });
  return parts as ContextPart[];
}

/** The client's parts without core URLs, followed by the core context to apply. */
export function effectiveParts(parts: readonly ContextPart[]): ContextPart[] {
  let core = DEFAULT_CORE_CONTEXT;
  const user: ContextPart[] = [];
  for (const part of parts) {
    if (typeof part === 'string' && isCoreContextUrl(part)) core = part === CORE_CONTEXT_UNVERSIONED ? CORE_CONTEXT_V1_8 : part;
    else user.push(part);
  }
  return [...user, core];
}

/** Stable identity of a list of parts: URLs as they are, inline objects by a hash of their JSON. */
export function contextKey(parts: readonly ContextPart[]): string {
  return parts
    .map((p) => (typeof p === 'string' ? p : `sha256:${createHash('sha256').update(JSON.stringify(p)).digest('base64url')}`))
    .join(' ');
}

/**
 * The core document as processed here, computed once per URL: without @protected (see the
 * loader below) and without property-scoped contexts. The v1.9 core scopes `ngsildproof` with
 * https://w3id.org/security/data-integrity/v2, which jsonld.js would fetch to validate; scoped
 * contexts do not change the top-level term maps, and the core must never cause a fetch.
 */
const processableCore = new Map<string, { '@context': unknown }>();
function coreForProcessing(url: string): { '@context': unknown } {
  let doc = processableCore.get(url);
  if (doc === undefined) {
    const terms: Record<string, unknown> = {};
    for (const [term, def] of Object.entries(coreContextDocument(url)['@context'] as Record<string, unknown>)) {
      if (term === '@protected') continue;
      if (def !== null && typeof def === 'object' && '@context' in def) {
        const { '@context': _scoped, ...rest } = def as Record<string, unknown>;
        terms[term] = rest;
      } else {
        terms[term] = def;
      }
    }
    doc = { '@context': terms };
    processableCore.set(url, doc);
  }
  return doc;
}

export interface CompiledTerms {
  maps: TermMaps;
  /** Non-core URLs that were loaded, directly or nested: invalidate when one of them changes. */
  dependencies: string[];
}

/** Processes the effective parts with jsonld.js and builds the look-up maps. */
export async function compileTerms(effective: readonly ContextPart[], load: ContextDocumentLoader): Promise<CompiledTerms> {
  const dependencies = new Set<string>();
  const documentLoader = async (url: string) => {
    // Core URLs (also when a user context imports them) are served from the shipped copy,
    // without @protected: the core is applied last anyway, so protection adds nothing but
    // would turn "user context imports core, then redefines a core term" into an error where
    // the NGSI-LD rule (core wins) gives the same answer without one.
    if (isCoreContextUrl(url)) return { contextUrl: null, documentUrl: url, document: coreForProcessing(url) };
    dependencies.add(url);
    return { contextUrl: null, documentUrl: url, document: await load(url) };
  };
  let processed: ProcessedContext;
  try {
    const initial = await jsonldApi.processContext(null, null, {});
    processed = await jsonldApi.processContext(initial, effective, { documentLoader, processingMode: 'json-ld-1.1' });
  } catch (err) {
    throw unwrapProcessingError(err);
  }
  return { maps: new TermMaps(processed), dependencies: [...dependencies] };
}

interface JsonLdErrorLike {
  name?: string;
  message?: string;
  details?: { code?: string; cause?: unknown };
}

/**
 * jsonld.js wraps whatever the loader throws (details.cause). Our NgsiErrors come back out as
 * they are; an unexpected loader failure (e.g. the store) is rethrown unchanged so it surfaces
 * as an internal error, not as the client's fault; anything else jsonld.js reports is an
 * invalid context.
 */
function unwrapProcessingError(err: unknown): unknown {
  for (let e: unknown = err; e !== undefined && e !== null; e = (e as JsonLdErrorLike).details?.cause) {
    if (e instanceof NgsiError) return e;
  }
  const { message, details } = err as JsonLdErrorLike;
  if (details?.code === 'loading remote context failed' && details.cause instanceof Error) return details.cause;
  const code = details?.code ? ` (${details.code})` : '';
  return new NgsiError('BadRequestData', `Invalid @context${code}: ${message ?? String(err)}`);
}

/** A compiled context as handed to the rest of Weft. Method bodies only delegate: keep them monomorphic. */
export class NgsiCompiledContext implements CompiledContext {
  readonly key: string;
  readonly source: ContextSource;
  readonly linkUrl: string | undefined;
  /** Non-core URLs this context was built from (for invalidation and hit counting). */
  readonly dependencies: readonly string[];
  private readonly maps: TermMaps;

  constructor(key: string, source: ContextSource, compiled: CompiledTerms) {
    this.key = key;
    this.source = source;
    this.linkUrl = typeof source === 'string' ? source : Array.isArray(source) && source.length === 1 && typeof source[0] === 'string' ? source[0] : undefined;
    this.dependencies = compiled.dependencies;
    this.maps = compiled.maps;
  }

  expandTerm(term: string): Iri {
    return this.maps.expandTerm(term);
  }

  compactIri(iri: Iri): string {
    return this.maps.compactIri(iri);
  }
}

/** Compiles a source in one go (no caching): parts, effective parts, jsonld.js, maps. */
export async function compileContext(source: ContextSource | undefined, load: ContextDocumentLoader): Promise<NgsiCompiledContext> {
  const given = source ?? DEFAULT_CORE_CONTEXT;
  const parts = contextParts(given);
  return new NgsiCompiledContext(contextKey(parts), given, await compileTerms(effectiveParts(parts), load));
}
