/**
 * The HTTP ceiling: the smallest app on Weft's own HTTP stack (node:http and a find-my-way
 * route) that answers JSON, run with the same Node and NODE_ENV=production as Weft. Weft
 * cannot serve a request faster than this on the same machine, so point reads are judged
 * against it (BENCHMARKS.md).
 *
 *   PORT=3000 NODE_ENV=production node --import tsx bench/http-ceiling.ts
 */
import { createServer } from 'node:http';
import FindMyWay from 'find-my-way';

const router = FindMyWay();
router.on('GET', '/', (_req, res) => {
  const text = JSON.stringify({ hello: 'world' });
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
});

const port = Number(process.env.PORT ?? 0);
const server = createServer((req, res) => router.lookup(req, res));
server.keepAliveTimeout = 65_000; // as Weft's
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
