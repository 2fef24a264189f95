/**
 * The HTTP ceilings, run with the same Node and NODE_ENV=production as Weft:
 *
 *   express  the smallest express 5 app answering JSON: the reference issue 2 set the point
 *            read target against (>= 50% of it), kept so figures stay comparable over time;
 *   node     the same on Weft's own HTTP stack (node:http and one find-my-way route): what
 *            no Weft request can beat on this machine.
 *
 *   CEILING=express|node PORT=3000 NODE_ENV=production node --import tsx bench/http-ceiling.ts
 */
import { createServer, type RequestListener } from 'node:http';
import express from 'express';
import FindMyWay from 'find-my-way';

const json = (): string => JSON.stringify({ hello: 'world' });

function expressApp(): RequestListener {
  const app = express();
  app.disable('x-powered-by'); // Weft does not send it either; keeps the response the same size class
  app.get('/', (_req, res) => {
    res.json({ hello: 'world' });
  });
  return app;
}

function nodeApp(): RequestListener {
  const router = FindMyWay();
  router.on('GET', '/', (_req, res) => {
    const text = json();
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(text));
    res.end(text);
  });
  return (req, res) => router.lookup(req, res);
}

const kind = process.env.CEILING ?? 'express';
if (kind !== 'express' && kind !== 'node') throw new Error(`CEILING: express or node, not ${kind}`);
const port = Number(process.env.PORT ?? 0);
const server = createServer(kind === 'express' ? expressApp() : nodeApp());
server.keepAliveTimeout = 65_000; // as Weft's
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
