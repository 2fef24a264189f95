import { strict as assert } from 'node:assert';
import { HttpSender } from '../../src/notify/http-sender';
import { LINK, notification } from './notification';
import { freePort, startTestReceiver, type TestReceiver } from '../helpers/receiver';

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
    const [req] = receiver.requests;
    assert.equal(req!.path, '/notify');
    assert.deepEqual(req!.body, n.body);
    assert.equal(req!.headers['content-type'], 'application/json');
    assert.equal(req!.headers.link, LINK);
    assert.equal(req!.headers['ngsild-tenant'], 'acme');
    assert.equal(req!.headers.authorization, 'Bearer abc');
    assert.equal(req!.headers['x-trace'], '42');
    assert.equal(req!.headers['content-length'], String(Buffer.byteLength(JSON.stringify(n.body))));
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

  it('does not try again when a new connection is reset', async () => {
    receiver.answer('reset');
    await assert.rejects(sender.send(notification(receiver.url), 1000), /ECONNRESET|socket hang up/);
    assert.equal(receiver.requests.length, 1);
  });
});
