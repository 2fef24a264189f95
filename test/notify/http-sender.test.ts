import { strict as assert } from 'node:assert';
import { HttpSender } from '../../src/notify/http-sender';
import { assertPostedToAcme, notification } from './notification';
import { freePort, startTestReceiver, type TestReceiver } from '../helpers/receiver';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

describe('notify: HTTP sender (clause 5.3.1, HTTP binding)', () => {
  let receiver: TestReceiver;
  let sender: HttpSender;

  beforeEach(async () => {
    receiver = await startTestReceiver();
    sender = new HttpSender();
  });
  afterEach(async () => {
    await sender.close();
    await receiver.close();
  });

  it('POSTs the notification body with Content-Type, Link, tenant and receiverInfo headers', async () => {
    const n = notification(receiver.url, undefined, {
      tenant: 'acme',
      endpoint: { receiverInfo: [{ key: 'Authorization', value: 'Bearer abc' }, { key: 'X-Trace', value: '42' }] },
    });
    await sender.send(n, 1000);
    assertPostedToAcme(receiver.requests[0], n, {
      authorization: 'Bearer abc',
      'x-trace': '42',
      'content-length': String(Buffer.byteLength(JSON.stringify(n.body))),
    });
  });

  it('sends no Link header for application/ld+json and no NGSILD-Tenant for the default tenant', async () => {
    const n = notification(receiver.url, undefined, { contentType: 'application/ld+json', link: undefined });
    await sender.send(n, 1000);
    const [req] = receiver.requests;
    assert.equal(req!.headers['content-type'], 'application/ld+json');
    assert.equal(req!.headers.link, undefined);
    assert.equal(req!.headers['ngsild-tenant'], undefined);
  });

  it('does not let receiverInfo replace Content-Type or Content-Length', async () => {
    const n = notification(receiver.url, undefined, { endpoint: { receiverInfo: [{ key: 'content-type', value: 'text/plain' }, { key: 'Content-Length', value: '1' }] } });
    await sender.send(n, 1000);
    assert.equal(receiver.requests[0]!.headers['content-type'], 'application/json');
    assert.deepEqual(receiver.requests[0]!.body, n.body);
  });

  it('rejects a non-2xx answer with its status', async () => {
    receiver.answer({ status: 503, body: 'busy' });
    await assert.rejects(sender.send(notification(receiver.url), 1000), /503: busy/);
    receiver.answer({ status: 301 });
    await assert.rejects(sender.send(notification(receiver.url), 1000), /301/);
  });

  it('rejects when the receiver does not answer within the time-out', async () => {
    receiver.answer('hang');
    const started = Date.now();
    await assert.rejects(sender.send(notification(receiver.url), 100), /within 100 ms/);
    assert.ok(Date.now() - started < 1000);
  });

  it('rejects when nothing listens (connection refused)', async () => {
    const port = await freePort();
    await assert.rejects(sender.send(notification(`http://127.0.0.1:${port}/notify`), 1000), /ECONNREFUSED/);
  });

  it('rejects an endpoint that is not http(s) and a receiverInfo key that is no header name', async () => {
    await assert.rejects(sender.send(notification('ftp://127.0.0.1/x'), 1000), /not an http/);
    await assert.rejects(sender.send(notification(receiver.url, undefined, { endpoint: { receiverInfo: [{ key: 'bad key', value: 'x' }] } }), 1000));
    assert.equal(receiver.requests.length, 0);
  });

  it('reuses its keep-alive connection for consecutive notifications, also after a non-2xx answer', async () => {
    receiver.answer((n) => (n === 2 ? { status: 500, body: 'x'.repeat(10_000) } : { status: 200, body: '{"ok":true}' }));
    await sender.send(notification(receiver.url), 1000);
    await assert.rejects(sender.send(notification(receiver.url), 1000), /500/);
    await sender.send(notification(receiver.url), 1000);
    const ports = new Set(receiver.requests.map((r) => r.remotePort));
    assert.equal(receiver.requests.length, 3);
    assert.equal(ports.size, 1, 'one socket for all three requests');
  });

  it('tries once more on a new connection when a kept-alive socket turns out closed', async () => {
    receiver.answer((n) => (n === 2 ? 'reset' : { status: 204 }));
    await sender.send(notification(receiver.url), 1000);
    await sender.send(notification(receiver.url), 1000); // reset on the reused socket, then sent anew
    const [first, second, third] = receiver.requests;
    assert.equal(receiver.requests.length, 3);
    assert.equal(second!.remotePort, first!.remotePort);
    assert.notEqual(third!.remotePort, first!.remotePort);
  });

  it('tries once more also when a kept-alive socket is reset (RST: ECONNRESET), not when a new one is', async () => {
    const ports: number[] = [];
    let resetOn = 2;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        ports.push(req.socket.remotePort ?? 0);
        if (ports.length === resetOn) req.socket.resetAndDestroy();
        else res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    const fresh = new HttpSender();
    try {
      await sender.send(notification(url), 1000);
      await sender.send(notification(url), 1000);
      assert.equal(ports.length, 3);
      assert.equal(ports[1], ports[0]);
      assert.notEqual(ports[2], ports[0]);
      resetOn = 4;
      await assert.rejects(fresh.send(notification(url), 1000), /ECONNRESET/);
      assert.equal(ports.length, 4);
    } finally {
      await fresh.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('does not try again when a new connection is reset', async () => {
    receiver.answer('reset');
    // 'socket hang up' was node:http's message for this; undici's is 'other side closed' (UND_ERR_SOCKET).
    await assert.rejects(sender.send(notification(receiver.url), 1000), /ECONNRESET|socket hang up|other side closed/);
    assert.equal(receiver.requests.length, 1);
  });

  it('rejects a timed-out notification also while it waits for a connection, and frees its place', async () => {
    receiver.answer('hang');
    // 40 sends to a receiver that never answers: 32 connections, 8 waiting in the pool's queue.
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => sender.send(notification(receiver.url), 200)));
    assert.ok(results.every((r) => r.status === 'rejected' && /no answer within 200 ms/.test(String(r.reason))));
    // The aborted requests gave their connections back: the next one is answered.
    receiver.answer({ status: 204 });
    await sender.send(notification(receiver.url), 1000);
  });

  it('keeps the first 200 characters of a non-2xx body, and adds nothing when it is empty', async () => {
    receiver.answer({ status: 400, body: 'é'.repeat(300) });
    await assert.rejects(sender.send(notification(receiver.url), 1000), (err: Error) => err.message === `receiver answered 400: ${'é'.repeat(200)}`);
    receiver.answer({ status: 404 });
    await assert.rejects(sender.send(notification(receiver.url), 1000), (err: Error) => err.message === 'receiver answered 404');
  });

  it('rejects (does not throw) an invalid receiverInfo header value or URI', async () => {
    const bad = sender.send(notification(receiver.url, undefined, { endpoint: { receiverInfo: [{ key: 'X-Bad', value: 'a\r\nInjected: 1' }] } }), 1000);
    await assert.rejects(bad, Error);
    await assert.rejects(sender.send(notification('not a uri'), 1000), Error);
    assert.equal(receiver.requests.length, 0);
  });

  it("sends a receiverInfo key '__proto__' as a plain header and drops headers the client owns", async () => {
    const n = notification(receiver.url, undefined, {
      endpoint: { receiverInfo: [{ key: '__proto__', value: 'p' }, { key: 'Connection', value: 'close' }, { key: 'Expect', value: '100-continue' }, { key: 'Keep-Alive', value: 'timeout=1' }] },
    });
    // The test receiver's headers object drops a '__proto__' header: look at the raw ones.
    let raw: string[] = [];
    const server = createServer((req, res) => {
      raw = req.rawHeaders;
      req.resume();
      req.on('end', () => res.end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await sender.send({ ...n, endpoint: { ...n.endpoint, uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify` } }, 1000);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    const headers = new Map<string, string>();
    for (let i = 0; i < raw.length; i += 2) headers.set(raw[i]!.toLowerCase(), raw[i + 1]!);
    assert.equal(headers.get('__proto__'), 'p');
    assert.equal(headers.get('expect'), undefined);
    assert.equal(headers.get('keep-alive'), undefined);
    assert.equal(headers.get('connection'), 'keep-alive');
  });

  it('sends the user information of the endpoint URI as basic authentication', async () => {
    const url = new URL(receiver.url);
    url.username = 'weft';
    url.password = 's3cr%20t';
    await sender.send(notification(url.href), 1000);
    assert.equal(receiver.requests[0]!.headers.authorization, `Basic ${Buffer.from('weft:s3cr t').toString('base64')}`);
  });

  it('opens at most 32 connections to one receiver, however many notifications are in flight', async () => {
    const sockets = new Set<number>();
    receiver.answer({ status: 204, delayMs: 100 });
    await Promise.all(Array.from({ length: 100 }, () => sender.send(notification(receiver.url), 5000)));
    for (const r of receiver.requests) sockets.add(r.remotePort);
    assert.equal(receiver.requests.length, 100);
    assert.ok(sockets.size <= 32, `${sockets.size} sockets`);
    assert.ok(receiver.maxConcurrent <= 32, `${receiver.maxConcurrent} at once`);
  });

  describe('a receiver that closes idle keep-alive connections (without a Keep-Alive hint)', () => {
    let server: Server;
    let url: string;
    let count = 0;
    const ports: number[] = [];

    beforeEach(async () => {
      count = 0;
      ports.length = 0;
      // node:http's own keep-alive time-out sends a Keep-Alive: timeout hint undici would
      // follow; this receiver gives none and closes a connection idle for 50 ms itself.
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          count++;
          ports.push(req.socket.remotePort ?? 0);
          res.end();
          const socket: Socket = req.socket;
          clearTimeout((socket as Socket & { idle?: NodeJS.Timeout }).idle);
          (socket as Socket & { idle?: NodeJS.Timeout }).idle = setTimeout(() => socket.destroy(), 50);
        });
      });
      server.keepAliveTimeout = 0;
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('gets the next notification on the first try, on a new connection', async () => {
      await sender.send(notification(url), 1000);
      await new Promise((resolve) => setTimeout(resolve, 150));
      await sender.send(notification(url), 1000);
      assert.equal(count, 2, 'no failed attempt');
      assert.notEqual(ports[1], ports[0]);
    });
  });
});
