/** Shared test fixtures for ngsi/jsonld: an in-memory context store and a loopback context server. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StoredContext } from '../../../src/store/port';
import type { ContextStorePort } from '../../../src/ngsi/jsonld/registry';

/** The four context methods of EntityStore over a Map, with a call log. */
export class MemoryContextStore implements ContextStorePort {
  readonly records = new Map<string, StoredContext>();
  readonly calls: string[] = [];

  async putContext(ctx: StoredContext): Promise<void> {
    this.calls.push(`put ${ctx.id}`);
    this.records.set(ctx.id, structuredClone(ctx));
  }
  async getContext(id: string): Promise<StoredContext | undefined> {
    this.calls.push(`get ${id}`);
    const r = this.records.get(id);
    return r && structuredClone(r);
  }
  async listContexts(): Promise<StoredContext[]> {
    this.calls.push('list');
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  async deleteContext(id: string): Promise<boolean> {
    this.calls.push(`delete ${id}`);
    return this.records.delete(id);
  }
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http server on 127.0.0.1 (random port) with routes per path and a request log. */
export class ContextServer {
  readonly routes = new Map<string, Route>();
  readonly requests: string[] = [];
  private server: Server | undefined;
  base = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const route = this.routes.get(req.url ?? '');
      if (route) route(req, res);
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Serves `body` (JSON-encoded unless a string) at `path`. */
  json(path: string, body: unknown, contentType = 'application/ld+json'): string {
    this.routes.set(path, (_req, res) => {
      res.setHeader('content-type', contentType);
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    });
    return this.base + path;
  }

  count(path: string): number {
    return this.requests.filter((p) => p === path).length;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}
