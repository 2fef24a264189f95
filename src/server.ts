/**
 * Composition root: the only file that knows every adapter and wires them together
 * (ARCHITECTURE.md). Everything else receives its collaborators as arguments.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { ChangeFeed } from './broker/changes';
import type { BrokerDeps } from './broker/deps';
import { createBrokerServices } from './broker';
import type { Config } from './config';
import { createApp } from './http/app';
import { ContextManager } from './ngsi/jsonld/manager';
import { createLogger } from './ops/logger';
import { createSqliteStore } from './store/sqlite';

/** How long a stopping server waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 5000;

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const store = createSqliteStore({ memory: config.memory, dataDir: config.dataDir, recordHistory: config.recordHistory });
  const http: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  const publicUrl = (config.publicUrl ?? url).replace(/\/+$/, '');

  const contexts = new ContextManager({
    store,
    selfBaseUrl: publicUrl,
    fetchTimeoutMs: config.contextFetchTimeoutMs,
    maxContextBytes: config.maxContextBytes,
    cacheSize: config.contextCacheSize,
  });
  const feed = new ChangeFeed((err) => log.error({ err }, 'change listener failed'));
  const deps: BrokerDeps = {
    store,
    feed,
    now: () => new Date().toISOString(),
    limits: { maxBatchEntities: config.maxBatchEntities, defaultLimit: config.defaultLimit, maxLimit: config.maxLimit },
  };
  const app = createApp({
    ...createBrokerServices(deps),
    contexts,
    limits: { defaultLimit: config.defaultLimit, maxBodyBytes: config.maxBodyBytes },
    log,
  });
  http.on('request', app);
  // Clients keep connections open between requests; keep-alive must outlive their pauses.
  http.keepAliveTimeout = 65_000;
  log.info({ url, dataDir: config.memory ? ':memory:' : config.dataDir }, 'Weft NGSI-LD broker listening');

  let closed = false;
  return {
    url,
    port,
    async close() {
      if (closed) return;
      closed = true;
      // Graceful: stop accepting, let requests in flight finish (bounded), then close the
      // store, which commits writes still queued for a group commit.
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS);
        force.unref();
        http.close(() => {
          clearTimeout(force);
          resolve();
        });
        http.closeIdleConnections();
      });
      await store.close();
    },
  };
}
