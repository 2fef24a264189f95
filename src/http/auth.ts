/**
 * Bearer-token authentication of /ngsi-ld/v1 (RFC 6750): turns `Authorization: Bearer <jwt>`
 * into the principal the broker sees. It only names the caller; what the caller may do is
 * decided in broker/ (access.ts) for every door (ARCHITECTURE.md, "Security is not a layer
 * on top"). Installed only when auth is on; with --auth=false the principal stays undefined
 * and the AccessGuard without a policy allows everything.
 *
 * Answers:
 *   no Authorization header         401, `WWW-Authenticate: Bearer realm="weft"` (clause 3.1:
 *                                   no error code when the request carried no credentials)
 *   bad header or refused token     401, `... error="invalid_token", error_description="..."`
 *   key source unreachable          503 with Retry-After: not the client's fault, so it
 *                                   should retry rather than throw its token away
 * The token is never logged, echoed or put in an error: whoever reads logs or bodies must
 * not be able to replay it.
 */
import type { Socket } from 'node:net';
import type { Principal } from '../broker/scope';
import { NgsiError, toProblem } from '../ngsi/errors';
import type { Logger } from '../ops/logger';
import { isAuthError, type Authenticator, type AuthError } from '../security/jwt';
import { sendProblem } from './problem';
import type { Request, Response } from './router';

export const REALM = 'weft';

/** Seconds a client is asked to wait when the signing keys cannot be consulted. */
const KEYS_RETRY_AFTER_SEC = 5;

/** RFC 7235 clause 2.1: token68 after the scheme; the scheme is case-insensitive. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** The verified caller of each request, set by the middleware; read by request.ts. */
const principals = new WeakMap<Request, Principal>();

/** The verified caller of `req`; undefined when auth is off (or before the middleware ran). */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

/**
 * Checks a request's bearer token: true (or a promise of it) when it may go on (its
 * principal is then set), false when this already answered it (401, 503). Rejects only on a
 * bug. Synchronous when the connection's last request carried the same header (below).
 */
export type Authenticate = (req: Request, res: Response) => boolean | Promise<boolean>;

/**
 * How long a connection may reuse the principal its last Authorization header proved, for
 * requests with that very header: a client sends the same token request after request, and
 * then the SHA-256 of the token and the cache lookup (~8% of a point read's CPU) are done
 * once per connection per second instead of per request. It adds at most this much to the
 * verifier's own cache time (60 s) and to the clock tolerance on exp (30 s).
 */
const CONNECTION_MEMO_MS = 1000;

interface ConnectionMemo {
  header: string;
  principal: Principal;
  until: number;
}

export function authenticate(authenticator: Authenticator, log: Logger): Authenticate {
  const lastOnConnection = new WeakMap<Socket, ConnectionMemo>();
  return (req, res) => {
    const header = req.headers.authorization;
    if (header === undefined) {
      challenge(res, undefined);
      sendProblem(res, new NgsiError('Unauthorized', 'A bearer token is required (Authorization: Bearer <token>)'));
      return false;
    }
    // req.headers keeps only the first of repeated Authorization headers, and a request
    // carrying two credentials is refused rather than half-read.
    if (authorizationHeaders(req.rawHeaders) !== 1) {
      refuse(res, 'the Authorization header must be "Bearer <token>", given once');
      return false;
    }
    const memo = lastOnConnection.get(req.socket);
    if (memo !== undefined && memo.header === header && Date.now() < memo.until) {
      principals.set(req, memo.principal);
      return true;
    }
    const m = BEARER.exec(header);
    if (m === null) {
      refuse(res, 'the Authorization header must be "Bearer <token>", given once');
      return false;
    }
    return verified(m[1], header, req, res);
  };

  async function verified(token: string, header: string, req: Request, res: Response): Promise<boolean> {
    try {
      const principal = await authenticator(token);
      principals.set(req, principal);
      lastOnConnection.set(req.socket, { header, principal, until: Date.now() + CONNECTION_MEMO_MS });
      return true;
    } catch (err) {
      if (!isAuthError(err)) throw err;
      if (err.reason === 'keys_unavailable') unavailable(res, err, log);
      else {
        log.debug({ reason: err.reason, detail: err.detail, method: req.method, url: req.url }, 'bearer token refused');
        refuse(res, err.message);
      }
      return false;
    }
  }
}

/** How many Authorization headers the request carried (rawHeaders: name, value, name, ...). */
function authorizationHeaders(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') n++;
  return n;
}

/** RFC 6750 clause 3: the challenge; with an error code when a token was presented. */
function challenge(res: Response, description: string | undefined): void {
  const params = description === undefined ? '' : `, error="invalid_token", error_description="${quoted(description)}"`;
  res.setHeader('WWW-Authenticate', `Bearer realm="${REALM}"${params}`);
}

function refuse(res: Response, description: string): void {
  challenge(res, description);
  sendProblem(res, new NgsiError('Unauthorized', description));
}

/**
 * 503, written here because the error catalogue has no "service unavailable" type yet:
 * an InternalError ProblemDetails with the status the situation calls for.
 */
function unavailable(res: Response, err: AuthError, log: Logger): void {
  log.error({ reason: err.reason, detail: err.detail }, 'token signing keys unavailable: requests are refused with 503');
  const text = JSON.stringify({ ...toProblem(new NgsiError('InternalError', err.message)), status: 503 });
  res.statusCode = 503;
  res.setHeader('Retry-After', String(KEYS_RETRY_AFTER_SEC));
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** error_description is a quoted-string of printable ASCII without `"` and `\` (RFC 6750 clause 3). */
function quoted(text: string): string {
  return text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'");
}
