/**
 * /ngsi-ld/v1/entities/{entityId}/attrs[/{attrId}] (clause 6.6, 6.7).
 */
import { methodNotAllowed, param, type Response, Routes } from '../router';
import type { AttrOutcome } from '../../ngsi/merge';
import type { RequestScope } from '../../broker/scope';
import type { HttpDeps } from '../deps';
import { checkParams, str, type Query } from '../params/allowed';
import { parseBoolean, parseOptions } from '../params/options';
import { readJsonBody, scopeFromBody, scopeFromLink, withoutContext } from '../request';
import { sendNoContent, sendPlain } from '../respond';

/** 204 when every attribute was written, else 207 with the UpdateResult (clause 5.2.18). */
function sendOutcome(res: Response, scope: RequestScope, outcome: AttrOutcome): void {
  if (outcome.notUpdated.length === 0) return sendNoContent(res);
  const compact = (iri: string): string => scope.context.compactIri(iri);
  sendPlain(res, 207, {
    updated: outcome.updated.map(compact),
    notUpdated: outcome.notUpdated.map((n) => ({ attributeName: compact(n.attributeName), reason: n.reason })),
  });
}

export function attributesRoutes(deps: HttpDeps): Routes {
  const r = new Routes();
  const APPEND = new Set(['options']);
  const NONE = new Set<string>();
  const PATCH_ONE = new Set(['datasetId']);
  const DELETE_ONE = new Set(['datasetId', 'deleteAll']);

  // Clause 6.6.3.1: append entity attributes.
  r.post('/entities/:entityId/attrs', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, APPEND);
    const { noOverwrite } = parseOptions(query);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    sendOutcome(res, scope, await deps.attributes.append(scope, param(req, 'entityId'), body.doc, noOverwrite));
  });

  // Clause 6.6.3.2: update entity attributes.
  r.patch('/entities/:entityId/attrs', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const body = readJsonBody(req, true);
    const scope = await scopeFromBody(req, deps.contexts, body);
    sendOutcome(res, scope, await deps.attributes.update(scope, param(req, 'entityId'), body.doc));
  });
  r.all('/entities/:entityId/attrs', methodNotAllowed('POST, PATCH'));

  // Clause 6.7.3.1: partial attribute update.
  r.patch('/entities/:entityId/attrs/:attrId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, PATCH_ONE);
    const body = readJsonBody(req, true);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.attributes.patch(scope, param(req, 'entityId'), param(req, 'attrId'), withoutContext(body), str(query, 'datasetId'));
    sendNoContent(res);
  });

  // Clause 6.7.3.3: replace attribute.
  r.put('/entities/:entityId/attrs/:attrId', async (req, res) => {
    checkParams(req.query as Query, NONE);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.attributes.replace(scope, param(req, 'entityId'), param(req, 'attrId'), withoutContext(body));
    sendNoContent(res);
  });

  // Clause 6.7.3.2: delete attribute.
  r.delete('/entities/:entityId/attrs/:attrId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DELETE_ONE);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.attributes.delete(scope, param(req, 'entityId'), param(req, 'attrId'), {
      datasetId: str(query, 'datasetId'),
      deleteAll: parseBoolean(query, 'deleteAll'),
    });
    sendNoContent(res);
  });
  r.all('/entities/:entityId/attrs/:attrId', methodNotAllowed('PATCH, PUT, DELETE'));

  return r;
}

