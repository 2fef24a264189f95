/**
 * Writes NGSI-LD response bodies with the exact media type and the @context where the
 * spec puts it (clause 6.3.5): in the body for application/ld+json, in a Link header for
 * application/json and application/geo+json.
 */
import type { Response } from './router';
import type { CompiledContext } from '../ngsi/jsonld/context';
import { linkHeaderFor } from './link';
import { JSON_LD, type ResponseType } from './media';

function write(res: Response, status: number, type: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * An entity-like payload: an object, or an array of objects (each gets the @context in
 * ld+json, clause 6.3.5).
 */
export function sendLd(res: Response, status: number, body: object | object[], type: ResponseType, ctx: CompiledContext): void {
  if (type === JSON_LD) {
    const withContext = (o: object): object => ({ '@context': ctx.source, ...o });
    write(res, status, type, Array.isArray(body) ? body.map(withContext) : withContext(body));
    return;
  }
  if (ctx.linkUrl !== undefined) res.setHeader('Link', linkHeaderFor(ctx.linkUrl));
  write(res, status, type, body);
}

/** Plain JSON that carries no terms (e.g. a list of created ids, a BatchOperationResult). */
export function sendPlain(res: Response, status: number, body: unknown): void {
  write(res, status, 'application/json', body);
}

/** 201 with the Location of the new resource (under the API prefix), no body. */
export function sendCreated(res: Response, path: string, id: string): void {
  res.setHeader('Location', `/ngsi-ld/v1/${path}/${encodeURIComponent(id)}`);
  res.statusCode = 201;
  res.end();
}

export function sendNoContent(res: Response): void {
  res.statusCode = 204;
  res.end();
}
