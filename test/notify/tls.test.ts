/**
 * Notifications over TLS with a private CA (--notify-ca-file): https: to a node:https
 * receiver, mqtts: to a Mosquitto TLS listener. Certificates are made at test time with
 * the openssl CLI (tls-certs.ts); without openssl (or, for mqtts:, mosquitto) the suites skip.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { loadConfig } from '../../src/config';
import { createSenders } from '../../src/notify/senders';
import { notifyTls, pemCertificates, trustedCas } from '../../src/notify/tls-trust';
import type { Sender } from '../../src/notify/types';
import { hasMosquitto, MOSQUITTO, startMosquitto, type Mosquitto } from './mosquitto';
import { subscribeTo } from './mqtt-receiver';
import { assertPostedToAcme, notification } from './notification';
import { makeTestPki, opensslVersion, type TestPki } from './tls-certs';

interface HttpsReceiver {
  url: string;
  requests: Array<{ path: string; headers: IncomingHttpHeaders; body: any }>;
  close(): Promise<void>;
}

async function startHttpsReceiver(cert: string, key: string): Promise<HttpsReceiver> {
  const requests: HttpsReceiver['requests'] = [];
  const server: Server = createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/notify`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('notify: the notification CA file (--notify-ca-file)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'weft-ca-file-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('defaults to none', () => {
    assert.equal(loadConfig([], {}).notifyCaFile, '');
    assert.deepEqual(notifyTls(''), {});
  });

  it('fails the start on a missing file, saying which option and file', () => {
    const missing = join(dir, 'missing.pem');
    assert.throws(() => loadConfig(['--notify-ca-file', missing], {}), (err: Error) => {
      assert.equal(err.message.startsWith(`--notify-ca-file / WEFT_NOTIFY_CA_FILE: cannot read the CA file ${missing}: ENOENT`), true, err.message);
      return true;
    });
    assert.throws(() => loadConfig([], { WEFT_NOTIFY_CA_FILE: missing }), /WEFT_NOTIFY_CA_FILE: cannot read the CA file/);
    assert.throws(() => notifyTls(missing), /cannot read the CA file/);
  });

  it('fails the start on a file without a PEM certificate, or with a broken one', () => {
    const text = join(dir, 'text.pem');
    writeFileSync(text, 'not a certificate\n');
    assert.throws(() => loadConfig([`--notify-ca-file=${text}`], {}), /--notify-ca-file \/ WEFT_NOTIFY_CA_FILE: CA file .*text\.pem: no PEM certificate in it/);
    const broken = join(dir, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nQUJDRA==\n-----END CERTIFICATE-----\n');
    assert.throws(() => loadConfig([`--notify-ca-file=${broken}`], {}), /certificate 1 of 1 is not a valid X\.509 certificate/);
  });

  it('createSenders refuses extra CAs that are no PEM certificate', () => {
    assert.throws(() => createSenders({ tls: { ca: 'garbage' } }), /no PEM certificate/);
    assert.throws(() => createSenders({ tls: { ca: Buffer.from('garbage') } }), /no PEM certificate/);
  });
});

describe('notify: notifications over TLS with a private CA', () => {
  let pki: TestPki;

  before(function () {
    this.timeout(20_000);
    if (opensslVersion() === undefined) {
      console.log('      skipped: the openssl CLI is not installed (apt-get install openssl)');
      this.skip();
    }
    pki = makeTestPki();
  });
  after(() => pki?.remove());

  describe('the CA file', () => {
    it('parses, from the flag and the environment, and reads all of its certificates', () => {
      assert.equal(loadConfig(['--notify-ca-file', pki.caFile], {}).notifyCaFile, pki.caFile);
      assert.equal(loadConfig([], { WEFT_NOTIFY_CA_FILE: pki.caFile }).notifyCaFile, pki.caFile);
      assert.equal(notifyTls(pki.caFile).ca, pki.ca);
      // Several certificates, with other PEM blocks (a key) among them: the certificates count.
      const bundle = join(pki.dir, 'bundle.pem');
      writeFileSync(bundle, `${pki.ca}${pki.key}${pki.cert}`);
      assert.equal(loadConfig(['--notify-ca-file', bundle], {}).notifyCaFile, bundle);
      assert.equal(pemCertificates(notifyTls(bundle).ca!, 'bundle').length, 2);
    });

    it('adds to the default CAs instead of replacing them', () => {
      const cas = trustedCas(pki.ca, {});
      assert.equal(cas.length, rootCertificates.length + 1);
      assert.deepEqual(cas.slice(0, rootCertificates.length), [...rootCertificates]);
      assert.equal(cas[cas.length - 1]!.trim(), pki.ca.trim());
    });

    it('keeps the NODE_EXTRA_CA_CERTS certificates among the defaults', () => {
      const extraFile = join(pki.dir, 'node-extra.pem');
      writeFileSync(extraFile, pki.cert);
      const cas = trustedCas(pki.ca, { NODE_EXTRA_CA_CERTS: extraFile });
      assert.equal(cas.length, rootCertificates.length + 2);
      assert.equal(cas[rootCertificates.length]!.trim(), pki.cert.trim());
      // Unreadable: left out, as Node does (it warns once at its start).
      assert.equal(trustedCas(pki.ca, { NODE_EXTRA_CA_CERTS: join(pki.dir, 'missing.pem') }).length, rootCertificates.length + 1);
    });
  });

  describe('https: receivers', () => {
    let receiver: HttpsReceiver;
    let sender: Sender;

    afterEach(async () => {
      await sender?.close();
      await receiver?.close();
    });

    it('without the CA, refuses the receiver with a certificate error', async () => {
      receiver = await startHttpsReceiver(pki.cert, pki.key);
      sender = createSenders();
      await assert.rejects(sender.send(notification(receiver.url), 2000), (err: Error & { code?: string }) => {
        assert.match(err.message, /certificate/, err.message);
        assert.match(err.code ?? '', /UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN/);
        return true;
      });
      assert.equal(receiver.requests.length, 0);
    });

    it('with the CA, delivers the notification with its headers', async () => {
      receiver = await startHttpsReceiver(pki.cert, pki.key);
      sender = createSenders({ tls: { ca: pki.ca } });
      const n = notification(receiver.url, undefined, { tenant: 'acme', endpoint: { receiverInfo: [{ key: 'X-Trace', value: '42' }] } });
      await sender.send(n, 2000);
      await sender.send(n, 2000);
      assert.equal(receiver.requests.length, 2);
      assertPostedToAcme(receiver.requests[0], n, { 'x-trace': '42' });
    });

    it('with the CA (as a Buffer too), still refuses a certificate for another name', async () => {
      receiver = await startHttpsReceiver(pki.otherCert, pki.otherKey);
      sender = createSenders({ tls: { ca: Buffer.from(pki.ca) } });
      await assert.rejects(sender.send(notification(receiver.url), 2000), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID', err.message);
        assert.match(err.message, /IP: 127\.0\.0\.1 is not in the cert's list/);
        return true;
      });
      assert.equal(receiver.requests.length, 0);
    });
  });

  describe('mqtts: brokers (Mosquitto TLS listener)', () => {
    let mosquitto: Mosquitto | undefined;
    let sender: Sender | undefined;

    before(async function () {
      if (!hasMosquitto()) {
        console.log(`      skipped: ${MOSQUITTO} not installed (apt-get install mosquitto)`);
        this.skip();
      }
      mosquitto = await startMosquitto({ tls: { cafile: pki.caFile, certfile: pki.certFile, keyfile: pki.keyFile } });
    });
    after(async () => {
      await mosquitto?.stop();
    });
    afterEach(async () => {
      await sender?.close();
      sender = undefined;
    });

    it('with the CA, delivers to a subscriber that is on TLS as well', async () => {
      assert.match(mosquitto!.url, /^mqtts:/);
      const r = await subscribeTo(mosquitto!.url, 'tls/notify', { qos: 1, protocolVersion: 5, ca: pki.ca });
      try {
        sender = createSenders({ tls: { ca: pki.ca }, mqtt: { reconnectPeriodMs: 50 } });
        for (const version of ['mqtt5.0', 'mqtt3.1.1']) {
          const n = notification(`${mosquitto!.url}/tls/notify`, [{ id: `urn:ngsi-ld:Sensor:${version}`, type: 'Sensor' }], {
            endpoint: { notifierInfo: [{ key: 'MQTT-QoS', value: '1' }, { key: 'MQTT-Version', value: version }] },
          });
          await sender.send(n, 3000);
        }
        const msgs = await r.waitFor(2);
        assert.deepEqual(msgs.map((m) => m.payload.body.data[0].id).sort(), ['urn:ngsi-ld:Sensor:mqtt3.1.1', 'urn:ngsi-ld:Sensor:mqtt5.0']);
        assert.equal(msgs[0]!.topic, 'tls/notify');
        assert.equal(msgs[0]!.payload.metadata['Content-Type'], 'application/json');
      } finally {
        await r.close();
      }
    });

    it('without the CA, refuses the broker with a certificate error', async () => {
      const r = await subscribeTo(mosquitto!.url, 'tls/refused', { ca: pki.ca });
      try {
        sender = createSenders({ mqtt: { reconnectPeriodMs: 50 } });
        await assert.rejects(sender.send(notification(`${mosquitto!.url}/tls/refused`), 1000), /not reachable within 1000 ms: .*certificate/);
        assert.equal(r.messages.length, 0);
      } finally {
        await r.close();
      }
    });
  });
});
