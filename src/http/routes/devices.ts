/**
 * The device provisioning API (issue 5), under /weft/v1 (Weft's own API, not NGSI-LD):
 * /iot/services and /iot/devices, with the FIWARE IoT Agents' paths and bodies so their
 * users' provisioning scripts need only a new base URL. The tenant is NGSILD-Tenant; names
 * (entity types, attributes) are terms of the request's @context (Link header, or
 * `@context` in an application/ld+json body).
 */
import { Router, type Request } from 'express';
import type { DeviceService, TwinOnDelete } from '../../broker/devices';
import { renderDevice, renderServiceGroup } from '../../devices/provisioning';
import { NgsiError } from '../../ngsi/errors';
import type { ContextManager } from '../../ngsi/jsonld/manager';
import { handle, methodNotAllowed, param } from '../handle';
import { checkParams, str, type Query } from '../params/allowed';
import { PAGE_PARAMS, parsePaging } from '../params/entityQuery';
import { readJsonBody, scopeFromBody, scopeFromLink, withoutContext } from '../request';
import { sendNoContent, sendPlain } from '../respond';

export interface DevicesRouterDeps {
  devices: DeviceService;
  /** The MQTT gateway's counters (messages, measures, refusals); undefined when no gateway runs. */
  stats?: () => object;
  contexts: ContextManager;
  limits: { defaultLimit: number; maxLimit: number };
}

const NO_PARAMS = new Set<string>();
const GROUP_LIST_PARAMS = new Set(PAGE_PARAMS);
const DEVICE_LIST_PARAMS = new Set([...PAGE_PARAMS, 'apikey']);
const DELETE_DEVICE_PARAMS = new Set(['twin']);

/** 201 with the Location of what was created (one), or of the collection (several). */
function created(res: Parameters<Parameters<typeof handle>[0]>[1], collection: string, ids: string[]): void {
  res.setHeader('Location', ids.length === 1 ? `/weft/v1/iot/${collection}/${encodeURIComponent(ids[0])}` : `/weft/v1/iot/${collection}`);
  res.statusCode = 201;
  res.end();
}

function paging(req: Request, deps: DevicesRouterDeps) {
  return parsePaging(req.query as Query, deps.limits);
}

function twinOnDelete(query: Query): TwinOnDelete {
  const v = str(query, 'twin') ?? 'keep';
  if (v !== 'keep' && v !== 'delete') throw new NgsiError('BadRequestData', `twin must be 'keep' or 'delete', not '${v}'`);
  return v;
}

export function devicesRouter(deps: DevicesRouterDeps): Router {
  const r = Router();

  r.post('/iot/services', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    created(res, 'services', await deps.devices.createServiceGroups(scope, withoutContext(body)));
  }));
  r.get('/iot/services', handle(async (req, res) => {
    checkParams(req.query as Query, GROUP_LIST_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    const page = paging(req, deps);
    const { groups, count } = await deps.devices.listServiceGroups(scope, page);
    if (count !== undefined) res.setHeader('NGSILD-Results-Count', String(count));
    sendPlain(res, 200, { count: count ?? groups.length, services: groups.map((g) => renderServiceGroup(g, scope.context)) });
  }));
  r.all('/iot/services', methodNotAllowed('GET, POST'));

  r.get('/iot/services/:apikey', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    sendPlain(res, 200, renderServiceGroup(await deps.devices.getServiceGroup(scope, param(req, 'apikey')), scope.context));
  }));
  r.put('/iot/services/:apikey', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.devices.updateServiceGroup(scope, param(req, 'apikey'), withoutContext(body));
    sendNoContent(res);
  }));
  r.delete('/iot/services/:apikey', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.devices.deleteServiceGroup(scope, param(req, 'apikey'));
    sendNoContent(res);
  }));
  r.all('/iot/services/:apikey', methodNotAllowed('GET, PUT, DELETE'));

  r.get('/iot/stats', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    deps.devices.authorize(await scopeFromLink(req, deps.contexts));
    sendPlain(res, 200, { gateway: deps.stats?.() ?? null });
  }));
  r.all('/iot/stats', methodNotAllowed('GET'));

  r.post('/iot/devices', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    created(res, 'devices', await deps.devices.createDevices(scope, withoutContext(body)));
  }));
  r.get('/iot/devices', handle(async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DEVICE_LIST_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    const apikey = str(query, 'apikey');
    const { devices, count } = await deps.devices.listDevices(scope, { ...paging(req, deps), ...(apikey === undefined ? {} : { apikey }) });
    if (count !== undefined) res.setHeader('NGSILD-Results-Count', String(count));
    sendPlain(res, 200, { count: count ?? devices.length, devices: devices.map((d) => renderDevice(d, scope.context)) });
  }));
  r.all('/iot/devices', methodNotAllowed('GET, POST'));

  r.get('/iot/devices/:deviceId', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    sendPlain(res, 200, renderDevice(await deps.devices.getDevice(scope, param(req, 'deviceId')), scope.context));
  }));
  r.put('/iot/devices/:deviceId', handle(async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.devices.updateDevice(scope, param(req, 'deviceId'), withoutContext(body));
    sendNoContent(res);
  }));
  r.delete('/iot/devices/:deviceId', handle(async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DELETE_DEVICE_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.devices.deleteDevice(scope, param(req, 'deviceId'), twinOnDelete(query));
    sendNoContent(res);
  }));
  r.all('/iot/devices/:deviceId', methodNotAllowed('GET, PUT, DELETE'));

  return r;
}
