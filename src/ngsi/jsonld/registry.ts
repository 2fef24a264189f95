/**
 * Where context documents come from, and the /jsonldContexts registry (clause 5.13) behind it:
 *  - contexts hosted by Weft (`${selfBaseUrl}/ngsi-ld/v1/jsonldContexts/{id}`) come from the
 *    store, never over HTTP;
 *  - any other URL is downloaded once (fetch.ts limits) and recorded as kind 'Cached', in
 *    memory and in the store, so a restart does not depend on the remote server.
 * Core URLs never reach this class (compile.ts serves the shipped copies).
 *
 * Usage counts (numberOfHits, lastUsage) are kept in memory per URL and added to the stored
 * figures when records are read: counting must not cost a store write per request.
 */
import { randomUUID } from 'node:crypto';
import type { EntityStore, StoredContext } from '../../store/port';
import { NgsiError } from '../errors';
import { fetchContextDocument, type ContextDocument, type FetchLimits } from './fetch';

export type ContextStorePort = Pick<EntityStore, 'putContext' | 'getContext' | 'listContexts' | 'deleteContext'>;

interface Usage {
  hits: number;
  lastMs: number;
}

export class ContextRegistry {
  readonly hostedPrefix: string;
  private cachedByUrl: Map<string, StoredContext> | undefined;
  private loadingRegistry: Promise<Map<string, StoredContext>> | undefined;
  private readonly downloads = new Map<string, Promise<ContextDocument>>();
  private readonly usage = new Map<string, Usage>();

  constructor(
    private readonly store: ContextStorePort,
    selfBaseUrl: string,
    private readonly limits: FetchLimits,
  ) {
    this.hostedPrefix = `${selfBaseUrl.replace(/\/+$/, '')}/ngsi-ld/v1/jsonldContexts/`;
  }

  /** New local id. The spec leaves its form open; Scorpio uses `urn:<uuid>`, we keep it a URN too. */
  static newId(): string {
    return `urn:ngsi-ld:jsonldContext:${randomUUID()}`;
  }

  /** Colons are legal in a path segment (RFC 3986 pchar), so URN ids stay readable. */
  hostedUrl(id: string): string {
    return this.hostedPrefix + encodeURIComponent(id).replace(/%3A/gi, ':');
  }

  /** One spelling per document, so usage counts and invalidation match however a client wrote the URL. */
  canonicalUrl(url: string): string {
    const hostedId = this.hostedIdOf(url);
    return hostedId === undefined ? url : this.hostedUrl(hostedId);
  }

  /** The hosted id inside one of our own URLs, or undefined for any other URL. */
  hostedIdOf(url: string): string | undefined {
    if (!url.startsWith(this.hostedPrefix)) return undefined;
    const rest = url.slice(this.hostedPrefix.length);
    try {
      return decodeURIComponent(rest);
    } catch {
      return rest;
    }
  }

  /** The document behind a (non-core) context URL; throws LdContextNotAvailable when there is none. */
  async load(url: string): Promise<ContextDocument> {
    const hostedId = this.hostedIdOf(url);
    if (hostedId !== undefined) {
      const record = await this.store.getContext(hostedId);
      if (record === undefined) {
        throw new NgsiError('LdContextNotAvailable', `Could not load @context ${url}: no @context with id ${hostedId} is hosted here`);
      }
      return record.body as ContextDocument;
    }
    const cached = (await this.registry()).get(url);
    if (cached !== undefined) return cached.body as ContextDocument;
    let pending = this.downloads.get(url);
    if (pending === undefined) {
      pending = this.download(url).finally(() => this.downloads.delete(url));
      this.downloads.set(url, pending);
    }
    return pending;
  }

  private async download(url: string): Promise<ContextDocument> {
    const doc = await fetchContextDocument(url, this.limits);
    const record: StoredContext = {
      id: ContextRegistry.newId(),
      url,
      kind: 'Cached',
      body: doc,
      createdAt: new Date().toISOString(),
      numberOfHits: 0,
    };
    await this.store.putContext(record);
    (await this.registry()).set(url, record);
    return doc;
  }

  /** Cached records by URL, read from the store on first use. */
  private registry(): Promise<Map<string, StoredContext>> {
    if (this.cachedByUrl !== undefined) return Promise.resolve(this.cachedByUrl);
    this.loadingRegistry ??= this.store.listContexts().then(
      (all) => {
        const map = new Map<string, StoredContext>();
        for (const record of all) if (record.kind === 'Cached') map.set(record.url, record);
        this.cachedByUrl = map;
        return map;
      },
      (err: unknown) => {
        this.loadingRegistry = undefined; // try again on the next use rather than failing forever
        throw err;
      },
    );
    return this.loadingRegistry;
  }

  recordUse(urls: readonly string[]): void {
    if (urls.length === 0) return;
    const now = Date.now();
    for (const url of urls) {
      const entry = this.usage.get(url);
      if (entry === undefined) this.usage.set(url, { hits: 1, lastMs: now });
      else {
        entry.hits++;
        entry.lastMs = now;
      }
    }
  }

  /** A record with the in-memory usage added. */
  withUsage(record: StoredContext): StoredContext {
    const entry = this.usage.get(record.url);
    if (entry === undefined) return record;
    return { ...record, numberOfHits: record.numberOfHits + entry.hits, lastUsage: new Date(entry.lastMs).toISOString() };
  }

  async add(record: StoredContext): Promise<void> {
    await this.store.putContext(record);
  }

  async all(): Promise<StoredContext[]> {
    return (await this.store.listContexts()).map((r) => this.withUsage(r));
  }

  /** By local id, by original URL (Cached, clause 5.13.4/5.13.5) or by our hosted URL. */
  async find(idOrUrl: string): Promise<StoredContext | undefined> {
    const byId = await this.store.getContext(idOrUrl);
    if (byId !== undefined) return this.withUsage(byId);
    const hostedId = this.hostedIdOf(idOrUrl);
    if (hostedId !== undefined) {
      const hosted = await this.store.getContext(hostedId);
      return hosted && this.withUsage(hosted);
    }
    const cached = (await this.registry()).get(idOrUrl);
    return cached && this.withUsage(cached);
  }

  async remove(record: StoredContext): Promise<void> {
    await this.store.deleteContext(record.id);
    if (record.kind === 'Cached') (await this.registry()).delete(record.url);
    this.usage.delete(record.url);
  }

  /** Downloads a Cached context again and replaces the stored copy; the old one stays on failure. */
  async reload(record: StoredContext): Promise<StoredContext> {
    const doc = await fetchContextDocument(record.url, this.limits);
    const fresh: StoredContext = { ...record, body: doc, createdAt: new Date().toISOString(), numberOfHits: 0 };
    delete fresh.lastUsage;
    await this.store.putContext(fresh);
    (await this.registry()).set(record.url, fresh);
    this.usage.delete(record.url);
    return fresh;
  }
}
