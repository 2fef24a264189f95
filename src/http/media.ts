/**
 * Content negotiation (clause 6.3.4 - 6.3.6). Response Content-Type is exactly one of the
 * three NGSI-LD media types, without parameters: clients compare it literally.
 */
import { NgsiError } from '../ngsi/errors';

export const JSON_TYPE = 'application/json';
export const JSON_LD = 'application/ld+json';
export const GEO_JSON = 'application/geo+json';
export const MERGE_PATCH = 'application/merge-patch+json';

export type ResponseType = typeof JSON_TYPE | typeof JSON_LD | typeof GEO_JSON;

interface Range {
  type: string;
  q: number;
}

function parseAccept(header: string): Range[] {
  const ranges: Range[] = [];
  for (const part of header.split(',')) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (!type) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k.trim() === 'q') q = Number(v);
    }
    if (!Number.isNaN(q)) ranges.push({ type, q });
  }
  return ranges;
}

function rangeMatches(range: string, type: string): boolean {
  if (range === '*/*' || range === type) return true;
  return range === 'application/*';
}

// Accept headers repeat endlessly between requests of one client: remember the answers.
const acceptCache = new Map<string, ResponseType | null>();
const ACCEPT_CACHE_MAX = 256;

/**
 * The response type for an Accept header. `geo` says whether the operation can answer
 * GeoJSON (entity retrieval and query only). No acceptable type: 406 (clause 6.3.4).
 */
export function negotiate(accept: string | undefined, geo: boolean): ResponseType {
  if (!accept) return JSON_TYPE;
  const key = geo ? `g${accept}` : accept;
  let chosen = acceptCache.get(key);
  if (chosen === undefined) {
    chosen = choose(accept, geo);
    if (acceptCache.size >= ACCEPT_CACHE_MAX) acceptCache.clear();
    acceptCache.set(key, chosen);
  }
  if (chosen === null) {
    throw new NgsiError('NotAcceptable', `None of the accepted media types (${accept}) is served here; use ${JSON_TYPE} or ${JSON_LD}${geo ? ` or ${GEO_JSON}` : ''}`);
  }
  return chosen;
}

function choose(accept: string, geo: boolean): ResponseType | null {
  const offered: ResponseType[] = geo ? [JSON_TYPE, JSON_LD, GEO_JSON] : [JSON_TYPE, JSON_LD];
  let best: ResponseType | null = null;
  let bestQ = 0;
  let bestSpecific = -1;
  for (const r of parseAccept(accept)) {
    if (r.q <= 0) continue;
    for (const t of offered) {
      if (!rangeMatches(r.type, t)) continue;
      const specific = r.type === t ? 2 : r.type === 'application/*' ? 1 : 0;
      if (r.q > bestQ || (r.q === bestQ && specific > bestSpecific)) {
        best = t;
        bestQ = r.q;
        bestSpecific = specific;
      }
      if (specific < 2) break; // a wildcard picks the first offered type (application/json)
    }
  }
  return best;
}

/** The bare media type of a Content-Type header (lower case, no parameters). */
export function mediaTypeOf(contentType: string | undefined): string {
  if (!contentType) return '';
  const i = contentType.indexOf(';');
  return (i < 0 ? contentType : contentType.slice(0, i)).trim().toLowerCase();
}

/** Clause 6.3.4: bodies are application/json or application/ld+json (PATCH also merge-patch+json). */
export function assertBodyType(contentType: string | undefined, allowMergePatch: boolean): string {
  const type = mediaTypeOf(contentType);
  if (type === JSON_TYPE || type === JSON_LD || (allowMergePatch && type === MERGE_PATCH)) return type;
  throw new NgsiError(
    'UnsupportedMediaType',
    `Content-Type '${contentType ?? ''}' is not supported; use ${JSON_TYPE} or ${JSON_LD}${allowMergePatch ? ` or ${MERGE_PATCH}` : ''}`,
  );
}
