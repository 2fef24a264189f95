/**
 * A real HTTP notification receiver on 127.0.0.1 (notify/ and e2e tests): records each
 * request with the client port of its connection (to see keep-alive reuse), answers what
 * the test says, possibly late or never, and lets a test wait for the n-th request.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  /** The client port of the connection: equal for two requests on one kept-alive socket. */
  remotePort: number;
  at: number;
}

/** What to answer: a status, possibly after a delay; `hang` never answers; `reset` cuts the connection. */
export type Answer = { status: number; delayMs?: number; body?: string } | 'hang' | 'reset';

export interface TestReceiver {
  url: string;
  requests: Request[];
  /** Most requests being answered at the same time, so far. */
  maxConcurrent: number;
  answer(a: Answer | ((n: number) => Answer)): void;
  waitFor(n: number, timeoutMs?: number): Promise<Request[]>;
  close(): Promise<void>;
}

export async function startTestReceiver(): Promise<TestReceiver> {
  const requests: Request[] = [];
  let answer: Answer | ((n: number) => Answer) = { status: 204 };
  const waiters: Array<{ n: number; wake: () => void }> = [];
  const sockets = new Set<Socket>();
  let active = 0;
  let maxConcurrent = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    res.on('close', () => active--);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: text === '' ? undefined : JSON.parse(text), remotePort: req.socket.remotePort ?? 0, at: Date.now() });
      for (const w of waiters.filter((x) => requests.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.wake();
      }
      const a = typeof answer === 'function' ? answer(requests.length) : answer;
      if (a === 'hang') return;
      if (a === 'reset') {
        req.socket.destroy();
        return;
      }
      const reply = () => {
        res.statusCode = a.status;
        res.end(a.body ?? '');
      };
      if (a.delayMs) setTimeout(reply, a.delayMs);
      else reply();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/notify`,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    answer(a) {
      answer = a;
    },
    waitFor(n, timeoutMs = 5000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} requests, got ${requests.length}`)), timeoutMs);
        waiters.push({ n, wake: () => { clearTimeout(timer); resolve(requests); } });
      });
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
