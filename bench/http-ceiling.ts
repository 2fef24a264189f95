/**
 * The HTTP ceiling: the smallest express 5 app that answers JSON, run with the same Node and
 * NODE_ENV=production as Weft. Weft cannot serve a request faster than this on the same
 * machine, so point reads are judged against it (BENCHMARKS.md).
 *
 *   PORT=3000 NODE_ENV=production node --import tsx bench/http-ceiling.ts
 */
import express from 'express';

const app = express();
app.disable('x-powered-by'); // Weft does not send it either; keeps the response the same size class
app.get('/', (_req, res) => {
  res.json({ hello: 'world' });
});

const port = Number(process.env.PORT ?? 0);
const server = app.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
