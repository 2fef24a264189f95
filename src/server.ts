/**
 * Composition root: the only file that knows every adapter and wires them together
 * (ARCHITECTURE.md). Everything else receives its collaborators as arguments.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { AccessGuard } from './broker/access';
import { ChangeFeed } from './broker/changes';
import type { BrokerDeps } from './broker/deps';
import { createBrokerServices } from './broker';
import { TemporalRetention } from './broker/retention';
import type { Config } from './config';
import { createApp } from './http/app';
import { ContextManager } from './ngsi/jsonld/manager';
import { startEmbeddedBroker } from './mqtt/embedded-broker';
import { createSenders } from './notify/senders';
import { NotificationService } from './notify/service';
import { parseRetention } from './ngsi/temporal/retention';
import { createLogger, type Logger } from './ops/logger';
import type { EntityStore } from './store/port';
import { createSqliteStore } from './store/sqlite';

/** How long a stopping server waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 5000;
const RETENTION_INTERVAL_MS = 60 * 60_000;

export interface RunningServer {
  url: string;
  port: number;
  /** mqtt://host:port of the embedded MQTT broker, when it runs. */
  mqttUrl: string | undefined;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const log = createLogger(config.logLevel);
  const store = createSqliteStore({ memory: config.memory, dataDir: config.dataDir, recordHistory: config.recordHistory });
  // What is already running when a later step fails (a port in use, say) is closed again.
  const undo: Array<() => Promise<void>> = [() => store.close()];
  try {
    return await assemble(config, log, store, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function assemble(config: Config, log: Logger, store: EntityStore, undo: Array<() => Promise<void>>): Promise<RunningServer> {
  const mqtt = config.mqttEmbedded ? await startEmbeddedBroker({ host: config.mqttHost, port: config.mqttPort }) : undefined;
  if (mqtt) undo.push(() => mqtt.close());
  const http: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => resolve());
  });
  undo.push(() => new Promise((resolve) => http.close(() => resolve())));
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
    limits: { maxBatchEntities: config.maxBatchEntities, defaultLimit: config.defaultLimit, maxLimit: config.maxLimit, temporalMaxInstances: config.temporalMaxInstances },
    hostContext: (source) => contexts.addImplicit(source),
    access: new AccessGuard(undefined),
  };
  const sender = createSenders();
  undo.push(() => sender.close());
  const notify = new NotificationService(store, {
    sender,
    settings: {
      timeoutMs: config.notifyTimeoutMs,
      attempts: Math.max(1, config.notifyAttempts),
      backoffMs: config.notifyBackoffMs,
      queueLimit: Math.max(1, config.notifyQueueLimit),
    },
    resolveContext: (source) => contexts.resolve(source),
    readEntities: async (tenant, filter, limit) => (await store.queryEntities(tenant, filter, { limit, offset: 0, count: false })).entities,
    log,
    nowMs: () => Date.now(),
  });
  undo.push(() => notify.close());
  // Before the app takes requests: changes committed before a restart go out first.
  await notify.start();
  feed.subscribe(notify.onChanges);
  const retention = new TemporalRetention(store, parseRetention(config.historyRetention), {
    onError: (err, tenant) => log.error({ err, tenant }, 'temporal retention failed'),
  });
  // First pass at start, then hourly: history ages by the hour, not by the request.
  if (config.historyRetention.trim() !== '') retention.start(RETENTION_INTERVAL_MS);
  const app = createApp({
    ...createBrokerServices(deps, notify),
    contexts,
    limits: { defaultLimit: config.defaultLimit, maxBodyBytes: config.maxBodyBytes },
    log,
  });
  http.on('request', app);
  // Clients keep connections open between requests; keep-alive must outlive their pauses.
  http.keepAliveTimeout = 65_000;
  log.info({ url, mqtt: mqtt?.url, dataDir: config.memory ? ':memory:' : config.dataDir }, 'Weft NGSI-LD broker listening');

  let closed = false;
  return {
    url,
    port,
    mqttUrl: mqtt?.url,
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
      retention.stop();
      // Queued notifications stay in the outbox (sent after the next start).
      await notify.close();
      await sender.close();
      await mqtt?.close();
      await store.close();
    },
  };
}
