/**
 * What every HTTP benchmark needs: Weft (or another server) as a child process with
 * NODE_ENV=production, so that the server gets one core and the load generator in this
 * process the other (BENCHMARKS.md, Method), plus small helpers shared by the runners.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');
export const API = '/ngsi-ld/v1';

/** `dist` (build, then node dist/main.js), `tsx` (src/main.ts), or the path of a stub script. */
export const SERVER_MODE = process.env.BENCH_SERVER ?? 'dist';

export const env = (name: string, dflt: number): number => {
  const v = process.env[name];
  const n = v === undefined || v === '' ? dflt : Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number, got "${v}"`);
  return n;
};

export const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a server child, waits until `probe` answers over HTTP. */
export async function startChild(args: string[], port: number, probe: string, extraEnv: Record<string, string>): Promise<Child> {
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...extraEnv },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited: number | null | undefined;
  proc.on('exit', (code) => {
    exited = code;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`server ${args.join(' ')} exited with ${exited}:\n${stderr}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server ${args.join(' ')} did not answer within 60 s:\n${stderr}`);
    }
    try {
      const res = await fetch(url + probe);
      await res.arrayBuffer();
      if (res.status < 500) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (exited !== undefined) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  return { url, proc, stop };
}

export async function startCeiling(): Promise<Child> {
  const port = await freePort();
  return startChild(['--import', 'tsx', 'bench/http-ceiling.ts'], port, '/', { PORT: String(port) });
}

export function buildWeft(): void {
  if (SERVER_MODE !== 'dist') return;
  log('building (npm run build) ...');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed (set BENCH_SERVER=tsx to run from src/)');
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js missing after npm run build');
}

/** Weft on a free port over `dataDir`; `args`: more `weft start` options. */
export async function startWeft(dataDir: string, args: string[] = []): Promise<Child> {
  const port = await freePort();
  const entry =
    SERVER_MODE === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', SERVER_MODE === 'tsx' ? 'src/main.ts' : SERVER_MODE];
  return startChild([...entry, 'start', '--port', String(port), '--data-dir', dataDir, '--mqtt-port', '0', ...args], port, `${API}/types`, {
    WEFT_LOG_LEVEL: 'silent',
  });
}


/** Sends one request and checks its status: a broken endpoint should fail loudly, not measure 404s. */
export async function check(url: string, init: RequestInit, expect: number[], what: string): Promise<string> {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${what}: expected ${expect.join('/')}, got ${res.status}: ${text.slice(0, 500)}`);
  return text;
}


/** One line of a benchmark's result table. */
export interface Row {
  metric: string;
  value: string;
  target: string;
  verdict: string;
}

export const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));

/** The markdown table BENCHMARKS.md quotes. */
export function table(rows: readonly Row[]): string[] {
  return ['| metric | value | target | result |', '|---|---|---|---|', ...rows.map((r) => `| ${r.metric} | ${r.value} | ${r.target} | ${r.verdict} |`)];
}
