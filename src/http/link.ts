/**
 * The JSON-LD context Link header (clause 6.3.5; JSON-LD 1.1 section 6.2.4).
 */
import { NgsiError } from '../ngsi/errors';

export const CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';

// One client sends one Link header over and over: parse each distinct header once.
const cache = new Map<string, string | undefined>();
const CACHE_MAX = 256;

/** The @context URL of a Link header, or undefined when it names none. */
export function contextUrlFromLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  if (cache.has(header)) return cache.get(header);
  const url = parse(header);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(header, url);
  return url;
}

function parse(header: string): string | undefined {
  let found: string | undefined;
  // Links are separated by commas outside <...>; URLs may themselves contain commas.
  const re = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  let m: RegExpExecArray | null;
  let any = false;
  while ((m = re.exec(header)) !== null) {
    any = true;
    const params = m[2];
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(params);
    if (rel && rel[1].split(/\s+/).includes(CONTEXT_REL)) {
      if (found !== undefined) throw new NgsiError('BadRequestData', 'More than one JSON-LD @context Link header');
      found = m[1].trim();
    }
  }
  if (!any) throw new NgsiError('BadRequestData', `Malformed Link header: ${header}`);
  if (found !== undefined && !/^[a-z][a-z0-9+.-]*:/i.test(found)) {
    throw new NgsiError('BadRequestData', `The @context Link is not an absolute URL: ${found}`);
  }
  return found;
}

export function linkHeaderFor(url: string): string {
  return `<${url}>; rel="${CONTEXT_REL}"; type="application/ld+json"`;
}
