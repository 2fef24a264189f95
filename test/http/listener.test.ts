import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import supertest from 'supertest';
import type { Authenticate } from '../../src/http/auth';
import { createListener } from '../../src/http/listener';
import { sendPlain } from '../../src/http/respond';
import { NgsiError } from '../../src/ngsi/errors';
import { methodNotAllowed, param, type Request, type Response, Routes } from '../../src/http/router';

const PROBLEM = 'https://uri.etsi.org/ngsi-ld/errors/';
/** Problem types NGSI-LD does not define (ngsi/errors.ts). */
const WEFT_PROBLEM = 'urn:weft:errors:';

/** Routes that echo what the listener gave them. */
function echoRoutes(): Routes {
  const r = new Routes();
  r.get('/things/:id', (req, res) => sendPlain(res, 200, { id: param(req, 'id'), query: { ...req.query } }));
  const echoBody = (req: Request, res: Response): void => sendPlain(res, 200, { body: req.body === undefined ? null : req.body.toString('utf8') });
  r.post('/things', echoBody);
  r.get('/body', echoBody);
  r.all('/things', methodNotAllowed('POST'));
  r.get('/fails/ngsi', () => {
    throw new NgsiError('BadRequestData', 'bad input');
  });
  r.get('/fails/async', async () => {
    throw new Error('a bug');
  });
  return r;
}

