/**
 * Downloads a remote @context document with the limits a broker needs against slow or hostile
 * servers: one deadline for the whole exchange (headers and body) and a byte cap enforced
 * while streaming, so an oversized body is cut off rather than buffered.
 * Every failure is LdContextNotAvailable (clause 6.3.2: 504) with the URL and the reason.
 */
import { NgsiError } from '../errors';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
}

export type ContextDocument = { '@context': unknown } & Record<string, unknown>;

function unavailable(url: string, reason: string): NgsiError {
  return new NgsiError('LdContextNotAvailable', `Could not load @context ${url}: ${reason}`);
}

export async function fetchContextDocument(url: string, limits: FetchLimits): Promise<ContextDocument> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw unavailable(url, 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw unavailable(url, `cannot dereference a ${parsed.protocol} URL (only http and https)`);
  }

  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, limits.timeoutMs);
  let text: string;
  try {
    const response = await fetch(url, {
      signal: abort.signal,
      headers: { accept: 'application/ld+json, application/json;q=0.9, */*;q=0.1' },
      redirect: 'follow',
    });
    if (!response.ok) {
      abort.abort(); // drop the body
      throw unavailable(url, `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      abort.abort();
      throw unavailable(url, `document is ${declared} bytes, more than the limit of ${limits.maxBytes}`);
    }
    text = await readCapped(response, url, limits.maxBytes, abort);
  } catch (err) {
    if (err instanceof NgsiError) throw err;
    if (timedOut) throw unavailable(url, `no complete answer within ${limits.timeoutMs} ms`);
    throw unavailable(url, describeNetworkError(err));
  } finally {
    clearTimeout(timer);
  }

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw unavailable(url, `not valid JSON (${(err as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !('@context' in doc)) {
    throw unavailable(url, 'the document is not a JSON object with an "@context" member');
  }
  return doc as ContextDocument;
}

async function readCapped(response: Response, url: string, maxBytes: number, abort: AbortController): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      abort.abort();
      throw unavailable(url, `document exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** undici reports DNS/connection failures as "fetch failed" with the useful part in `cause`. */
function describeNetworkError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return (err as Error)?.message ?? String(err);
}
