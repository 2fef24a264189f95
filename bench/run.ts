/**
 * `npm run bench`: one run that measures Weft's HTTP throughput on this machine and prints
 * a markdown table against the targets (method: BENCHMARKS.md).
 *
 * Servers run as child processes (the HTTP ceiling apps, then Weft built into dist/),
 * with NODE_ENV=production; the load generator (autocannon) runs in this process. On a
 * 2-core machine that gives the server one core and the load generator the other, which is
 * fairer than sharing one event loop between them.
 *
 * Environment:
 *   BENCH_SECONDS            duration of each measured run (default 10)
 *   BENCH_WARMUP             seconds of unmeasured warm-up before read/query runs (default 2)
 *   BENCH_ENTITIES           entities preloaded for reads and queries (default 100000)
 *   BENCH_CONNECTIONS        connections for ceiling, creates and reads (default 50)
 *   BENCH_QUERY_CONNECTIONS  connections for the query run (default 10)
 *   BENCH_BATCH_CONNECTIONS  connections for batch upserts (default 2)
 *   BENCH_SERVER             `dist` (default: npm run build, then node dist/main.js), `tsx`
 *                            (node --import tsx src/main.ts, no build step), or the path of
 *                            another script taking the same `start --port --data-dir` (to test
 *                            this harness against a stub)
 *
 * Weft runs with its defaults, so auth is on: every request carries an admin bearer token
 * minted from the server's local issuer (harness.ts startWeft). What auth itself costs is
 * bench/auth-cost.ts.
 */
import type autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { API, buildWeft, check, env, fmt, load, log, printReport, type Row, type Run, runBench, SERVER_MODE, startCeiling, startWeft, warm as warmFor, type Weft } from './harness';
import { BATCH, JSON_HEADERS, QUERY, batchBody, pointReads, preload, rng, sensor } from './sensors';

const SECONDS = env('BENCH_SECONDS', 10);
const WARMUP = env('BENCH_WARMUP', 2);
const ENTITIES = env('BENCH_ENTITIES', 100_000);
const CONNS = env('BENCH_CONNECTIONS', 50);
const QUERY_CONNS = env('BENCH_QUERY_CONNECTIONS', 10);
const BATCH_CONNS = env('BENCH_BATCH_CONNECTIONS', 2);

const warm = (opts: autocannon.Options): Promise<void> => warmFor(opts, WARMUP);

// ---------------------------------------------------------------- report


const verdict = (pass: boolean, run?: Run): string => (run && run.other > 0 ? 'ERRORS' : pass ? 'pass' : 'FAIL');
/** Rows without a target: only say something when requests failed. */
const info = (run: Run): string => (run.other > 0 ? 'ERRORS' : '-');