describe('http: the request listener (routing, authentication, bodies, errors)', () => {
  const lines: string[] = [];
  const log = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
  const calls: string[] = [];
  /** Token "ok" passes; any other is refused with 401 (what http/auth.ts answers). */
  const auth: Authenticate = async (req, res) => {
    calls.push(`${req.method} ${req.url}`);
    if (req.headers.authorization === 'Bearer ok') return true;
    sendPlain(res, 401, { refused: true });
    return false;
  };
  const app = createListener(
    [
      { prefix: '/api', guarded: true, routes: [echoRoutes()], open: (req) => req.params.id === 'public' },
      { prefix: '', guarded: false, routes: [new Routes().get('/health', (_req, res) => sendPlain(res, 200, { ok: true }))] },
    ],
    { authenticate: auth, maxBodyBytes: 100, log },
  );
  const ok = { Authorization: 'Bearer ok' };

  beforeEach(() => {
    lines.length = 0;
    calls.length = 0;
  });

  it('routes with decoded path parameters and parses the query (a repeated name: an array)', async () => {
    const res = await supertest(app).get('/api/things/urn%3Angsi-ld%3AT%3A%C3%A9?a=1&b=x&b=y').set(ok);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { id: 'urn:ngsi-ld:T:é', query: { a: '1', b: ['x', 'y'] } });
  });

  it('takes a percent-encoded slash as part of the parameter', async () => {
    const res = await supertest(app).get('/api/things/http%3A%2F%2Fexample.org%2Fx').set(ok);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, 'http://example.org/x');
  });

  it('takes parameters longer than 100 characters (long entity URIs)', async () => {
    const id = `urn:ngsi-ld:T:${'x'.repeat(2000)}`;
    const res = await supertest(app).get(`/api/things/${id}`).set(ok);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, id);
  });

  it('ignores a trailing slash', async () => {
    const res = await supertest(app).get('/api/things/a/').set(ok);
    assert.equal(res.status, 200);
    assert.equal(res.body.id, 'a');
  });

  it('answers HEAD like GET, without a body', async () => {
    const res = await supertest(app).head('/api/things/a').set(ok);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.text, undefined);
  });

  it('gives the ALL route every method the path does not serve (405 with Allow)', async () => {
    for (const method of ['get', 'put', 'delete', 'patch'] as const) {
      const res = await supertest(app)[method]('/api/things').set(ok);
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.allow, 'POST');
      assert.equal(res.body.type, `${WEFT_PROBLEM}MethodNotAllowed`);
    }
  });

  it('answers 404 ResourceNotFound for an unknown path, after authentication under a guarded prefix', async () => {
    const anonymous = await supertest(app).get('/api/nothing');
    assert.equal(anonymous.status, 401, 'no path probing without a token');
    const res = await supertest(app).get('/api/nothing').set(ok);
    assert.equal(res.status, 404);
    assert.equal(res.body.type, `${PROBLEM}ResourceNotFound`);
    const outside = await supertest(app).get('/elsewhere');
    assert.equal(outside.status, 404);
    assert.deepEqual(calls, ['GET /api/nothing', 'GET /api/nothing'], 'paths outside the guarded prefix are not authenticated');
  });

  it('routes and authenticates an absolute-form target (GET http://host/path) as its path', async () => {
    const server = createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const raw = (target: string, headers = ''): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}Connection: close\r\n\r\n`));
        let text = '';
        s.on('data', (c: Buffer) => (text += c.toString('utf8')));
        s.on('end', () => resolve(text));
        s.on('error', reject);
      });
    try {
      const anonymous = await raw(`http://127.0.0.1:${port}/api/things/a`);
      assert.match(anonymous, /^HTTP\/1\.1 401 /);
      const withToken = await raw(`http://127.0.0.1:${port}/api/things/a?x=1`, 'Authorization: Bearer ok\r\n');
      assert.match(withToken, /^HTTP\/1\.1 200 /);
      assert.match(withToken, /"id":"a","query":\{"x":"1"\}/);
      assert.deepEqual(calls, [`GET http://127.0.0.1:${port}/api/things/a`, `GET http://127.0.0.1:${port}/api/things/a?x=1`]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('authenticates every spelling of a guarded route: case, percent-encoding, trailing slash', async () => {
    for (const spelling of ['/API/things/a', '/api/THINGS/a', '/%61pi/things/a', '/api/%74hings/a', '/api/things/a/']) {
      const res = await supertest(app).get(spelling);
      assert.equal(res.status, 401, spelling);
    }
    assert.equal(calls.length, 5);
  });

  it('answers 400 for a path that is not valid percent-encoding', async () => {
    const res = await supertest(app).get('/api/things/%E0%A4%A').set(ok);
    assert.equal(res.status, 400);
    assert.equal(res.body.type, `${PROBLEM}InvalidRequest`);
  });

  it('lets through what `open` allows, and only that, without a token', async () => {
    const open = await supertest(app).get('/api/things/public');
    assert.equal(open.status, 200);
    const closed = await supertest(app).get('/api/things/private');
    assert.equal(closed.status, 401);
    assert.deepEqual(calls, ['GET /api/things/private']);
  });

  it('authenticates before it reads the body', async () => {
    const res = await supertest(app).post('/api/things').set('Content-Type', 'application/json').send('x'.repeat(1000));
    assert.equal(res.status, 401, 'an anonymous oversized body is refused for the token, not read');
  });

  it('hands the raw body to the route; none when the request announces none', async () => {
    const withBody = await supertest(app).post('/api/things').set(ok).set('Content-Type', 'application/json').send('{"a":1}');
    assert.deepEqual(withBody.body, { body: '{"a":1}' });
    const empty = await supertest(app).post('/api/things').set(ok);
    assert.deepEqual(empty.body, { body: '' }, 'Content-Length: 0');
    const without = await supertest(app).get('/api/body').set(ok);
    assert.deepEqual(without.body, { body: null });
  });

  it('answers 413 PayloadTooLarge beyond the limit', async () => {
    const res = await supertest(app).post('/api/things').set(ok).set('Content-Type', 'application/json').send(`"${'x'.repeat(200)}"`);
    assert.equal(res.status, 413);
    assert.equal(res.body.type, `${WEFT_PROBLEM}PayloadTooLarge`);
    assert.match(res.body.detail, /100 bytes/);
  });

  it('answers 415 for a compressed body', async () => {
    const res = await supertest(app).post('/api/things').set(ok).set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{}');
    assert.equal(res.status, 415);
    assert.equal(res.body.type, `${WEFT_PROBLEM}UnsupportedMediaType`);
    assert.match(res.body.detail, /gzip/);
  });

  it('turns a thrown NgsiError into its ProblemDetails, and logs nothing', async () => {
    const res = await supertest(app).get('/api/fails/ngsi').set(ok);
    assert.equal(res.status, 400);
    assert.equal(res.body.type, `${PROBLEM}BadRequestData`);
    assert.equal(res.body.detail, 'bad input');
    assert.deepEqual(lines, []);
  });

  it('answers 500 InternalError for a bug, without its message, and logs it with the request', async () => {
    const res = await supertest(app).get('/api/fails/async').set(ok);
    assert.equal(res.status, 500);
    assert.equal(res.body.type, `${PROBLEM}InternalError`);
    assert.doesNotMatch(JSON.stringify(res.body), /a bug/);
    assert.equal(lines.length, 1);
    assert.match(lines[0], /a bug/);
    assert.match(lines[0], /\/api\/fails\/async/);
  });

  it('serves unguarded mounts without a token', async () => {
    const res = await supertest(app).get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(calls, []);
  });

  it('refuses to mount the same method and path twice', () => {
    const r = new Routes().get('/x', () => undefined).get('/x', () => undefined);
    assert.throws(() => createListener([{ prefix: '', guarded: false, routes: [r] }], { authenticate: undefined, maxBodyBytes: 1, log }), /GET \/x declared twice/);
  });
});
