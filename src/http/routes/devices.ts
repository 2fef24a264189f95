/**
 * The device provisioning API (issue 5), under /weft/v1 (Weft's own API, not NGSI-LD):
 * /iot/services and /iot/devices, with the FIWARE IoT Agents' paths and bodies so their
 * users' provisioning scripts need only a new base URL. The tenant is NGSILD-Tenant; names
 * (entity types, attributes) are terms of the request's @context (Link header, or
 * `@context` in an application/ld+json body).
 */
import { methodNotAllowed, param, type Request, type Response, Routes } from '../router';
import type { DeviceChannel } from '../../broker/device-channel';
import type { DeviceService, TwinOnDelete } from '../../broker/devices';
import { deviceLogin, devicePublishAllowed, deviceSubscribeAllowed, otherPublishAllowed } from '../../devices/mqtt/topic-rules';
import { parseDeviceTopic } from '../../devices/topics';
import { DeviceAuthError } from '../../security/devices';
import { renderDevice, renderServiceGroup } from '../../devices/provisioning';
import { NgsiError } from '../../ngsi/errors';
import type { ContextManager } from '../../ngsi/jsonld/manager';
import { checkParams, str, type Query } from '../params/allowed';
import { PAGE_PARAMS, parsePaging } from '../params/entityQuery';
import { readJsonBody, scopeFromBody, scopeFromLink, withoutContext } from '../request';
import { sendNoContent, sendPlain } from '../respond';

export interface DevicesRouterDeps {
  devices: DeviceService;
  /** Device credential checks for an external MQTT broker's HTTP auth backend; undefined: not offered. */
  channel?: Pick<DeviceChannel, 'authenticate'>;
  /** The MQTT gateway's counters (messages, measures, refusals); undefined when no gateway runs. */
  stats?: () => object;
  contexts: ContextManager;
  limits: { defaultLimit: number; maxLimit: number };
}

const NO_PARAMS = new Set<string>();
const GROUP_LIST_PARAMS = new Set(PAGE_PARAMS);
const DEVICE_LIST_PARAMS = new Set([...PAGE_PARAMS, 'apikey']);
const DELETE_DEVICE_PARAMS = new Set(['twin']);

