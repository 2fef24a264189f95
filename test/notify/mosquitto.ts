/**
 * A Mosquitto broker started by a test (the only MQTT 5 broker available here; aedes speaks
 * 3.1.1 only). Loopback listener, anonymous clients, a temporary config; killed by stop().
 * With `tls` the listener speaks TLS only (mqtts:) with the given certificate files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/receiver';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export function hasMosquitto(): boolean {
  return existsSync(MOSQUITTO);
}

export interface MosquittoTls {
  cafile: string;
  certfile: string;
  keyfile: string;
}

export interface Mosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `port`: where to listen (default: a free one). */
export async function startMosquitto(options: { tls?: MosquittoTls; port?: number } = {}): Promise<Mosquitto> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'weft-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  // Run as root, mosquitto switches to the user 'mosquitto' before it loads the certificate
  // files, which then cannot read them in their 0700 temporary directory: `user` keeps the
  // current user (no effect when not root).
  const tls = options.tls === undefined ? '' : `user ${userInfo().username}\ncafile ${options.tls.cafile}\ncertfile ${options.tls.certfile}\nkeyfile ${options.tls.keyfile}\n`;
  writeFileSync(conf, `listener ${port} 127.0.0.1\n${tls}allow_anonymous true\npersistence false\n`);
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 5000, () => child.exitCode !== null);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mosquitto did not start: ${(err as Error).message}; stderr: ${stderr}`);
  }
  return {
    url: `${options.tls === undefined ? 'mqtt' : 'mqtts'}://127.0.0.1:${port}`,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, died: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (died()) throw new Error('exited');
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} not open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
