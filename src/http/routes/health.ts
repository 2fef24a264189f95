/**
 * GET /health: liveness for load balancers, container probes and `curl` after `npm start`
 * (outside /ngsi-ld/v1: not an NGSI-LD resource). Answers only when the event loop is free
 * enough to serve requests, which is what a liveness probe needs to know.
 */
import { Routes } from '../router';
import { sendPlain } from '../respond';

const startedAt = new Date().toISOString();
const { version } = require('../../../package.json') as { version: string };

export function healthRoutes(): Routes {
  const r = new Routes();
  r.get('/health', (_req, res) => sendPlain(res, 200, { status: 'ok', service: 'weft', version, startedAt }));
  return r;
}
