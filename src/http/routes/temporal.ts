/**
 * The temporal API (GS CIM 009 v1.8.1 clause 6.18 - 6.22, 6.24 query): parse -> one
 * broker call -> render. A read whose instances were cut at the server's per-attribute
 * maximum answers 206 Partial Content with a Content-Range (clause 6.3.10); for
 * aggregatedValues, one whose aggregated periods were (ngsi/temporal/paging pagePeriods).
 */
import { methodNotAllowed, param, type Response, Routes } from '../router';
import type { EntityFilter } from '../../ngsi/query/ast';
import {
  contentRange,
  parseTemporalQuery,
  parseTemporalView,
  queryForView,
  renderTemporalEntity,
  type InstanceRange,
  type TemporalQuery,
  type TemporalView,
} from '../../ngsi/temporal';
import { NgsiError } from '../../ngsi/errors';
import type { RequestScope } from '../../broker/scope';
import type { HttpDeps } from '../deps';
import { negotiate, type ResponseType } from '../media';
import { checkParams, str, type Query } from '../params/allowed';
import { FILTER_PARAMS, PAGE_PARAMS, parseEntityFilter, parsePaging, type Paging } from '../params/entityQuery';
import { parseAttrList } from '../../ngsi/query/attrList';
import { parseBoolean } from '../params/options';
import { parseQueryBody } from '../params/queryBody';
import { readJsonBody, scopeFromBody, scopeFromLink, withoutContext } from '../request';
import { sendCreated, sendLd, sendNoContent } from '../respond';

const TIME_PARAMS = ['timerel', 'timeAt', 'endTimeAt', 'timeproperty', 'lastN'];
const VIEW_PARAMS = ['options', 'format', 'aggrMethods', 'aggrPeriodDuration'];
const QUERY_PARAMS = new Set([...FILTER_PARAMS, ...PAGE_PARAMS, ...TIME_PARAMS, ...VIEW_PARAMS, 'local']);
const RETRIEVE_PARAMS = new Set(['attrs', ...TIME_PARAMS, ...VIEW_PARAMS]);
const POST_QUERY_PARAMS = new Set([...PAGE_PARAMS, ...VIEW_PARAMS, 'local']);
const DELETE_ATTR_PARAMS = new Set(['datasetId', 'deleteAll']);
const NO_PARAMS = new Set<string>();

function temporalOf(query: Query): TemporalQuery {
  return parseTemporalQuery({
    timerel: str(query, 'timerel'), timeAt: str(query, 'timeAt'), endTimeAt: str(query, 'endTimeAt'),
    timeproperty: str(query, 'timeproperty'), lastN: str(query, 'lastN'),
  });
}

function viewOf(query: Query): TemporalView {
  return parseTemporalView({
    options: str(query, 'options'), format: str(query, 'format'),
    aggrMethods: str(query, 'aggrMethods'), aggrPeriodDuration: str(query, 'aggrPeriodDuration'),
  });
}

/** Clause 6.3.10: 206 with the time range every attribute covers when instances (or periods) were cut. */
function statusFor(res: Response, range: InstanceRange | undefined): number {
  if (range === undefined) return 200;
  res.setHeader('Content-Range', contentRange(range));
  return 206;
}

async function answerTemporalQuery(
  res: Response, deps: HttpDeps, scope: RequestScope,
  q: { filter: EntityFilter; temporal: TemporalQuery; view: TemporalView; page: Paging; type: ResponseType },
): Promise<void> {
  const temporal = queryForView(q.temporal, q.view);
  const result = await deps.temporal.query(scope, q.filter, temporal, q.page);
  if (result.count !== undefined) res.setHeader('NGSILD-Results-Count', String(result.count));
  const body = result.entities.map((e) => renderTemporalEntity(e, scope.context, q.view, temporal));
  sendLd(res, statusFor(res, result.range), body, q.type, scope.context);
}

