/**
 * GET /weft/v1/audit (issue 4): the audit log, newest first. Weft's own admin API, not an
 * NGSI-LD resource, so it is mounted under /weft/v1 (server.ts) rather than /ngsi-ld/v1;
 * paging follows NGSI-LD anyway (limit, offset, count -> NGSILD-Results-Count).
 *
 * Two tenants, not to be confused:
 *   NGSILD-Tenant  where the caller's right is checked (`admin` on resource `audit`; the
 *                  default tenant when absent), as for every other request;
 *   ?tenant=       which tenant's events to list ('' = the default tenant's; absent: all).
 */
import { methodNotAllowed, Routes } from '../router';
import type { AuditFilter, AuditService } from '../../broker/audit';
import type { ContextManager } from '../../ngsi/jsonld/manager';
import { checkParams, str, type Query } from '../params/allowed';
import { parsePaging } from '../params/entityQuery';
import { scopeOf } from '../request';
import { sendPlain } from '../respond';

export interface AuditRouterDeps {
  audit: AuditService;
  contexts: ContextManager;
}

const FILTERS = ['since', 'until', 'subject', 'tenant', 'action', 'outcome', 'target'] as const;
const PARAMS: ReadonlySet<string> = new Set([...FILTERS, 'limit', 'offset', 'count']);

export function auditRoutes(deps: AuditRouterDeps): Routes {
  const r = new Routes();

  r.get('/audit', async (req, res) => {
    const query = req.query as Query;
    checkParams(query, PARAMS);
    // No terms in or out: the core @context, and no Link header resolved before the check.
    const scope = scopeOf(req, deps.contexts);
    // Without `limit` the service picks its default (AUDIT_DEFAULT_LIMIT, within --max-limit).
    const paging = parsePaging(query, { defaultLimit: 1 });
    const limit = str(query, 'limit') === undefined ? undefined : paging.limit;
    const filter: AuditFilter = {};
    for (const name of FILTERS) {
      const v = str(query, name);
      if (v !== undefined) filter[name] = v;
    }
    const result = await deps.audit.query(scope, filter, { limit, offset: paging.offset, count: paging.count });
    if (result.count !== undefined) res.setHeader('NGSILD-Results-Count', String(result.count));
    sendPlain(res, 200, result.events);
  });
  r.all('/audit', methodNotAllowed('GET'));

  return r;
}
