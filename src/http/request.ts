/**
 * Turns an HTTP request into what the broker needs: the JSON body, its @context and the
 * RequestScope (clause 6.3.5 for where the @context comes from, 6.3.4 for media types).
 */
import { randomUUID } from 'node:crypto';
import type { Request } from './router';
import type { RequestScope } from '../broker/scope';
import { NgsiError } from '../ngsi/errors';
import type { CompiledContext, ContextSource } from '../ngsi/jsonld/context';
import type { ContextManager } from '../ngsi/jsonld/manager';
import { principalOf } from './auth';
import { contextUrlFromLink } from './link';
import { JSON_LD, assertBodyType } from './media';

const TENANT_HEADER = 'ngsild-tenant';
const TENANT_RE = /^[A-Za-z0-9_.\-]{1,64}$/;

export function tenantOf(req: Request): string {
  const t = req.headers[TENANT_HEADER];
  if (t === undefined || t === '') return '';
  if (Array.isArray(t) || !TENANT_RE.test(t)) {
    throw new NgsiError('BadRequestData', 'NGSILD-Tenant must be 1-64 characters of letters, digits, _ . or -');
  }
  return t;
}

/** Several Link headers are one comma-separated list (RFC 8288). */
export function linkOf(req: Request): string | undefined {
  const l = req.headers.link;
  return Array.isArray(l) ? l.join(', ') : l;
}

/** The principal is what http/auth.ts verified (undefined with auth off). */
function scopeWith(req: Request, context: CompiledContext): RequestScope {
  return { tenant: tenantOf(req), principal: principalOf(req), context, requestId: randomUUID() };
}

/**
 * Scope of a request whose terms do not matter (administrative checks): the core @context,
 * so no Link header is resolved (and no remote @context fetched) before authorization.
 */
export function scopeOf(req: Request, contexts: ContextManager): RequestScope {
  return scopeWith(req, contexts.core);
}

/** Scope of a request without a body: the @context comes from the Link header, if any. */
export async function scopeFromLink(req: Request, contexts: ContextManager): Promise<RequestScope> {
  const url = contextUrlFromLink(linkOf(req));
  const context = url === undefined ? contexts.core : await contexts.resolve(url);
  return scopeWith(req, context);
}

export interface JsonBody {
  doc: unknown;
  /** application/ld+json: each object carries its own @context (batch arrays: per element). */
  ldJson: boolean;
}

/** Parses the raw body (app.ts read it); malformed JSON is InvalidRequest. */
export function readJsonBody(req: Request, allowMergePatch = false): JsonBody {
  const type = assertBodyType(req.headers['content-type'], allowMergePatch);
  const raw: unknown = req.body;
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new NgsiError('InvalidRequest', 'The request has no body');
  let doc: unknown;
  try {
    doc = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new NgsiError('InvalidRequest', `The body is not valid JSON: ${(err as Error).message}`);
  }
  return { doc, ldJson: type === JSON_LD };
}

/**
 * Clause 6.3.5: with application/ld+json the @context is in the body and a Link header is
 * an error; with application/json it is in the Link header and an @context member is an error.
 */
export function contextSourceOf(doc: unknown, ldJson: boolean, linkHeader: string | undefined): ContextSource | undefined {
  const hasMember = typeof doc === 'object' && doc !== null && !Array.isArray(doc) && '@context' in doc;
  if (ldJson) {
    if (contextUrlFromLink(linkHeader) !== undefined) {
      throw new NgsiError('BadRequestData', 'With Content-Type application/ld+json the @context must be in the body, not in a Link header');
    }
    if (!hasMember) throw new NgsiError('BadRequestData', 'With Content-Type application/ld+json the body needs an @context member');
    return (doc as { '@context': ContextSource })['@context'];
  }
  if (hasMember) {
    throw new NgsiError('BadRequestData', 'With Content-Type application/json the @context must be given in a Link header, not in the body');
  }
  return contextUrlFromLink(linkHeader);
}

/** Scope of a request with a JSON object body. */
export async function scopeFromBody(req: Request, contexts: ContextManager, body: JsonBody): Promise<RequestScope> {
  const source = contextSourceOf(body.doc, body.ldJson, linkOf(req));
  const context = source === undefined ? contexts.core : await contexts.resolve(source);
  return scopeWith(req, context);
}

/** An attribute-level body (not an entity) with its @context member taken off. */
export function withoutContext(body: JsonBody): unknown {
  const doc = body.doc;
  if (!body.ldJson || typeof doc !== 'object' || doc === null || Array.isArray(doc)) return doc;
  const { ['@context']: _context, ...rest } = doc as Record<string, unknown>;
  return rest;
}