export function temporalRoutes(deps: HttpDeps): Routes {
  const r = new Routes();

  // Clause 6.18.3.1: query temporal evolution of entities.
  r.get('/temporal/entities', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, QUERY_PARAMS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    await answerTemporalQuery(res, deps, scope, {
      filter: parseEntityFilter(query, scope.context),
      temporal: temporalOf(query),
      view: viewOf(query),
      page: parsePaging(query, deps.limits),
      type,
    });
  });

  // Clause 6.18.3.2: create a temporal entity (201) or add instances to it (204).
  r.post('/temporal/entities', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    const { id, created } = await deps.temporal.createOrAppend(scope, body.doc);
    if (!created) return sendNoContent(res);
    sendCreated(res, 'temporal/entities', id);
  });
  r.all('/temporal/entities', methodNotAllowed('GET, POST'));

  // Clause 6.19.3.1: retrieve the temporal evolution of an entity.
  r.get('/temporal/entities/:entityId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, RETRIEVE_PARAMS);
    const type = negotiate(req.headers.accept, false);
    const scope = await scopeFromLink(req, deps.contexts);
    const view = viewOf(query);
    const temporal = queryForView(temporalOf(query), view);
    const attrsText = str(query, 'attrs');
    const attrs = attrsText === undefined ? undefined : parseAttrList(attrsText, (t) => scope.context.expandTerm(t));
    const { entity, range } = await deps.temporal.retrieve(scope, param(req, 'entityId'), temporal, attrs);
    sendLd(res, statusFor(res, range), renderTemporalEntity(entity, scope.context, view, temporal), type, scope.context);
  });

  // Clause 6.19.3.2: delete the temporal evolution of an entity.
  r.delete('/temporal/entities/:entityId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.temporal.delete(scope, param(req, 'entityId'));
    sendNoContent(res);
  });
  r.all('/temporal/entities/:entityId', methodNotAllowed('GET, DELETE'));

  // Clause 6.20.3.1: add attribute instances.
  r.post('/temporal/entities/:entityId/attrs', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.temporal.appendAttrs(scope, param(req, 'entityId'), withoutContext(body));
    sendNoContent(res);
  });
  r.all('/temporal/entities/:entityId/attrs', methodNotAllowed('POST'));

  // Clause 6.21.3.1: delete an attribute's history (datasetId / deleteAll).
  r.delete('/temporal/entities/:entityId/attrs/:attrId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DELETE_ATTR_PARAMS);
    const all = parseBoolean(query, 'deleteAll');
    const datasetId = str(query, 'datasetId');
    if (all && datasetId !== undefined) throw new NgsiError('BadRequestData', 'datasetId and deleteAll=true exclude each other');
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.temporal.deleteAttr(scope, param(req, 'entityId'), param(req, 'attrId'), { datasetId, all });
    sendNoContent(res);
  });
  r.all('/temporal/entities/:entityId/attrs/:attrId', methodNotAllowed('DELETE'));

  // Clause 6.22.3.1: modify an attribute instance.
  r.patch('/temporal/entities/:entityId/attrs/:attrId/:instanceId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req, true);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.temporal.patchInstance(scope, param(req, 'entityId'), param(req, 'attrId'), param(req, 'instanceId'), withoutContext(body));
    sendNoContent(res);
  });

  // Clause 6.22.3.2: delete an attribute instance.
  r.delete('/temporal/entities/:entityId/attrs/:attrId/:instanceId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.temporal.deleteInstance(scope, param(req, 'entityId'), param(req, 'attrId'), param(req, 'instanceId'));
    sendNoContent(res);
  });
  r.all('/temporal/entities/:entityId/attrs/:attrId/:instanceId', methodNotAllowed('PATCH, DELETE'));

  // Clause 6.24.3.1: query temporal evolution with a Query body (temporalQ inside).
  r.post('/temporal/entityOperations/query', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, POST_QUERY_PARAMS);
    const type = negotiate(req.headers.accept, false);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    const doc = body.doc;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new NgsiError('BadRequestData', 'The query must be a JSON object');
    const { temporalQ, ...rest } = doc as Record<string, unknown>;
    if (temporalQ !== undefined && (typeof temporalQ !== 'object' || temporalQ === null || Array.isArray(temporalQ))) {
      throw new NgsiError('BadRequestData', 'temporalQ must be an object');
    }
    const { filter } = parseQueryBody(rest, scope.context);
    await answerTemporalQuery(res, deps, scope, {
      filter,
      temporal: parseTemporalQuery((temporalQ ?? {}) as Record<string, unknown>),
      view: viewOf(query),
      page: parsePaging(query, deps.limits),
      type,
    });
  });
  r.all('/temporal/entityOperations/query', methodNotAllowed('POST'));

  return r;
}
