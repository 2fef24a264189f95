/**
 * Delivers notifications to http: and https: endpoints (GS CIM 009 v1.8.1 clause 5.3.1, HTTP
 * binding of notifications: a POST of the Notification to the endpoint URI).
 *
 * undici's dispatcher (Agent.dispatch with a handler of our own) rather than node:http: a CPU
 * profile of the notification bench put node:http's client (ClientRequest construction,
 * Agent.addRequest, its listeners) at ~8% of the broker's CPU and ~9% of its allocations at
 * 1,000 notifications/s. A stand-alone micro-bench (20,000 notifications (285-byte body) to one
 * local node:http receiver in another process, 32 in flight, Node 20, 2 shared cores, 3 runs
 * each) measured the sending process at 132-155 µs CPU per notification with node:http and
 * 53-67 µs with undici 7, and 4,500-5,300 against 10,000-18,600 notifications/s (throughput
 * is noisy on the shared machine; CPU per notification less so). Not undici's request() or
 * fetch: they wrap each answer in a body stream or WHATWG Response that a notification, whose
 * answer is only a status, does not need. A subscription typically notifies the same receiver
 * over and over, so reusing its connection is most of the saving either way.
 */
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { SecureContext } from 'node:tls';
import type { OutgoingNotification, Sender } from './types';

/** At most this many connections per receiver origin. */
const MAX_SOCKETS_PER_RECEIVER = 32;
/** Kept from a non-2xx answer's body for the error message (and so the log). */
const MAX_ERROR_BODY_CHARS = 200;
/** Bytes of a non-2xx answer's body kept to decode those characters (at most 4 bytes each). */
const MAX_ERROR_BODY_BYTES = 4 * MAX_ERROR_BODY_CHARS;

/**
 * Headers Weft sets itself (or the HTTP client does); a receiverInfo entry of the same name
 * does not replace them. keep-alive, upgrade and expect too: undici refuses a request with
 * one of those, and a receiverInfo entry must not make every notification fail.
 */
