/**
 * ContextManager: resolves a request's @context to a CompiledContext (compiled once, then
 * served from an LRU), and implements the /jsonldContexts operations (clause 5.13) that the
 * HTTP router calls. Document loading and the registry live in registry.ts; compilation in
 * compile.ts.
 */
import type { StoredContext } from '../../store/port';
import { NgsiError } from '../errors';
import {
  NgsiCompiledContext,
  compileTerms,
  contextKey,
  contextParts,
  effectiveParts,
  type CompiledTerms,
  type ContextPart,
} from './compile';
import type { CompiledContext, ContextSource } from './context';
import {
  CORE_CONTEXT_IDS,
  CORE_CONTEXT_UNVERSIONED,
  CORE_CONTEXT_V1_8,
  DEFAULT_CORE_CONTEXT,
  coreContextDocument,
  isCoreContextUrl,
} from './core';
import { coreTermMaps } from './core-terms';
import { Lru } from './lru';
import { ContextRegistry, type ContextStorePort } from './registry';

export interface ContextManagerDeps {
  store: ContextStorePort;
  /** Weft's own base URL, e.g. http://127.0.0.1:1026; hosted contexts live under it. */
  selfBaseUrl: string;
  fetchTimeoutMs: number;
  maxContextBytes: number;
  /** How many compiled contexts are kept. */
  cacheSize: number;
}

export type ContextKind = StoredContext['kind'];
const KINDS: readonly ContextKind[] = ['Hosted', 'Cached', 'ImplicitlyCreated'];

/** Metadata of a stored @context (clause 5.13.3.5 / 5.13.4.5, LdContextMetadata in the OpenAPI). */
export interface ContextDetails {
  URL: string;
  localId: string;
  kind: ContextKind;
  timestamp: string;
  lastUsage?: string;
  numberOfHits: number;
}

/** The shipped core contexts, listed and served like Cached contexts but never stored or deleted. */
const STARTED_AT = new Date().toISOString();
const CORE_RECORDS: StoredContext[] = Object.entries(CORE_CONTEXT_IDS).map(([id, url]) => ({
  id,
  url,
  kind: 'Cached',
  body: coreContextDocument(url),
  createdAt: STARTED_AT,
  numberOfHits: 0,
}));

function coreRecordFor(idOrUrl: string): StoredContext | undefined {
  const url = idOrUrl === CORE_CONTEXT_UNVERSIONED ? CORE_CONTEXT_V1_8 : idOrUrl;
  return CORE_RECORDS.find((r) => r.id === url || r.url === url);
}

function details(record: StoredContext): ContextDetails {
  const out: ContextDetails = { URL: record.url, localId: record.id, kind: record.kind, timestamp: record.createdAt, numberOfHits: record.numberOfHits };
  if (record.lastUsage !== undefined) out.lastUsage = record.lastUsage;
  return out;
}

export class ContextManager {
  /** The core context alone: what a request without @context gets. Ready at construction. */
  readonly core: CompiledContext;
  private readonly registry: ContextRegistry;
  private readonly compiled: Lru<string, NgsiCompiledContext>;
  /** Term maps by effective context, shared by sources that differ only in how they list the core. */
  private readonly terms: Lru<string, CompiledTerms>;
  private readonly compiling = new Map<string, Promise<NgsiCompiledContext>>();

  constructor(deps: ContextManagerDeps) {
    this.registry = new ContextRegistry(deps.store, deps.selfBaseUrl, { timeoutMs: deps.fetchTimeoutMs, maxBytes: deps.maxContextBytes });
    this.compiled = new Lru(deps.cacheSize);
    this.terms = new Lru(deps.cacheSize);
    this.core = new NgsiCompiledContext(DEFAULT_CORE_CONTEXT, DEFAULT_CORE_CONTEXT, { maps: coreTermMaps(DEFAULT_CORE_CONTEXT), dependencies: [] });
  }

  /** The compiled form of a request's @context; undefined gives the core context. */
  async resolve(source: ContextSource | undefined): Promise<CompiledContext> {
    if (source === undefined || source === DEFAULT_CORE_CONTEXT) return this.core;
    const parts = contextParts(source);
    const key = contextKey(parts);
    const hit = this.compiled.get(key);
    if (hit !== undefined) {
      this.registry.recordUse(hit.dependencies);
      return hit;
    }
    let pending = this.compiling.get(key);
    if (pending === undefined) {
      pending = this.compile(key, source, parts).finally(() => this.compiling.delete(key));
      this.compiling.set(key, pending);
    }
    return pending;
  }

  private async compile(key: string, source: ContextSource, parts: ContextPart[]): Promise<NgsiCompiledContext> {
    const effective = effectiveParts(parts);
    const effectiveKey = contextKey(effective);
    let terms = this.terms.get(effectiveKey);
    if (terms === undefined) {
      if (effective.length === 1) {
        terms = { maps: coreTermMaps(effective[0] as string), dependencies: [] };
      } else {
        const raw = await compileTerms(effective, (url) => this.registry.load(url));
        terms = { maps: raw.maps, dependencies: [...new Set(raw.dependencies.map((u) => this.registry.canonicalUrl(u)))] };
      }
      this.terms.set(effectiveKey, terms);
    }
    const compiled = new NgsiCompiledContext(key, source, terms);
    this.compiled.set(key, compiled);
    this.registry.recordUse(compiled.dependencies);
    return compiled;
  }

