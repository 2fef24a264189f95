/**
 * The notification receiver the benchmarks measure against: a plain node:http server on
 * 127.0.0.1 that answers 204 and timestamps every notified entity on arrival.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** One entity of a notification (normalized), as much of it as the benchmarks read: its attributes. */
export type NotifiedEntity = Record<string, { value?: unknown } | undefined>;

export interface Receiver {
  url: string;
  notifications: number;
  entities: number;
  /** Called for every entity in every notification, with its arrival time (performance.now()). */
  onEntity: (e: NotifiedEntity, at: number) => void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const rx: Receiver = { url: '', notifications: 0, entities: 0, onEntity: () => undefined, close: () => Promise.resolve() };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: NotifiedEntity[] };
      rx.notifications++;
      for (const e of body.data) {
        rx.entities++;
        rx.onEntity(e, at);
      }
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rx.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  rx.close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  return rx;
}
