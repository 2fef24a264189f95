/**
 * Delivers notifications to http: and https: endpoints (GS CIM 009 v1.8.1 clause 5.3.1, HTTP
 * binding of notifications: a POST of the Notification to the endpoint URI).
 *
 * node:http with keep-alive Agents rather than fetch: undici's fetch costs measurably more
 * per request on Node 20, and a subscription typically notifies the same receiver over and
 * over, so reusing its connection is most of the saving.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { OutgoingNotification, Sender } from './types';

/** Kept from a non-2xx answer's body for the error message (and so the log). */
const MAX_SOCKETS_PER_RECEIVER = 32;
const MAX_ERROR_BODY_CHARS = 200;

/** Headers Weft sets itself; a receiverInfo entry of the same name does not replace them. */
const RESERVED = new Set(['content-type', 'content-length', 'link', 'ngsild-tenant', 'host', 'transfer-encoding', 'connection']);

export class HttpSender implements Sender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor() {
    // At most this many connections per receiver: 1,000 subscriptions to one receiver
    // otherwise open 1,000 sockets at once on the first burst (seen as a 2 s stall).
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_RECEIVER });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_RECEIVER });
  }

  send(n: OutgoingNotification, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let req: http.ClientRequest | undefined = undefined;
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      // One time-out for the whole exchange (connect, send, answer): a receiver that
      // accepts the connection and never answers must not hold its queue forever.
      const timer = setTimeout(() => {
        const err = new Error(`no answer within ${timeoutMs} ms`);
        finish(err);
        req?.destroy(err);
      }, timeoutMs);
      try {
        const url = new URL(n.endpoint.uri);
        const secure = url.protocol === 'https:';
        if (!secure && url.protocol !== 'http:') throw new Error(`not an http(s) endpoint: ${n.endpoint.uri}`);
        // A string body, not a Buffer: node then sends headers and body in one write (one
        // syscall instead of two; on loopback the syscalls were the largest cost measured).
        const body = JSON.stringify(n.body);
        const options: http.RequestOptions = {
          method: 'POST',
          agent: secure ? this.httpsAgent : this.httpAgent,
          headers: notificationHeaders(n, Buffer.byteLength(body)),
        };
        const post = (retryStale: boolean): void => {
          const r = (secure ? https : http).request(url, options);
          req = r;
          r.on('response', (res) => {
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            let text = '';
            res.setEncoding('utf8');
            // Read the body to its end even when it is not wanted: only a drained response
            // gives its socket back to the Agent for the next notification.
            res.on('data', (chunk: string) => {
              if (!ok && text.length < MAX_ERROR_BODY_CHARS) text += chunk;
            });
            res.on('end', () => finish(ok ? undefined : new Error(`receiver answered ${status}${text === '' ? '' : `: ${text.slice(0, MAX_ERROR_BODY_CHARS)}`}`)));
            res.on('error', (err) => finish(err));
          });
          r.on('error', (err: NodeJS.ErrnoException) => {
            // A kept-alive socket the receiver closed while idle (its keep-alive time-out)
            // fails as ECONNRESET before anything was received: once, try again on a new
            // connection instead of spending a whole back-off on it.
            if (retryStale && !settled && r.reusedSocket && err.code === 'ECONNRESET') post(false);
            else finish(err);
          });
          r.end(body);
        };
        post(true);
      } catch (err) {
        // An invalid URI, or a receiverInfo key or value that is no valid header.
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function notificationHeaders(n: OutgoingNotification, length: number): http.OutgoingHttpHeaders {
  // No prototype: a receiverInfo key '__proto__' must stay a plain header.
  const headers = Object.create(null) as http.OutgoingHttpHeaders;
  // Clause 5.2.15 receiverInfo: each key-value pair goes out as a header of the notification.
  for (const { key, value } of n.endpoint.receiverInfo ?? []) {
    if (!RESERVED.has(key.toLowerCase())) headers[key] = value;
  }
  headers['Content-Type'] = n.contentType;
  headers['Content-Length'] = length;
  // HTTP binding: an application/json body carries its @context in a Link header.
  if (n.link !== undefined) headers.Link = n.link;
  // HTTP binding: the tenant the subscription belongs to, absent for the default tenant.
  if (n.tenant !== '') headers['NGSILD-Tenant'] = n.tenant;
  return headers;
}
