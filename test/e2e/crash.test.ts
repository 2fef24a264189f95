/**
 * A change committed before a crash is notified after the restart (the outbox is written
 * in the change's own transaction). The server runs as a child process killed with
 * SIGKILL: no shutdown hook runs, exactly like a power-cut of the process.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { LOCAL_ISSUER } from '../../src/config';
import { LocalIssuer } from '../../src/security/jwt';
import { startTestReceiver as startReceiver, type TestReceiver as Receiver } from '../helpers/receiver';
import { sensor } from '../helpers/server';

const ROOT = join(__dirname, '..', '..');

/** Starts `weft start` in a child process; resolves with its URL once it listens. */
function startChild(dataDir: string, extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'start',
    '--port', '0', '--mqtt-embedded=false', '--data-dir', dataDir, '--log-level', 'info', ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('e2e: crash survival of notifications', function () {
  this.timeout(60_000);
  let rx: Receiver;
  let dataDir: string;
  let child: ChildProcess | undefined;
  beforeEach(async () => {
    rx = await startReceiver();
    dataDir = mkdtempSync(join(tmpdir(), 'weft-crash-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) await kill(child);
    await rx.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('notifies after a SIGKILL restart a change whose notification had not been delivered', async () => {
    rx.answer({ status: 503 });
    const first = await startChild(dataDir, ['--notify-backoff-ms', '600000']);
    child = first.child;
    // The child's local issuer keeps its key in the data directory: mint an admin token with it.
    const issuer = await LocalIssuer.open(dataDir);
    const token = await issuer.issue({ subject: 'crash-test', roles: ['admin'], ttlSec: 600, issuer: LOCAL_ISSUER, audience: 'weft' });
    const api = supertest.agent(first.url).set('Authorization', `Bearer ${token}`);
    await api.post('/ngsi-ld/v1/subscriptions').set('Content-Type', 'application/json').send(JSON.stringify({
      id: 'urn:ngsi-ld:Subscription:crash', type: 'Subscription', entities: [{ type: 'Sensor' }],
      notification: { endpoint: { uri: rx.url } },
    })).expect(201);
    await api.post('/ngsi-ld/v1/entities').set('Content-Type', 'application/json').send(JSON.stringify(sensor(7))).expect(201);
    await rx.waitFor(1, 10_000); // the first attempt failed; the retry waits ten minutes
    await kill(child);

    rx.answer({ status: 200 });
    const second = await startChild(dataDir, ['--notify-backoff-ms', '50']);
    child = second.child;
    const got = await rx.waitFor(2, 15_000);
    assert.equal(got[1].body.subscriptionId, 'urn:ngsi-ld:Subscription:crash');
    assert.equal(got[1].body.data[0].id, 'urn:ngsi-ld:Sensor:7');
  });
});
