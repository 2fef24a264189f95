/**
 * /ngsi-ld/v1/jsonldContexts (clause 6.30 - 6.31; @context management, clause 5.13).
 *
 * Hosted @contexts change how every tenant's terms expand, so adding, deleting and
 * reloading them is the `admin` action on the `contexts` resource (policy/default.yaml:
 * admin only). Listing them and their details needs any valid token; the documents
 * themselves are served without one (app.ts: JSON-LD processors fetch them bare).
 */
import { methodNotAllowed, param, Routes } from '../router';
import { NgsiError } from '../../ngsi/errors';
import type { HttpDeps } from '../deps';
import { checkParams, str, type Query } from '../params/allowed';
import { parseBoolean } from '../params/options';
import { readJsonBody, scopeOf } from '../request';
import { sendCreated, sendNoContent, sendPlain } from '../respond';

const KINDS = new Set(['Hosted', 'Cached', 'ImplicitlyCreated']);

/** The route of one @context document (app.ts serves its GET without a token). */
export const CONTEXT_DOCUMENT = '/jsonldContexts/:contextId';

export function contextsRoutes(deps: HttpDeps): Routes {
  const r = new Routes();

  r.post('/jsonldContexts', async (req, res) => {
    checkParams(req.query as Query, new Set());
    deps.access.resource(scopeOf(req, deps.contexts), 'admin', 'contexts');
    const body = readJsonBody(req);
    const stored = await deps.contexts.addHosted(body.doc);
    sendCreated(res, 'jsonldContexts', stored.id);
  });

  r.get('/jsonldContexts', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, new Set(['details', 'kind']));
    const kind = str(query, 'kind');
    if (kind !== undefined && !KINDS.has(kind)) throw new NgsiError('BadRequestData', `kind must be Hosted, Cached or ImplicitlyCreated`);
    sendPlain(res, 200, await deps.contexts.list({ kind, details: parseBoolean(query, 'details') }));
  });
  r.all('/jsonldContexts', methodNotAllowed('GET, POST'));

  r.get(CONTEXT_DOCUMENT, async (req, res) => {
    const query = req.query as Query;
    checkParams(query, new Set(['details']));
    const out = await deps.contexts.get(param(req, 'contextId'), parseBoolean(query, 'details'));
    // A context document is itself JSON-LD (clause 6.31.3.1).
    const text = JSON.stringify(out);
    res.statusCode = 200;
    res.setHeader('Content-Type', parseBoolean(query, 'details') ? 'application/json' : 'application/ld+json');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  });

  r.delete(CONTEXT_DOCUMENT, async (req, res) => {
    const query = req.query as Query;
    checkParams(query, new Set(['reload']));
    deps.access.resource(scopeOf(req, deps.contexts), 'admin', 'contexts');
    await deps.contexts.delete(param(req, 'contextId'), { reload: parseBoolean(query, 'reload') });
    sendNoContent(res);
  });
  r.all(CONTEXT_DOCUMENT, methodNotAllowed('GET, DELETE'));

  return r;
}
