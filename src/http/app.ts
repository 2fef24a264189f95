/**
 * The HTTP application: which route tables are mounted under which prefix, and which
 * requests need no token. No business logic here (ARCHITECTURE.md): routes parse, call the
 * broker, render; listener.ts authenticates, reads bodies, routes and maps errors.
 */
import type { RequestListener } from 'node:http';
import { AccessGuard } from '../broker/access';
import { authenticate } from './auth';
import type { AppDeps, HttpDeps } from './deps';
import { createListener, type Mount } from './listener';
import type { Request, Routes } from './router';
import { attributesRoutes } from './routes/attributes';
import { batchRoutes } from './routes/batch';
import { auditRoutes } from './routes/audit';
import { CONTEXT_DOCUMENT, contextsRoutes } from './routes/contexts';
import { devicesRoutes } from './routes/devices';
import { discoveryRoutes } from './routes/discovery';
import { entitiesRoutes } from './routes/entities';
import { healthRoutes } from './routes/health';
import { subscriptionsRoutes } from './routes/subscriptions';
import { temporalRoutes } from './routes/temporal';

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
function isContextDocumentRead(req: Request, route: string): boolean {
  return route === CONTEXT_DOCUMENT && (req.method === 'GET' || req.method === 'HEAD') && req.query.details === undefined;
}

export function createApp(appDeps: AppDeps): RequestListener {
  if (appDeps.authenticate !== undefined && appDeps.access?.enabled !== true) {
    // Tokens checked but no policy applied would let any valid token do anything.
    throw new Error('createApp: an authenticator needs an AccessGuard with a policy');
  }
  const deps: HttpDeps = { ...appDeps, access: appDeps.access ?? new AccessGuard(undefined), authenticate: appDeps.authenticate };
  const mounts: Mount[] = [
    {
      prefix: API_PREFIX,
      guarded: true,
      open: isContextDocumentRead,
      routes: [
        entitiesRoutes(deps),
        attributesRoutes(deps),
        batchRoutes(deps),
        discoveryRoutes(deps),
        contextsRoutes(deps),
        temporalRoutes(deps),
        subscriptionsRoutes(deps),
      ],
    },
  ];
  const admin: Routes[] = [];
  if (deps.audit !== undefined) admin.push(auditRoutes({ audit: deps.audit, contexts: deps.contexts }));
  if (deps.devices !== undefined) {
    admin.push(devicesRoutes({ devices: deps.devices, channel: deps.deviceChannel, contexts: deps.contexts, limits: deps.limits, stats: deps.deviceStats }));
  }
  if (admin.length > 0) mounts.push({ prefix: ADMIN_PREFIX, guarded: true, routes: admin });
  // /health: open for probes.
  mounts.push({ prefix: '', guarded: false, routes: [healthRoutes()] });
  return createListener(mounts, {
    authenticate: deps.authenticate === undefined ? undefined : authenticate(deps.authenticate, deps.log),
    maxBodyBytes: deps.limits.maxBodyBytes,
    log: deps.log,
  });
}
