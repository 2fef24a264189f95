/**
 * The express application: body limits, the NGSI-LD routers, and the error mapping.
 * No business logic here (ARCHITECTURE.md): routers parse, call the broker, render.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { AccessGuard } from '../broker/access';
import { NgsiError } from '../ngsi/errors';
import { authenticate } from './auth';
import type { AppDeps, HttpDeps } from './deps';
import { sendProblem } from './problem';
import { attributesRouter } from './routes/attributes';
import { batchRouter } from './routes/batch';
import { auditRouter } from './routes/audit';
import { contextsRouter } from './routes/contexts';
import { devicesRouter } from './routes/devices';
import { discoveryRouter } from './routes/discovery';
import { entitiesRouter } from './routes/entities';
import { healthRouter } from './routes/health';
import { subscriptionsRouter } from './routes/subscriptions';
import { temporalRouter } from './routes/temporal';

export const API_PREFIX = '/ngsi-ld/v1';
/** Weft's own administrative API (not NGSI-LD): the audit log. */
export const ADMIN_PREFIX = '/weft/v1';

/**
 * A hosted @context document is read without a token: JSON-LD processors (a notification
 * receiver following the Link header, jsonld.js expanding a response) dereference @context
 * URLs with no credentials. The documents map terms to IRIs and hold no twin data; changing
 * them still needs admin (routes/contexts.ts). Their metadata (?details=true) and the list
 * still need a token.
 */
function isContextDocumentRead(req: Request): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && /^\/jsonldContexts\/[^/]+$/.test(req.path) && req.query.details === undefined;
}

/** raw-body's errors -> NGSI-LD problems (413 for oversized bodies). */
function bodyErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  const e = err as { type?: string; status?: number; message?: string };
  if (e && e.type === 'entity.too.large') {
    return sendProblem(res, new NgsiError('PayloadTooLarge', `The body exceeds the limit of ${String((e as { limit?: number }).limit)} bytes`));
  }
  if (e && typeof e.status === 'number' && e.status < 500) {
    return sendProblem(res, new NgsiError('InvalidRequest', `Unreadable body: ${e.message ?? 'unknown reason'}`));
  }
  next(err);
}

/**
 * A router that authenticates (except what `open` lets through) and then reads the body.
 * Authentication comes first, before a body is read: an anonymous client cannot make Weft
 * buffer 2 MiB. Bodies are read raw and parsed by http/request.ts so that JSON errors,
 * media types and the @context rules all yield NGSI-LD ProblemDetails. /health stays
 * outside, open for probes.
 */
function guardedRouter(deps: HttpDeps, open: (req: Request) => boolean): express.Router {
  const r = express.Router();
  if (deps.authenticate !== undefined) {
    const check = authenticate(deps.authenticate, deps.log);
    r.use((req, res, next) => (open(req) ? next() : check(req, res, next)));
  }
  r.use(express.raw({ type: () => true, limit: deps.limits.maxBodyBytes }));
  r.use(bodyErrors);
  return r;
}

export function createApp(appDeps: AppDeps): express.Express {
  if (appDeps.authenticate !== undefined && appDeps.access?.enabled !== true) {
    // Tokens checked but no policy applied would let any valid token do anything.
    throw new Error('createApp: an authenticator needs an AccessGuard with a policy');
  }
  const deps: HttpDeps = { ...appDeps, access: appDeps.access ?? new AccessGuard(undefined), authenticate: appDeps.authenticate };
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');

  const api = guardedRouter(deps, isContextDocumentRead);
  api.use(entitiesRouter(deps));
  api.use(attributesRouter(deps));
  api.use(batchRouter(deps));
  api.use(discoveryRouter(deps));
  api.use(contextsRouter(deps));
  api.use(temporalRouter(deps));
  api.use(subscriptionsRouter(deps));
  app.use(API_PREFIX, api);
  if (deps.audit !== undefined || deps.devices !== undefined) {
    const admin = guardedRouter(deps, () => false);
    if (deps.audit !== undefined) admin.use(auditRouter({ audit: deps.audit, contexts: deps.contexts }));
    if (deps.devices !== undefined) admin.use(devicesRouter({ devices: deps.devices, channel: deps.deviceChannel, contexts: deps.contexts, limits: deps.limits, stats: deps.deviceStats }));
    app.use(ADMIN_PREFIX, admin);
  }
  app.use(healthRouter());

  app.use((req: Request, res: Response) => {
    sendProblem(res, new NgsiError('ResourceNotFound', `No resource at ${req.method} ${req.path}`));
  });
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (!(err instanceof NgsiError)) deps.log.error({ err, method: req.method, url: req.originalUrl }, 'request failed unexpectedly');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, err);
  });
  return app;
}