  /** Forgets every compiled context built on the document at `url`. */
  private invalidate(url: string): void {
    const canonical = this.registry.canonicalUrl(url);
    const uses = (c: { dependencies: readonly string[] }) => c.dependencies.includes(canonical);
    this.compiled.deleteWhere(uses);
    this.terms.deleteWhere(uses);
  }

  /** Clause 5.13.2 Add @context: stores a Hosted context after checking that it compiles. */
  async addHosted(body: unknown): Promise<StoredContext> {
    if (body === null || typeof body !== 'object' || Array.isArray(body) || !('@context' in body)) {
      throw new NgsiError('BadRequestData', 'The payload must be a JSON object with an "@context" member');
    }
    const context = (body as { '@context': unknown })['@context'];
    if (context === null || (typeof context !== 'string' && typeof context !== 'object')) {
      throw new NgsiError('BadRequestData', 'The "@context" member must be a URL, an object or an array');
    }
    return this.host(body, context as ContextSource, 'Hosted');
  }

  /**
   * Clause 5.13 ImplicitlyCreated: hosts an inline or composite @context a client used, so
   * that it can be named by URL where only a URL fits (the Link header of an
   * application/json notification). Returns the URL.
   */
  async addImplicit(source: ContextSource): Promise<string> {
    return (await this.host({ '@context': source }, source, 'ImplicitlyCreated')).url;
  }

  private async host(body: object, context: ContextSource, kind: ContextKind): Promise<StoredContext> {
    // Validation: the same processing a request using it would get (fetches nested URLs).
    await compileTerms(effectiveParts(contextParts(context)), (url) => this.registry.load(url));
    const id = ContextRegistry.newId();
    const record: StoredContext = {
      id,
      url: this.registry.hostedUrl(id),
      kind,
      body,
      createdAt: new Date().toISOString(),
      numberOfHits: 0,
    };
    await this.registry.add(record);
    return record;
  }

  /** Clause 5.13.3 List @contexts: URLs, or metadata records when `details` is set. */
  async list(opts: { kind?: string; details: true }): Promise<ContextDetails[]>;
  async list(opts: { kind?: string; details: false }): Promise<string[]>;
  async list(opts: { kind?: string; details: boolean }): Promise<string[] | ContextDetails[]>;
  async list(opts: { kind?: string; details: boolean }): Promise<string[] | ContextDetails[]> {
    if (opts.kind !== undefined && !KINDS.includes(opts.kind as ContextKind)) {
      throw new NgsiError('BadRequestData', `Invalid kind "${opts.kind}": expected one of ${KINDS.join(', ')}`);
    }
    const records = [...CORE_RECORDS, ...(await this.registry.all())].filter((r) => opts.kind === undefined || r.kind === opts.kind);
    return opts.details ? records.map(details) : records.map((r) => r.url);
  }

  /**
   * Clause 5.13.4 Serve @context: the stored body (`{"@context": ...}`) of a Hosted or
   * ImplicitlyCreated context, or the metadata of any. `id` is a local id, or the URL of a
   * Cached one. The shipped core contexts are served too, as Orion-LD does.
   */
  async get(id: string, details: true): Promise<ContextDetails>;
  async get(id: string, details: false): Promise<unknown>;
  async get(id: string, details: boolean): Promise<unknown>;
  async get(id: string, wantDetails: boolean): Promise<unknown> {
    const core = coreRecordFor(id);
    if (core !== undefined) return wantDetails ? details(core) : core.body;
    const record = await this.registry.find(id);
    if (record === undefined) throw new NgsiError('ResourceNotFound', `No @context with id or URL ${id}`);
    if (wantDetails) return details(record);
    if (record.kind === 'Cached') {
      throw new NgsiError(
        'OperationNotSupported',
        `@context ${id} is a Cached copy of ${record.url}; only Hosted and ImplicitlyCreated contexts are served (clause 5.13.4), details=true gives its metadata`,
      );
    }
    return record.body;
  }

  /**
   * Clause 5.13.5 Delete and Reload @context. With `reload`, a Cached context is downloaded
   * again and replaces the stored copy (LdContextNotAvailable, and no change, if that fails).
   * Compiled contexts built on the document are dropped either way.
   */
  async delete(id: string, opts: { reload: boolean }): Promise<void> {
    if (coreRecordFor(id) !== undefined || isCoreContextUrl(id)) {
      throw new NgsiError('BadRequestData', 'The NGSI-LD core @context is built in and cannot be deleted or reloaded');
    }
    const record = await this.registry.find(id);
    if (record === undefined) throw new NgsiError('ResourceNotFound', `No @context with id or URL ${id}`);
    if (opts.reload) {
      if (record.kind !== 'Cached') {
        throw new NgsiError('BadRequestData', `reload applies to Cached @contexts only; ${id} is ${record.kind}`);
      }
      await this.registry.reload(record);
    } else {
      await this.registry.remove(record);
    }
    this.invalidate(record.url);
  }
}
