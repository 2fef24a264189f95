/**
 * /ngsi-ld/v1/entityOperations/* (clause 6.14 - 6.18, 6.23, 6.31): batch create, upsert,
 * update, delete, merge, and query by POST.
 */
import { methodNotAllowed, type Request, type Response, Routes } from '../router';
import type { BatchItem, BatchResult } from '../../broker/batch';
import type { RequestScope } from '../../broker/scope';
import { NgsiError } from '../../ngsi/errors';
import type { ContextManager } from '../../ngsi/jsonld/manager';
import type { HttpDeps } from '../deps';
import { answerQuery } from '../entityOutput';
import { contextUrlFromLink } from '../link';
import { negotiate } from '../media';
import { checkParams, type Query } from '../params/allowed';
import { PAGE_PARAMS, VIEW_PARAMS, parsePaging, parseView } from '../params/entityQuery';
import { UPDATE_OPTIONS, UPSERT_OPTIONS, parseOptions } from '../params/options';
import { contextSourceOf, linkOf, readJsonBody, scopeFromBody, scopeFromLink, type JsonBody } from '../request';
import { sendNoContent, sendPlain } from '../respond';
import { parseQueryBody } from '../params/queryBody';

function entityIdOf(doc: unknown): string {
  const id = typeof doc === 'object' && doc !== null ? (doc as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}

/** Each element read in its own @context (ld+json) or the Link header's (json). */
async function batchItems(req: Request, contexts: ContextManager, body: JsonBody): Promise<{ scope: RequestScope; items: BatchItem[] }> {
  if (!Array.isArray(body.doc)) throw new NgsiError('BadRequestData', 'The body of a batch operation must be a JSON array');
  // Clause 6.3.5: with application/ld+json a JSON-LD Link header is an error for the whole
  // request (each element's own @context is checked below).
  if (body.ldJson && contextUrlFromLink(linkOf(req)) !== undefined) {
    throw new NgsiError('BadRequestData', 'With Content-Type application/ld+json the @context must be in the body, not in a Link header');
  }
  const scope = await scopeFromLink(req, contexts);
  const items = await Promise.all(
    body.doc.map(async (doc): Promise<BatchItem> => {
      try {
        const source = contextSourceOf(doc, body.ldJson, body.ldJson ? undefined : linkOf(req));
        const context = source === undefined ? contexts.core : await contexts.resolve(source);
        return { doc, context };
      } catch (err) {
        if (err instanceof NgsiError) return { entityId: entityIdOf(doc), failed: err };
        throw err;
      }
    }),
  );
  return { scope, items };
}

/** Clause 6.14.3.1 etc.: all succeeded -> `ok()`, else 207 with the BatchOperationResult. */
function sendBatch(res: Response, result: BatchResult, ok: () => void): void {
  if (result.errors.length === 0) return ok();
  sendPlain(res, 207, { success: result.success, errors: result.errors });
}

export function batchRoutes(deps: HttpDeps): Routes {
  const r = new Routes();
  const NONE = new Set<string>();
  const OPTIONS = new Set(['options']);

  r.post('/entityOperations/create', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const { scope, items } = await batchItems(req, deps.contexts, readJsonBody(req));
    const result = await deps.batch.create(scope, items);
    sendBatch(res, result, () => sendPlain(res, 201, result.success));
  });

  r.post('/entityOperations/upsert', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, OPTIONS);
    const { upsertMode } = parseOptions(query, UPSERT_OPTIONS);
    const { scope, items } = await batchItems(req, deps.contexts, readJsonBody(req));
    const result = await deps.batch.upsert(scope, items, upsertMode);
    // 201 with the ids of the entities that were created; 204 when all existed already.
    sendBatch(res, result, () => (result.created.length > 0 ? sendPlain(res, 201, result.created) : sendNoContent(res)));
  });

  r.post('/entityOperations/update', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, OPTIONS);
    const { noOverwrite } = parseOptions(query, UPDATE_OPTIONS);
    const { scope, items } = await batchItems(req, deps.contexts, readJsonBody(req));
    const result = await deps.batch.update(scope, items, noOverwrite);
    sendBatch(res, result, () => sendNoContent(res));
  });

  r.post('/entityOperations/merge', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const { scope, items } = await batchItems(req, deps.contexts, readJsonBody(req, true));
    const result = await deps.batch.merge(scope, items);
    sendBatch(res, result, () => sendNoContent(res));
  });

  r.post('/entityOperations/delete', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const body = readJsonBody(req);
    if (!Array.isArray(body.doc)) throw new NgsiError('BadRequestData', 'The body of a batch delete must be a JSON array of entity ids');
    const scope = await scopeFromLink(req, deps.contexts);
    const result = await deps.batch.delete(scope, body.doc);
    sendBatch(res, result, () => sendNoContent(res));
  });

  // Clause 6.23.3.1: query entities with a Query body.
  const QUERY_URL_PARAMS = new Set([...VIEW_PARAMS.filter((p) => p !== 'attrs' && p !== 'lang'), ...PAGE_PARAMS]);
  r.post('/entityOperations/query', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, QUERY_URL_PARAMS);
    const type = negotiate(req.headers.accept, true);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    const { filter, attrs, lang } = parseQueryBody(body.doc, scope.context);
    const view = parseView(query, scope.context);
    if (attrs && !view.render.pick) view.render.pick = new Set(['id', 'type', 'scope', ...attrs]);
    if (lang) view.render.lang = lang;
    await answerQuery(res, deps, scope, { filter, page: parsePaging(query, deps.limits), view, type });
  });

  r.all('/entityOperations/:operation', methodNotAllowed('POST'));
  return r;
}