function machine(auth: boolean | undefined): string {
  const cpus = os.cpus();
  return [
    `- CPU: ${cpus[0]?.model ?? 'unknown'} (${cpus.length} cores)`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()} (${os.arch()})`,
    `- Node ${process.version}, server mode: ${SERVER_MODE}, NODE_ENV=production` +
      (auth === undefined ? '' : auth ? ', auth on (admin bearer token on every request)' : ', auth off'),
    `- runs: ${SECONDS} s each (+${WARMUP} s warm-up for reads/queries), ${ENTITIES.toLocaleString('en-US')} preloaded entities, ` +
      `connections: ${CONNS} (ceiling, creates, reads), ${QUERY_CONNS} (queries), ${BATCH_CONNS} (batch upsert)`,
  ].join('\n');
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];

  // (a) the HTTP ceilings: express (issue 2's reference for point reads), then Weft's own stack
  const ceilingRun = async (kind: 'express' | 'node'): Promise<Run> => {
    log(`(a) ${kind} hello-world ceiling ...`);
    const server = await startCeiling(kind);
    try {
      const opts = { url: server.url + '/', connections: CONNS, title: `${kind} ceiling` };
      await warm(opts);
      return await load(opts, 200, SECONDS);
    } finally {
      await server.stop();
    }
  };
  const ceiling = await ceilingRun('express');
  rows.push({ metric: 'express 5 hello-world JSON (ceiling), req/s', value: fmt(ceiling.perSec), target: '-', verdict: info(ceiling) });
  const own = await ceilingRun('node');
  rows.push({ metric: "node:http + find-my-way hello-world JSON (Weft's own HTTP stack), req/s", value: fmt(own.perSec), target: '-', verdict: info(own) });

  if (process.env.BENCH_ONLY_CEILING) return report(rows, started);

  buildWeft();
  const dataDir = mkdtempSync(join(os.tmpdir(), 'weft-bench-'));
  let weft: Weft | undefined;
  try {
    weft = await startWeft(dataDir);
    const base = weft.url;
    const auth = weft.headers(); // autocannon merges these into every request's headers
    log(`auth ${weft.auth ? 'on: every request carries an admin bearer token' : 'off'}`);

    // Sanity: the endpoints measured answer what they should before we time them.
    const r0 = rng(7);
    await check(`${base}${API}/entities`, { method: 'POST', headers: weft.headers(JSON_HEADERS), body: JSON.stringify(sensor('urn:ngsi-ld:Device:probe', 'Device', r0)) }, [201], 'create');
    await check(`${base}${API}/entities/urn:ngsi-ld:Device:probe`, { headers: auth }, [200], 'point read');

    // (b) single creates, unique ids
    log('(b) single entity creates ...');
    let n = 0;
    const rc = rng(1);
    const creates = await load(
      {
        url: base,
        connections: CONNS,
        title: 'creates',
        headers: auth,
        requests: [
          {
            method: 'POST',
            path: `${API}/entities`,
            headers: JSON_HEADERS,
            setupRequest: (req) => {
              req.body = JSON.stringify(sensor(`urn:ngsi-ld:Device:c${n++}`, 'Device', rc));
              return req;
            },
          },
        ],
      },
      201,
      SECONDS,
    );
    rows.push({ metric: 'single entity creates/s (POST /entities)', value: fmt(creates.perSec), target: '-', verdict: info(creates) });

    // preload for reads and queries; doubles as the first batch figure (upserts that insert)
    log(`preloading ${ENTITIES.toLocaleString('en-US')} entities (upsert batches of ${BATCH}) ...`);
    const preloadRate = await preload(weft, ENTITIES);
    rows.push({ metric: `batch upsert, inserting (preload of ${ENTITIES.toLocaleString('en-US')}), entities/s`, value: fmt(preloadRate), target: '>= 20,000', verdict: verdict(preloadRate >= 20_000) });

    const sample = JSON.parse(await check(`${base}${API}/entities?${QUERY}&count=true`, { headers: auth }, [200], 'query'));
    if (!Array.isArray(sample) || sample.length !== Math.min(20, ENTITIES)) log(`  warning: the query returned ${Array.isArray(sample) ? sample.length : typeof sample} entities, expected 20`);

    // (c) point reads of existing ids
    log('(c) point reads ...');
    const readOpts: autocannon.Options = { url: base, connections: CONNS, title: 'reads', headers: auth, requests: [pointReads(ENTITIES, 3)] };
    await warm(readOpts);
    const reads = await load(readOpts, 200, SECONDS);
    const readShare = reads.perSec / ceiling.perSec;
    rows.push({
      metric: 'point reads/s (GET /entities/{id})',
      value: `${fmt(reads.perSec)} (${Math.round(readShare * 100)}% of ceiling)`,
      target: '>= 50% of ceiling',
      verdict: verdict(readShare >= 0.5, reads),
    });

    // (d) queries over the preloaded set
    log('(d) queries ...');
    const queryOpts: autocannon.Options = { url: `${base}${API}/entities?${QUERY}`, connections: QUERY_CONNS, title: 'queries', headers: auth };
    await warm(queryOpts);
    const queries = await load(queryOpts, 200, SECONDS);
    rows.push({ metric: `queries/s (${QUERY_CONNS} conns; type=Sensor&q=temperature>20&limit=20)`, value: fmt(queries.perSec), target: '-', verdict: info(queries) });
    rows.push({ metric: `query latency p50 (${QUERY_CONNS} conns), ms`, value: fmt(queries.p50), target: '< 50 ms', verdict: verdict(queries.p50 < 50, queries) });
    rows.push({ metric: `query latency p99 (${QUERY_CONNS} conns), ms`, value: fmt(queries.p99), target: '-', verdict: info(queries) });
    const single = await load({ ...queryOpts, connections: 1, title: 'query-1conn' }, 200, Math.max(1, Math.round(SECONDS / 2)));
    rows.push({ metric: 'query latency p50 / p99 (1 conn, no queueing), ms', value: `${fmt(single.p50)} / ${fmt(single.p99)}`, target: '-', verdict: info(single) });

    // (e) batch upserts of existing entities (replace), 1000 per request
    log('(e) batch upserts ...');
    const rb = rng(5);
    const bodies: string[] = [];
    const windows = Math.max(1, Math.floor(ENTITIES / BATCH));
    for (let i = 0; i < 8; i++) bodies.push(batchBody((i % windows) * BATCH, Math.min(BATCH, ENTITIES), rb));
    let b = 0;
    const upserts = await load(
      {
        url: base,
        connections: BATCH_CONNS,
        title: 'upserts',
        headers: auth,
        requests: [
          {
            method: 'POST',
            path: `${API}/entityOperations/upsert`,
            headers: JSON_HEADERS,
            setupRequest: (req) => {
              req.body = bodies[b++ % bodies.length];
              return req;
            },
          },
        ],
      },
      204,
      SECONDS,
    );
    const upsertRate = upserts.perSec * Math.min(BATCH, ENTITIES);
    rows.push({ metric: `batch upsert, updating (${BATCH}/request), entities/s`, value: fmt(upsertRate), target: '>= 20,000', verdict: verdict(upsertRate >= 20_000, upserts) });
  } finally {
    await weft?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  report(rows, started, weft?.auth);
}

function report(rows: Row[], started: number, auth?: boolean): void {
  printReport('Weft benchmark', [machine(auth)], rows, started);
}

runBench(main);
