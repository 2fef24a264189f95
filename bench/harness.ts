/**
 * What every HTTP benchmark needs: Weft (or another server) as a child process with
 * NODE_ENV=production, so that the server gets one core and the load generator in this
 * process the other (BENCHMARKS.md, Method), plus small helpers shared by the runners.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { LOCAL_ISSUER } from '../src/config';
import { LocalIssuer } from '../src/security/jwt';

export const ROOT = join(__dirname, '..');
export const API = '/ngsi-ld/v1';

/** `dist` (build, then node dist/main.js), `tsx` (src/main.ts), or the path of a stub script. */
export const SERVER_MODE = process.env.BENCH_SERVER ?? 'dist';

const words = (v: string | undefined): string[] => (v ?? '').split(/\s+/).filter(Boolean);
/** Extra node options for the server child only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it. */
const SERVER_NODE_ARGS = words(process.env.BENCH_NODE_ARGS);
/** A file for the server child's stdout (where node's --trace-gc writes); ignored otherwise. */
const SERVER_STDOUT = process.env.BENCH_SERVER_STDOUT;
/** Extra `weft start` options for every Weft a benchmark starts, e.g. `--auth=false` to compare. */
const WEFT_ARGS = words(process.env.BENCH_WEFT_ARGS);

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
  const proc = spawn(process.execPath, [...SERVER_NODE_ARGS, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...extraEnv },
    stdio: ['ignore', SERVER_STDOUT === undefined ? 'ignore' : openSync(SERVER_STDOUT, 'w'), 'pipe'],
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

/** `express`: issue 2's reference (point reads >= 50% of it); `node`: Weft's own HTTP stack (bench/http-ceiling.ts). */
export async function startCeiling(kind: 'express' | 'node'): Promise<Child> {
  const port = await freePort();
  return startChild(['--import', 'tsx', 'bench/http-ceiling.ts'], port, '/', { PORT: String(port), CEILING: kind });
}

export function buildWeft(): void {
  if (SERVER_MODE !== 'dist') return;
  log('building (npm run build) ...');
  const r = spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed (set BENCH_SERVER=tsx to run from src/)');
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js missing after npm run build');
}

/**
 * A Weft child and the credentials its requests need. Weft requires a bearer token on
 * /ngsi-ld/v1 unless started with --auth=false (issue 4), so every request a benchmark
 * sends goes through `headers()`: fetch/check() init, autocannon `headers`, http.request.
 */
export interface Weft extends Child {
  dataDir: string;
  /** Whether the server answered 401 to a request without a token. */
  auth: boolean;
  /** `extra` plus `Authorization: Bearer <admin token>` when auth is on; `extra` alone when off. */
  headers(extra?: Record<string, string>): Record<string, string>;
}

/** Longer than any benchmark run; the server's verifier re-checks it at most once a minute (token cache). */
const TOKEN_TTL_SEC = 2 * 3600;

/**
 * A token signed by the local issuer in `dataDir` (the key the server created there on
 * first start, src/security/jwt/local-issuer.ts), the same as `weft token --role ...`.
 */
export async function mintToken(dataDir: string, roles: readonly string[] = ['admin'], subject = 'bench'): Promise<string> {
  const issuer = await LocalIssuer.open(dataDir);
  return issuer.issue({ subject, roles, ttlSec: TOKEN_TTL_SEC, issuer: LOCAL_ISSUER, audience: 'weft' });
}

/** `Authorization: Bearer <token>` plus `extra`. */
export const bearer = (token: string, extra: Record<string, string> = {}): Record<string, string> => ({ ...extra, authorization: `Bearer ${token}` });

/**
 * Weft on a free port over `dataDir`; `args`: more `weft start` options. Whether auth is on
 * is asked of the server itself (a request without a token: 401 or not), so --auth=false,
 * WEFT_AUTH in the environment and stub servers need no special case here.
 */
export async function startWeft(dataDir: string, args: string[] = []): Promise<Weft> {
  const port = await freePort();
  const entry =
    SERVER_MODE === 'dist' ? ['dist/main.js'] : ['--import', 'tsx', SERVER_MODE === 'tsx' ? 'src/main.ts' : SERVER_MODE];
  const probe = `${API}/types`;
  const child = await startChild([...entry, 'start', '--port', String(port), '--data-dir', dataDir, '--mqtt-port', '0', ...args, ...WEFT_ARGS], port, probe, {
    WEFT_LOG_LEVEL: 'silent',
  });
  try {
    const res = await fetch(child.url + probe);
    await res.arrayBuffer();
    const token = res.status === 401 ? await mintToken(dataDir) : undefined;
    if (token !== undefined) await check(child.url + probe, { headers: bearer(token) }, [200], 'admin token');
    const headers = (extra: Record<string, string> = {}): Record<string, string> => (token === undefined ? { ...extra } : bearer(token, extra));
    return { ...child, dataDir, auth: token !== undefined, headers };
  } catch (err) {
    await child.stop();
    throw err;
  }
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

/**
 * A benchmark's report on stdout: a heading with `title` and the time, the `facts` (machine,
 * settings; a markdown list), the table BENCHMARKS.md quotes, and how long the run took.
 */
export function printReport(title: string, facts: readonly string[], rows: readonly Row[], startedMs: number): void {
  const lines = ['', `## ${title}, ${new Date().toISOString()}`, '', ...facts, '', ...table(rows), '', `(whole run: ${Math.round((Date.now() - startedMs) / 1000)} s)`, ''];
  process.stdout.write(lines.join('\n'));
}

/** Runs a benchmark's main; a failure is printed and exits with 1. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}

/** The markdown table BENCHMARKS.md quotes. */
export function table(rows: readonly Row[]): string[] {
  return ['| metric | value | target | result |', '|---|---|---|---|', ...rows.map((r) => `| ${r.metric} | ${r.value} | ${r.target} | ${r.verdict} |`)];
}

// ---------------------------------------------------------------- autocannon runs

/** What one autocannon run measured. */
export interface Run {
  ok: number; // responses with the expected status
  other: number; // any other response or error
  perSec: number; // ok responses per second
  seconds: number; // measured duration
  p50: number;
  p99: number;
}

/** One measured autocannon run of `seconds`; only responses with status `expect` count. */
export async function load(opts: autocannon.Options, expect: number, seconds: number): Promise<Run> {
  const r = await autocannon({ timeout: 60, ...opts, duration: seconds });
  const ok = r.statusCodeStats[String(expect)]?.count ?? 0;
  const total = Object.values(r.statusCodeStats).reduce((a, s) => a + Number(s.count), 0);
  const other = total - Number(ok) + r.errors;
  if (other > 0) {
    const codes = Object.entries(r.statusCodeStats).map(([c, s]) => `${c}: ${s.count}`).join(', ');
    log(`  ${opts.title}: ${other} unexpected responses/errors (${codes}; errors ${r.errors}, timeouts ${r.timeouts})`);
  }
  return { ok: Number(ok), other, perSec: Number(ok) / r.duration, seconds: r.duration, p50: r.latency.p50, p99: r.latency.p99 };
}

/** Unmeasured load first (JIT, caches, the token cache), so that the measured run is steady state. */
export async function warm(opts: autocannon.Options, seconds: number): Promise<void> {
  if (seconds > 0) await autocannon({ timeout: 60, ...opts, duration: seconds });
}
