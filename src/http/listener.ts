/**
 * The request listener: route tables mounted under prefixes in one find-my-way radix tree
 * (the router fastify is built on), authentication and body reading for the mounts that
 * need them, and the one place errors become responses. app.ts decides what is mounted
 * where; this module knows nothing of NGSI-LD beyond ProblemDetails.
 *
 * Every route carries its mount: whether a request is authenticated follows from the route
 * the router found, never from a second reading of the raw target (which the router
 * normalises: case, percent-encoding, absolute form), so no spelling of a path reaches a
 * guarded handler unauthenticated.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import FindMyWay from 'find-my-way';
import getRawBody from 'raw-body';
import { NgsiError } from '../ngsi/errors';
import type { Logger } from '../ops/logger';
import type { Authenticate } from './auth';
import { sendProblem } from './problem';
import type { Handler, Request, Response, Routes } from './router';

export interface Mount {
  /** '' or a path prefix without a trailing slash ('/ngsi-ld/v1'). */
  prefix: string;
  routes: readonly Routes[];
  /**
   * Whether requests under the prefix are authenticated (when an authenticator is given)
   * and have their body read. Authentication comes first: an anonymous client cannot make
   * Weft buffer a 2 MiB body. Unguarded mounts (/health) get neither.
   */
  guarded: boolean;
  /** Requests of a guarded mount that need no token; `route` is the matched route's declared path ('/things/:id'). */
  open?: (req: Request, route: string) => boolean;
}

export interface ListenerOptions {
  /** undefined: no token is asked for (--auth=false). */
  authenticate: Authenticate | undefined;
  maxBodyBytes: number;
  log: Logger;
}

/** Methods find-my-way routes; a path's `ALL` route takes the ones it does not serve itself. */
const METHODS = [
  'ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH', 'MERGE', 'MKACTIVITY',
  'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND', 'PROPPATCH', 'PURGE', 'PUT', 'QUERY',
  'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND', 'UNLINK', 'UNLOCK', 'UNSUBSCRIBE',
] as FindMyWay.HTTPMethod[]; // QUERY is routed (lib/http-methods.js) but missing from the type

/** Entity ids are URIs, often longer than find-my-way's default limit of 100 characters. */
const MAX_PARAM_LENGTH = 8192;

type Router = FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;

const NO_QUERY: Readonly<Record<string, string>> = Object.freeze({});

/** What find() hands back for a route. */
interface RouteStore {
  handler: Handler;
  mount: Mount;
  /** The route's path as declared in its Routes table. */
  route: string;
}

export function createListener(mounts: readonly Mount[], opts: ListenerOptions): RequestListener {
  const router: Router = FindMyWay({
    ignoreTrailingSlash: true,
    caseSensitive: false,
    maxParamLength: MAX_PARAM_LENGTH,
    // The query is parsed before routing (a mount's `open` reads it), not by find-my-way.
    querystringParser: () => NO_QUERY,
    // A path that is no valid percent-encoding: find() then answers a route without a store.
    onBadUrl: noop,
  });
  for (const m of mounts) addRoutes(router, m);
  const guarded = mounts.filter((m) => m.guarded);
  const { authenticate, maxBodyBytes, log } = opts;

  const fail = (req: Request, res: Response, err: unknown): void => {
    if (!(err instanceof NgsiError)) log.error({ err, method: req.method, url: req.url }, 'request failed unexpectedly');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, err);
  };

  const run = (req: Request, res: Response, handler: Handler): void => {
    try {
      const pending = handler(req, res);
      if (pending) pending.catch((err: unknown) => fail(req, res, err));
    } catch (err) {
      fail(req, res, err);
    }
  };

  /** Authenticates (unless the mount has no token check), then `next`; false/reject: answered. */
  const authenticated = (req: Request, res: Response, next: () => void): void => {
    if (authenticate === undefined) return next();
    let proceed: boolean | Promise<boolean>;
    try {
      proceed = authenticate(req, res);
    } catch (err) {
      return fail(req, res, err);
    }
    if (proceed === true) next();
    else if (proceed !== false) {
      proceed.then(
        (ok) => {
          if (ok) next();
        },
        (err: unknown) => fail(req, res, err),
      );
    }
  };

  const withBody = (req: Request, res: Response, handler: Handler): void => {
    readBody(req, maxBodyBytes).then(
      (body) => {
        req.body = body;
        run(req, res, handler);
      },
      (err: unknown) => {
        if (req.destroyed && !(err instanceof NgsiError)) return; // the client went away mid-body
        fail(req, res, bodyError(err));
      },
    );
  };

  return (message: IncomingMessage, res: ServerResponse): void => {
    const req = message as Request;
    const url = originForm(req.url ?? '/');
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    req.query = q === -1 ? {} : parseQuery(url.slice(q + 1));
    const found = router.find(req.method as FindMyWay.HTTPMethod, path);
    if (found === null) {
      const notFound = (): void => sendProblem(res, new NgsiError('ResourceNotFound', `No resource at ${req.method ?? ''} ${path}`));
      // Under a guarded prefix, no probing of paths without a token.
      if (guarded.some((m) => underPrefix(m.prefix, path))) authenticated(req, res, notFound);
      else notFound();
      return;
    }
    if (found.store === null) {
      sendProblem(res, new NgsiError('InvalidRequest', `The path ${path} is not valid percent-encoding`));
      return;
    }
    const { handler, mount, route } = found.store as RouteStore;
    req.params = found.params as Record<string, string>;
    if (!mount.guarded) run(req, res, handler);
    else if (mount.open?.(req, route) === true) withBody(req, res, handler);
    else authenticated(req, res, () => withBody(req, res, handler));
  };
}

