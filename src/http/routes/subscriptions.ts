/**
 * /ngsi-ld/v1/subscriptions and /subscriptions/{subscriptionId} (clause 6.10 - 6.11):
 * parse -> one broker call -> render.
 */
import { methodNotAllowed, param, Routes } from '../router';
import { renderSubscription } from '../../ngsi/subscription';
import type { HttpDeps } from '../deps';
import { negotiate } from '../media';
import { checkParams, type Query } from '../params/allowed';
import { PAGE_PARAMS, parsePaging } from '../params/entityQuery';
import { parseOptions } from '../params/options';
import { readJsonBody, scopeFromBody, scopeFromLink, withoutContext } from '../request';
import { sendCreated, sendLd, sendNoContent } from '../respond';

const SYS_ATTRS_ONLY: ReadonlySet<string> = new Set(['sysAttrs']);
const LIST_PARAMS = new Set([...PAGE_PARAMS, 'options']);
const RETRIEVE_PARAMS = new Set(['options']);
const NO_PARAMS = new Set<string>();

/** Only options=sysAttrs applies to subscriptions (createdAt / modifiedAt). */
function sysAttrsOf(query: Query): boolean {
  return parseOptions(query, SYS_ATTRS_ONLY).sysAttrs;
}

export function subscriptionsRoutes(deps: HttpDeps): Routes {
  const r = new Routes();

  // Clause 6.10.3.1: create subscription.
  r.post('/subscriptions', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    const id = await deps.subscriptions.create(scope, withoutContext(body));
    sendCreated(res, 'subscriptions', id);
  });

  // Clause 6.10.3.2: query subscriptions.
  r.get('/subscriptions', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, LIST_PARAMS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    const page = parsePaging(query, deps.limits);
    const sysAttrs = sysAttrsOf(query);
    const result = await deps.subscriptions.list(scope, page);
    if (result.count !== undefined) res.setHeader('NGSILD-Results-Count', String(result.count));
    const now = Date.now();
    sendLd(res, 200, result.subscriptions.map((s) => renderSubscription(s, scope.context, now, { sysAttrs })), type, scope.context);
  });
  r.all('/subscriptions', methodNotAllowed('GET, POST'));

  // Clause 6.11.3.1: retrieve subscription.
  r.get('/subscriptions/:subscriptionId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, RETRIEVE_PARAMS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    const sub = await deps.subscriptions.retrieve(scope, param(req, 'subscriptionId'));
    sendLd(res, 200, renderSubscription(sub, scope.context, Date.now(), { sysAttrs: sysAttrsOf(query) }), type, scope.context);
  });

  // Clause 6.11.3.2: update subscription.
  r.patch('/subscriptions/:subscriptionId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req, true);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.subscriptions.update(scope, param(req, 'subscriptionId'), withoutContext(body));
    sendNoContent(res);
  });

  // Clause 6.11.3.3: delete subscription.
  r.delete('/subscriptions/:subscriptionId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.subscriptions.delete(scope, param(req, 'subscriptionId'));
    sendNoContent(res);
  });
  r.all('/subscriptions/:subscriptionId', methodNotAllowed('GET, PATCH, DELETE'));

  return r;
}
