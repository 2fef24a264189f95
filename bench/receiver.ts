/**
 * The notification receiver the benchmarks measure against: a plain node:http server on
 * 127.0.0.1 that answers 204 and timestamps every notified entity on arrival.
 *
 * It runs in a child process of its own (BENCH_RECEIVER=inline: in the benchmark's process),
 * as a real receiver would: in the benchmark's own process its timestamps waited for
 * whatever that event loop was doing (sending the next burst of updates, parsing their
 * answers, its own garbage collection), which showed as notification latency. The child
 * stamps each entity with the wall clock at arrival (performance.timeOrigin + now(), shared
 * by processes on one machine) and reports in batches over IPC; the batching delays the
 * report, not the stamp.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One entity of a notification (normalized), as much of it as the benchmarks read: its attributes. */
export type NotifiedEntity = Record<string, { value?: unknown } | undefined>;

export interface Receiver {
  url: string;
  notifications: number;
  entities: number;
  /** Called for every entity in every notification, with its arrival time (this process' performance.now()). */
  onEntity: (e: NotifiedEntity, at: number) => void;
  close(): Promise<void>;
}

/** What the child reports: arrivals since the last report. */
interface Report {
  notifications: number;
  /** [entity, arrival as epoch ms] */
  arrivals: Array<[NotifiedEntity, number]>;
}

const REPORT_EVERY_MS = 20;

/** The HTTP server; `arrived` gets every notification's entities and their arrival time. */
function listen(arrived: (entities: NotifiedEntity[], epochMs: number) => void): Promise<Server> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const epochMs = performance.timeOrigin + performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: NotifiedEntity[] };
      arrived(body.data, epochMs);
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

const urlOf = (server: Server): string => `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;

async function inline(): Promise<Receiver> {
  const rx: Receiver = { url: '', notifications: 0, entities: 0, onEntity: () => undefined, close: () => Promise.resolve() };
  const server = await listen((entities, epochMs) => {
    const at = epochMs - performance.timeOrigin;
    rx.notifications++;
    for (const e of entities) {
      rx.entities++;
      rx.onEntity(e, at);
    }
  });
  rx.url = urlOf(server);
  rx.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return rx;
}

async function child(): Promise<Receiver> {
  const proc: ChildProcess = fork(__filename, ['--receiver-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const rx: Receiver = { url: '', notifications: 0, entities: 0, onEntity: () => undefined, close: () => Promise.resolve() };
  rx.url = await new Promise<string>((resolve, reject) => {
    proc.once('message', (m) => resolve((m as { url: string }).url));
    proc.once('exit', (code) => reject(new Error(`receiver exited with ${String(code)}`)));
  });
  proc.on('message', (m) => {
    const r = m as Report;
    rx.notifications += r.notifications;
    for (const [e, epochMs] of r.arrivals) {
      rx.entities++;
      rx.onEntity(e, epochMs - performance.timeOrigin);
    }
  });
  rx.close = () =>
    new Promise((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  return rx;
}

export function startReceiver(): Promise<Receiver> {
  return process.env.BENCH_RECEIVER === 'inline' ? inline() : child();
}

if (process.argv.includes('--receiver-child')) {
  let pending: Report = { notifications: 0, arrivals: [] };
  void listen((entities, epochMs) => {
    pending.notifications++;
    for (const e of entities) pending.arrivals.push([e, epochMs]);
  }).then((server) => {
    process.send!({ url: urlOf(server) });
    setInterval(() => {
      if (pending.notifications === 0) return;
      process.send!(pending);
      pending = { notifications: 0, arrivals: [] };
    }, REPORT_EVERY_MS);
    process.on('SIGTERM', () => {
      // What arrived since the last report goes too, then the process ends.
      if (pending.notifications > 0) process.send!(pending, () => process.exit(0));
      else process.exit(0);
    });
  });
}
