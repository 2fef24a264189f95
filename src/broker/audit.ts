/**
 * Reading the audit log (issue 4: "queryable at an admin endpoint"): who may, and what a
 * valid question is. The log itself is an adapter (security/audit) that the composition
 * root hands in as an AuditReader: broker/ names the port, the adapter implements it, so
 * dependencies keep pointing inwards.
 *
 * Reading is the `admin` action on the `audit` resource, checked in the request's tenant
 * (NGSILD-Tenant, default tenant when absent). The log spans every tenant; which tenant's
 * events are listed is the `tenant` filter, not the request's tenant: an auditor granted
 * in the default tenant (policy/default.yaml: every tenant) reads the whole log.
 */
import { NgsiError } from '../ngsi/errors';
import { isDateTime } from '../ngsi/parse/datetime';
import { instantMs } from '../ngsi/query/temporal';
import type { AccessGuard, AuditEvent } from './access';
import type { RequestScope } from './scope';

/** The question as the client asked it: every member optional, times as ISO 8601 text. */
export interface AuditFilter {
  /** Events at or after this instant. */
  since?: string;
  /** Events strictly before this instant (since/until are a half-open window). */
  until?: string;
  subject?: string;
  /** The tenant the events happened in ('' = the default tenant). */
  tenant?: string;
  action?: string;
  outcome?: string;
  target?: string;
}

/** The validated question a reader answers: exact matches, times as epoch milliseconds. */
export interface AuditCriteria {
  sinceMs?: number;
  untilMs?: number;
  subject?: string;
  tenant?: string;
  action?: string;
  outcome?: AuditEvent['outcome'];
  target?: string;
}

export interface AuditPage {
  limit: number;
  offset: number;
  /** Also count every match (NGSILD-Results-Count). */
  count: boolean;
}

export interface AuditQueryResult {
  /** Newest first. */
  events: AuditEvent[];
  count?: number;
}

/**
 * The port: what the audit log adapter offers readers. An answer includes every event
 * recorded before the call (the adapter flushes what it still buffers first), so a denial
 * is visible as soon as the denied request has been answered.
 */
export interface AuditReader {
  query(criteria: AuditCriteria, page: AuditPage): Promise<AuditQueryResult>;
}

/** Events per page when the client gives no limit (capped by --max-limit). */
export const AUDIT_DEFAULT_LIMIT = 100;

/** A page as the client asked for it: without limit, AUDIT_DEFAULT_LIMIT. */
export type AuditPageRequest = Omit<AuditPage, 'limit'> & { limit?: number };

export interface AuditServiceDeps {
  access: AccessGuard;
  limits: { maxLimit: number };
}

const OUTCOMES: ReadonlySet<string> = new Set(['allowed', 'denied']);

export class AuditService {
  constructor(
    private readonly deps: AuditServiceDeps,
    private readonly reader: AuditReader,
  ) {}

  async query(scope: RequestScope, filter: AuditFilter, request: AuditPageRequest): Promise<AuditQueryResult> {
    // Authorization first: a caller without the right learns nothing, not even that a
    // filter is malformed.
    this.deps.access.resource(scope, 'admin', 'audit');
    const criteria = toCriteria(filter);
    const maxLimit = this.deps.limits.maxLimit;
    const page: AuditPage = { limit: request.limit ?? Math.min(AUDIT_DEFAULT_LIMIT, maxLimit), offset: request.offset, count: request.count };
    checkPage(page, maxLimit);
    return this.reader.query(criteria, page);
  }
}

/** Validates a client's filter; BadRequestData names the member at fault. */
export function toCriteria(filter: AuditFilter): AuditCriteria {
  const out: AuditCriteria = {};
  if (filter.since !== undefined) out.sinceMs = instant('since', filter.since);
  if (filter.until !== undefined) out.untilMs = instant('until', filter.until);
  if (out.sinceMs !== undefined && out.untilMs !== undefined && out.sinceMs >= out.untilMs) {
    throw new NgsiError('BadRequestData', "'since' must be before 'until'");
  }
  if (filter.outcome !== undefined) {
    if (!OUTCOMES.has(filter.outcome)) throw new NgsiError('BadRequestData', "'outcome' must be allowed or denied");
    out.outcome = filter.outcome as AuditEvent['outcome'];
  }
  // '' is a real value only for tenant (the default tenant); elsewhere it matches nothing
  // and is most likely a client bug, so it is refused rather than answered with [].
  for (const key of ['subject', 'action', 'target'] as const) {
    const v = filter[key];
    if (v === undefined) continue;
    if (v === '') throw new NgsiError('BadRequestData', `'${key}' must not be empty`);
    out[key] = v;
  }
  if (filter.tenant !== undefined) out.tenant = filter.tenant;
  return out;
}

function instant(name: string, text: string): number {
  const ms = isDateTime(text) ? instantMs(text) : NaN;
  if (Number.isNaN(ms)) throw new NgsiError('BadRequestData', `'${name}' must be an ISO 8601 date-time, e.g. 2024-05-01T12:00:00Z`);
  return ms;
}

function checkPage(page: AuditPage, maxLimit: number): void {
  if (!Number.isSafeInteger(page.limit) || page.limit < 0 || !Number.isSafeInteger(page.offset) || page.offset < 0) {
    throw new NgsiError('BadRequestData', 'limit and offset must be non-negative integers');
  }
  // Clause 6.3.10, as for every other paged query of Weft (config: --max-limit).
  if (page.limit > maxLimit) throw new NgsiError('TooManyResults', `limit ${page.limit} exceeds the maximum of ${maxLimit}`);
  if (page.limit === 0 && !page.count) throw new NgsiError('BadRequestData', 'limit=0 is only allowed together with count=true');
}
