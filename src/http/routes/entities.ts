/**
 * /ngsi-ld/v1/entities and /entities/{entityId} (clause 6.4, 6.5): parse -> one broker
 * call -> render.
 */
import { methodNotAllowed, param, Routes } from '../router';
import type { Entity } from '../../ngsi/entity';
import type { HttpDeps } from '../deps';
import { answerQuery, renderOne } from '../entityOutput';
import { negotiate } from '../media';
import { checkParams, type Query } from '../params/allowed';
import { FILTER_PARAMS, PAGE_PARAMS, VIEW_PARAMS, parseEntityFilter, parsePaging, parseView } from '../params/entityQuery';
import { readJsonBody, scopeFromBody, scopeFromLink } from '../request';
import { sendCreated, sendLd, sendNoContent } from '../respond';

const QUERY_PARAMS = new Set([...FILTER_PARAMS, ...VIEW_PARAMS, ...PAGE_PARAMS]);
const RETRIEVE_PARAMS = new Set(VIEW_PARAMS);
const PURGE_PARAMS = new Set(FILTER_PARAMS);
const NO_PARAMS = new Set<string>();
const CREATE_PARAMS = new Set<string>();

export function entitiesRoutes(deps: HttpDeps): Routes {
  const r = new Routes();

  // Clause 6.4.3.2: query entities.
  r.get('/entities', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, QUERY_PARAMS);
    const type = negotiate(req.headers.accept, true);
    const scope = await scopeFromLink(req, deps.contexts);
    await answerQuery(res, deps, scope, {
      filter: parseEntityFilter(query, scope.context),
      page: parsePaging(query, deps.limits),
      view: parseView(query, scope.context),
      type,
    });
  });

  // Clause 6.4.3.1: create entity.
  r.post('/entities', async (req, res) => {
    checkParams(req.query as Query, CREATE_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    const id = await deps.entities.create(scope, body.doc);
    sendCreated(res, 'entities', id);
  });

  // Clause 6.4.3.3: purge entities matching type / q / ... .
  r.delete('/entities', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, PURGE_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.query.purge(scope, parseEntityFilter(query, scope.context));
    sendNoContent(res);
  });
  r.all('/entities', methodNotAllowed('GET, POST, DELETE'));

  // Clause 6.5.3.1: retrieve entity.
  r.get('/entities/:entityId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, RETRIEVE_PARAMS);
    const type = negotiate(req.headers.accept, true);
    const scope = await scopeFromLink(req, deps.contexts);
    const view = parseView(query, scope.context);
    const entity = await deps.entities.retrieve(scope, param(req, 'entityId'));
    const linked = view.join ? await deps.query.linked(scope, [entity], view.join.level) : new Map<string, Entity>();
    sendLd(res, 200, renderOne(entity, linked, view, scope.context, type), type, scope.context);
  });

  // Clause 6.5.3.3: replace entity.
  r.put('/entities/:entityId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.entities.replace(scope, param(req, 'entityId'), body.doc);
    sendNoContent(res);
  });

  // Clause 6.5.3.4: merge entity.
  r.patch('/entities/:entityId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req, true);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.entities.merge(scope, param(req, 'entityId'), body.doc);
    sendNoContent(res);
  });

  // Clause 6.5.3.2: delete entity.
  r.delete('/entities/:entityId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.entities.delete(scope, param(req, 'entityId'));
    sendNoContent(res);
  });
  r.all('/entities/:entityId', methodNotAllowed('GET, PUT, PATCH, DELETE'));

  return r;
}