/** Puts a mount's tables under its prefix: each path's own methods, HEAD as GET, then its ALL route for the rest. */
function addRoutes(router: Router, mount: Mount): void {
  const byPath = new Map<string, Map<string, Handler>>();
  for (const table of mount.routes) {
    for (const { method, path, handler } of table.list) {
      const methods = byPath.get(path) ?? new Map<string, Handler>();
      byPath.set(path, methods);
      if (methods.has(method)) throw new Error(`route ${method} ${mount.prefix}${path} declared twice`);
      methods.set(method, handler);
    }
  }
  for (const [route, methods] of byPath) {
    const get = methods.get('GET');
    if (get !== undefined && !methods.has('HEAD')) methods.set('HEAD', get);
    const all = methods.get('ALL');
    for (const method of METHODS) {
      const handler = methods.get(method) ?? all;
      const store: RouteStore | undefined = handler === undefined ? undefined : { handler, mount, route };
      // Ours rides in the store: find() hands it back without find-my-way's handler signature.
      if (store !== undefined) router.on(method, mount.prefix + route, noop, store);
    }
  }
}

function noop(): void {}

/**
 * The request target as a path and query (RFC 9112 clause 3.2): node:http also takes the
 * absolute form (`GET http://host/path`), answered as `GET /path`. Other forms ('*') stay
 * as they are and find no route.
 */
function originForm(target: string): string {
  if (target.charCodeAt(0) === 47 /* / */ || !target.includes('://')) return target;
  try {
    const u = new URL(target);
    return u.pathname + u.search;
  } catch {
    return target;
  }
}

function underPrefix(prefix: string, path: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || path.charCodeAt(prefix.length) === 47 /* / */);
}

/**
 * The raw body, or undefined when the request announces none (neither Content-Length nor
 * Transfer-Encoding: RFC 9112 clause 6.3). raw-body checks the announced length against the
 * limit before reading a byte, and the bytes read against the announced length.
 */
function readBody(req: Request, limit: number): Promise<Buffer | undefined> {
  const length = req.headers['content-length'];
  if (length === undefined && req.headers['transfer-encoding'] === undefined) return Promise.resolve(undefined);
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    req.resume(); // drained, so that the answer can go out on the kept-alive connection
    return Promise.reject(new NgsiError('UnsupportedMediaType', `Content-Encoding ${encoding} is not supported; send the body uncompressed`));
  }
  return getRawBody(req, { length, limit });
}

/** raw-body's errors -> NGSI-LD problems (413 for oversized bodies). */
function bodyError(err: unknown): unknown {
  if (err instanceof NgsiError) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  if (e && e.type === 'entity.too.large') return new NgsiError('PayloadTooLarge', `The body exceeds the limit of ${String(e.limit)} bytes`);
  if (e && typeof e.status === 'number' && e.status < 500) return new NgsiError('InvalidRequest', `Unreadable body: ${e.message ?? 'unknown reason'}`);
  return err;
}