/** The string members of an auth backend's request body (anything else is left out). */
function asFields(doc: unknown): Partial<Record<'username' | 'password' | 'topic' | 'action' | 'acc' | 'clientid', string>> {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new NgsiError('BadRequestData', 'The payload must be a JSON object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(doc)) if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  return out;
}

/** EMQX reads `result`; mosquitto-go-auth (JSON mode) reads `ok`. */
function verdict(res: Response, result: 'allow' | 'deny' | 'ignore'): void {
  sendPlain(res, 200, { result, ok: result === 'allow' });
}

/** 201 with the Location of what was created (one), or of the collection (several). */
function created(res: Response, collection: string, ids: string[]): void {
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

export function devicesRoutes(deps: DevicesRouterDeps): Routes {
  const r = new Routes();

  r.post('/iot/services', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    created(res, 'services', await deps.devices.createServiceGroups(scope, withoutContext(body)));
  });
  r.get('/iot/services', async (req, res) => {
    checkParams(req.query as Query, GROUP_LIST_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    const page = paging(req, deps);
    const { groups, count } = await deps.devices.listServiceGroups(scope, page);
    if (count !== undefined) res.setHeader('NGSILD-Results-Count', String(count));
    sendPlain(res, 200, { count: count ?? groups.length, services: groups.map((g) => renderServiceGroup(g, scope.context)) });
  });
  r.all('/iot/services', methodNotAllowed('GET, POST'));

  r.get('/iot/services/:apikey', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    sendPlain(res, 200, renderServiceGroup(await deps.devices.getServiceGroup(scope, param(req, 'apikey')), scope.context));
  });
  r.put('/iot/services/:apikey', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.devices.updateServiceGroup(scope, param(req, 'apikey'), withoutContext(body));
    sendNoContent(res);
  });
  r.delete('/iot/services/:apikey', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.devices.deleteServiceGroup(scope, param(req, 'apikey'));
    sendNoContent(res);
  });
  r.all('/iot/services/:apikey', methodNotAllowed('GET, PUT, DELETE'));

  // An external broker's HTTP authentication / authorization backend (EMQX 5 `http`
  // authenticator and authorizer; mosquitto-go-auth `http` backend, JSON response mode):
  // devices are checked exactly as on the embedded broker. The broker calls with a token
  // holding `admin` on `devices`. Answers are 200 with both dialects' verdict members.
  r.post('/iot/mqtt/authenticate', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = asFields(readJsonBody(req).doc);
    deps.devices.authorize(await scopeFromLink(req, deps.contexts));
    const device = deviceLogin(body.username);
    if (device === undefined || deps.channel === undefined) return verdict(res, 'ignore');
    try {
      await deps.channel.authenticate(device.apikey, device.deviceId, body.password);
      verdict(res, 'allow');
    } catch (err) {
      if (!(err instanceof DeviceAuthError)) throw err;
      verdict(res, 'deny');
    }
  });
  r.all('/iot/mqtt/authenticate', methodNotAllowed('POST'));

  r.post('/iot/mqtt/authorize', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = asFields(readJsonBody(req).doc);
    deps.devices.authorize(await scopeFromLink(req, deps.contexts));
    const topic = body.topic;
    const action = body.action ?? (body.acc === '2' ? 'publish' : body.acc === '1' || body.acc === '4' ? 'subscribe' : undefined);
    if (topic === undefined || (action !== 'publish' && action !== 'subscribe')) {
      throw new NgsiError('BadRequestData', "authorize needs 'topic' and 'action' ('publish' or 'subscribe', or go-auth's 'acc')");
    }
    const device = deviceLogin(body.username);
    if (device !== undefined) {
      const ok = action === 'publish' ? devicePublishAllowed(device, topic) : deviceSubscribeAllowed(device, topic);
      return verdict(res, ok ? 'allow' : 'deny');
    }
    // Others: never as a device, nor reading device topics; the rest is the broker's policy.
    if (action === 'publish') return verdict(res, otherPublishAllowed(topic) ? 'ignore' : 'deny');
    return verdict(res, parseDeviceTopic(topic) === undefined && !/^[#+]/.test(topic) ? 'ignore' : 'deny');
  });
  r.all('/iot/mqtt/authorize', methodNotAllowed('POST'));

  r.get('/iot/stats', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    deps.devices.authorize(await scopeFromLink(req, deps.contexts));
    sendPlain(res, 200, { gateway: deps.stats?.() ?? null });
  });
  r.all('/iot/stats', methodNotAllowed('GET'));

  r.post('/iot/devices', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    created(res, 'devices', await deps.devices.createDevices(scope, withoutContext(body)));
  });
  r.get('/iot/devices', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DEVICE_LIST_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    const apikey = str(query, 'apikey');
    const { devices, count } = await deps.devices.listDevices(scope, { ...paging(req, deps), ...(apikey === undefined ? {} : { apikey }) });
    if (count !== undefined) res.setHeader('NGSILD-Results-Count', String(count));
    sendPlain(res, 200, { count: count ?? devices.length, devices: devices.map((d) => renderDevice(d, scope.context)) });
  });
  r.all('/iot/devices', methodNotAllowed('GET, POST'));

  r.get('/iot/devices/:deviceId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    sendPlain(res, 200, renderDevice(await deps.devices.getDevice(scope, param(req, 'deviceId')), scope.context));
  });
  r.put('/iot/devices/:deviceId', async (req, res) => {
    checkParams(req.query as Query, NO_PARAMS);
    const body = readJsonBody(req);
    const scope = await scopeFromBody(req, deps.contexts, body);
    await deps.devices.updateDevice(scope, param(req, 'deviceId'), withoutContext(body));
    sendNoContent(res);
  });
  r.delete('/iot/devices/:deviceId', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, DELETE_DEVICE_PARAMS);
    const scope = await scopeFromLink(req, deps.contexts);
    await deps.devices.deleteDevice(scope, param(req, 'deviceId'), twinOnDelete(query));
    sendNoContent(res);
  });
  r.all('/iot/devices/:deviceId', methodNotAllowed('GET, PUT, DELETE'));

  return r;
}