const RESERVED = new Set(['content-type', 'content-length', 'link', 'ngsild-tenant', 'host', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect']);

/** On a socket error: how many bytes the socket had read when it failed (see connect below). */
const BYTES_READ = Symbol('bytesRead');
/** On a socket: how many bytes it had read once connected (TLS handshake), see connect below. */
const CONNECTED_BYTES = Symbol('connectedBytes');

type SocketLike = NonNullable<Parameters<buildConnector.Callback>[1]> & { [CONNECTED_BYTES]?: number };

export interface HttpSenderOptions {
  /**
   * TLS context of https: connections (tls-trust.ts: the default CAs plus --notify-ca-file);
   * undefined: Node's default. Certificates are verified either way.
   */
  secureContext?: SecureContext;
}

export class HttpSender implements Sender {
  private readonly agent: Agent;

  constructor(options: HttpSenderOptions = {}) {
    const connector = buildConnector(options.secureContext === undefined ? {} : { secureContext: options.secureContext });
    this.agent = new Agent({
      // At most this many connections per receiver: 1,000 subscriptions to one receiver
      // otherwise open 1,000 sockets at once on the first burst (seen as a 2 s stall). One
      // Agent for http and https: it keeps a Pool per origin (scheme, host and port).
      connections: MAX_SOCKETS_PER_RECEIVER,
      // The connector undici would use, plus a mark on each socket error of how much the
      // socket had read: more than at connect time means an earlier answer came over it,
      // i.e. it is a kept-alive socket being reused (undici does not tell a request's handler
      // that, and a raw ECONNRESET carries nothing about its socket).
      connect: (options, callback) =>
        connector(options, (err, socket) => {
          if (socket) {
            const s = socket as SocketLike;
            s[CONNECTED_BYTES] = s.bytesRead;
            s.prependListener('error', (e: unknown) => {
              if (e instanceof Error) (e as Error & { [BYTES_READ]?: number })[BYTES_READ] = s.bytesRead - (s[CONNECTED_BYTES] ?? 0);
            });
            callback(null, socket);
          } else callback(err ?? new Error('connection failed'), null);
        }),
    });
  }

  send(n: OutgoingNotification, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      let exchange: Exchange | undefined = undefined;
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
        exchange?.abort(err);
      }, timeoutMs);
      try {
        const url = new URL(n.endpoint.uri);
        if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`not an http(s) endpoint: ${n.endpoint.uri}`);
        const options: Dispatcher.DispatchOptions = {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: notificationHeaders(n, url),
          // A string: undici makes it one Buffer and writes headers and body corked (one syscall).
          body: JSON.stringify(n.body),
        };
        const post = (retryStale: boolean): void => {
          exchange = new Exchange((err) => {
            // A kept-alive socket the receiver closed while idle (its keep-alive time-out) fails
            // before anything of this answer was received: undici retries that by itself only
            // for idempotent requests, not for a POST. Once, try again (on another or a new
            // connection) instead of spending a whole back-off on it. Not when the connection
            // was new: then the receiver itself cut it (and has possibly seen the notification).
            if (retryStale && !settled && err !== undefined && isStaleSocket(err)) post(false);
            else finish(err);
          });
          this.agent.dispatch(options, exchange);
        };
        post(true);
      } catch (err) {
        // An invalid URI. (An invalid receiverInfo header name or value fails in dispatch,
        // which hands the error to the handler: it ends up in finish() as well.)
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  async close(): Promise<void> {
    await this.agent.destroy();
  }
}

/**
 * One request/answer exchange: undici's handler interface. The answer's body is always read
 * to its end (undici hands it over chunk by chunk; a non-2xx answer keeps its beginning for
 * the error), so the connection goes back to the pool for the next notification.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private abortedWith: Error | undefined = undefined;
  private status = 0;
  private chunks: Buffer[] | undefined = undefined;
  private kept = 0;
  /** Whether any of the answer arrived: after that, no retry. */
  answered = false;

  constructor(private readonly done: (err?: Error) => void) {}

  /** Aborts the request, also one still waiting for a connection (aborted once it gets one). */
  abort(err: Error): void {
    if (this.controller) this.controller.abort(err);
    else this.abortedWith = err;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, _headers: IncomingHttpHeaders): void {
    this.answered = true;
    this.status = statusCode;
    if (statusCode < 200 || statusCode >= 300) this.chunks = [];
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.chunks !== undefined && this.kept < MAX_ERROR_BODY_BYTES) {
      this.chunks.push(chunk);
      this.kept += chunk.length;
    }
  }

  onResponseEnd(): void {
    let err: Error | undefined = undefined;
    if (this.chunks !== undefined) {
      const text = Buffer.concat(this.chunks).toString('utf8').slice(0, MAX_ERROR_BODY_CHARS);
      err = new Error(`receiver answered ${this.status}${text === '' ? '' : `: ${text}`}`);
    }
    // Settle only after undici has given the connection back to its pool: it does that one
    // setImmediate after the answer ended (client-h1: "wait a full event loop cycle to reuse
    // this socket"), and a notification sent before that (the queue sends its next one as soon
    // as this one settles) would open a second connection to the receiver. The microtask runs
    // once undici's parser callback has returned, i.e. after undici queued its setImmediate.
    queueMicrotask(() => setImmediate(this.done, err));
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, err: Error): void {
    this.done(this.answered ? err : Object.assign(err, { [NO_ANSWER]: true }));
  }
}

/** On an error: it came before any of the answer. */
const NO_ANSWER = Symbol('noAnswer');

/**
 * A reset or a close of the connection (ECONNRESET, or undici's UND_ERR_SOCKET "other side
 * closed") before any answer, on a socket that had carried an earlier answer.
 */
function isStaleSocket(err: Error): boolean {
  const e = err as Error & { code?: string; [NO_ANSWER]?: boolean; [BYTES_READ]?: number };
  return e[NO_ANSWER] === true && (e.code === 'ECONNRESET' || e.code === 'UND_ERR_SOCKET') && (e[BYTES_READ] ?? 0) > 0;
}

function notificationHeaders(n: OutgoingNotification, url: URL): Record<string, string> {
  // No prototype: a receiverInfo key '__proto__' must stay a plain header.
  const headers = Object.create(null) as Record<string, string>;
  // Clause 5.2.15 receiverInfo: each key-value pair goes out as a header of the notification.
  for (const { key, value } of n.endpoint.receiverInfo ?? []) {
    if (!RESERVED.has(key.toLowerCase())) headers[key] = value;
  }
  // User information in the endpoint URI: basic authentication, unless receiverInfo has an
  // Authorization header (what node:http did).
  if ((url.username !== '' || url.password !== '') && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization')) {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
  }
  headers['Content-Type'] = n.contentType;
  // HTTP binding: an application/json body carries its @context in a Link header.
  if (n.link !== undefined) headers.Link = n.link;
  // HTTP binding: the tenant the subscription belongs to, absent for the default tenant.
  if (n.tenant !== '') headers['NGSILD-Tenant'] = n.tenant;
  return headers;
}
