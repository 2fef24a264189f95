/**
 * Composition root: the only file that knows every adapter and wires them together
 * (ARCHITECTURE.md). Everything else receives its collaborators as arguments.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessGuard, type AuditSink } from './broker/access';
import { AuditService } from './broker/audit';
import { ChangeFeed } from './broker/changes';
import type { BrokerDeps } from './broker/deps';
import { createBrokerServices } from './broker';
import { TemporalRetention } from './broker/retention';
import { keyFileList, LOCAL_ISSUER, type Config } from './config';
import { createApp } from './http/app';
import { ProblemType } from './ngsi/errors';
import { ContextManager } from './ngsi/jsonld/manager';
import { startEmbeddedBroker, type EmbeddedBroker } from './mqtt/embedded-broker';
import { DeviceChannel } from './broker/device-channel';
import { DeviceService } from './broker/devices';
import { CommandDispatcher } from './devices/commands';
import { embeddedAccess, INTERNAL_USERNAME } from './devices/mqtt/access';
import { MqttGateway } from './devices/mqtt/gateway';
import { EmbeddedTransport, ExternalTransport, type DeviceTransport } from './devices/mqtt/transport';
import { createSenders } from './notify/senders';
import { notifyTls } from './notify/tls-trust';
import { NotificationService } from './notify/service';
import { parseRetention } from './ngsi/temporal/retention';
import { createLogger, type Logger } from './ops/logger';
import {
  AuthError,
  compileClaimMapping,
  createAuthenticator,
  createTokenVerifier,
  isAuthError,
  loadKeyFiles,
  LocalIssuer,
  remoteJwksKeySource,
  type Authenticator,
  type KeySource,
} from './security/jwt';
import { CoalescingAuditSink, openAuditLog } from './security/audit';
import { loadPolicy } from './security/policy/loader';
import type { EntityStore } from './store/port';
import { createSqliteStore } from './store/sqlite';

/** How long a stopping server waits for requests in flight before cutting connections. */
const SHUTDOWN_GRACE_MS = 5000;
const RETENTION_INTERVAL_MS = 60 * 60_000;
/** Window over which one device's writes make one audit event (with their count). */
const AUDIT_DEVICE_WINDOW_MS = 10_000;
/** How often expired device commands are looked for. */
const COMMAND_SWEEP_MS = 5_000;

export interface RunningServer {
  url: string;
  port: number;
  /** mqtt://host:port of the embedded MQTT broker, when it runs. */
  mqttUrl: string | undefined;
  /** Weft's own token issuer, when auth is on and no --auth-issuer is set (tests and embedders mint tokens with it). */
  localIssuer: LocalIssuer | undefined;
  /** The MQTT device gateway, when it runs (its counters; idle() for tests and benchmarks). */
  gateway: MqttGateway | undefined;
  close(): Promise<void>;
}

/** What the HTTP app and the broker need from the auth options. */
interface AuthWiring {
  access: AccessGuard;
  /** undefined with --auth=false. */
  authenticate: Authenticator | undefined;
  localIssuer: LocalIssuer | undefined;
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
  const now = (): string => new Date().toISOString();
  // Every write and denial is recorded from the first request on; closed last (flushes).
  const auditLog = openAuditLog({ dataDir: config.dataDir, memory: config.memory, log, maxAgeMs: config.auditRetentionDays * 86_400_000 });
  undo.push(() => auditLog.close());
  // Device telemetry is recorded per device per window (security/audit/coalesce.ts).
  const audit = new CoalescingAuditSink(auditLog, AUDIT_DEVICE_WINDOW_MS);
  undo.push(async () => audit.close());
  // Before anything listens: a bad policy or unreadable key file stops the start.
  const auth = await wireAuth(config, log, now, audit, undo);
  const http: Server = createServer();
  // Listening comes first (the @context manager needs the port); a request arriving while
  // the rest starts (outbox replay, device gateway) gets 503 rather than no answer at all.
  const starting = (_req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'application/json', Connection: 'close' });
    res.end(JSON.stringify({ type: ProblemType.InternalError, title: 'Starting', detail: 'Weft is starting; retry in a moment', status: 503 }));
  };
  http.on('request', starting);
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
    now,
    limits: { maxBatchEntities: config.maxBatchEntities, defaultLimit: config.defaultLimit, maxLimit: config.maxLimit, temporalMaxInstances: config.temporalMaxInstances, temporalMaxAggregatedInstances: config.temporalMaxAggregatedInstances },
    hostContext: (source) => contexts.addImplicit(source),
    access: auth.access,
  };
  // Weft's own login to its embedded broker (the notification sender), fresh per process.
  const internalSecret = randomBytes(24).toString('base64url');
  const devices = await startDevices(config, log, deps, contexts, auth, internalSecret, undo);
  const mqtt = devices.mqtt;
  const sender = createSenders({
    mqtt: {
      localCredentials: (host, port) => (mqtt !== undefined && port === mqtt.port && isLoopbackOr(host, config.mqttHost) ? { username: INTERNAL_USERNAME, password: internalSecret } : undefined),
    },
    // Receivers and brokers with certificates from a private CA (--notify-ca-file).
    tls: notifyTls(config.notifyCaFile),
  });
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
    // Checked at notification time: a subscriber gets only what its owner may read now.
    visibleTo: auth.access.visibleTo.bind(auth.access),
    ownersRequired: auth.access.enabled,
  });
  undo.push(() => notify.close());
  // Before the app takes requests: changes committed before a restart go out first.
  await notify.start();
  feed.subscribe(notify.onChanges);
  if (devices.commands !== undefined) feed.subscribe(devices.commands.onChanges);
  const retention = new TemporalRetention(store, parseRetention(config.historyRetention), {
    onError: (err, tenant) => log.error({ err, tenant }, 'temporal retention failed'),
  });
  // First pass at start, then hourly: history ages by the hour, not by the request.
  if (config.historyRetention.trim() !== '') retention.start(RETENTION_INTERVAL_MS);
  const app = createApp({
    ...createBrokerServices(deps, notify),
    contexts,
    access: auth.access,
    authenticate: auth.authenticate,
    audit: new AuditService({ access: auth.access, limits: { maxLimit: config.maxLimit } }, audit),
    devices: devices.service,
    deviceChannel: devices.channel,
    deviceStats: devices.gateway === undefined ? undefined : () => ({ ...devices.gateway!.stats }),
    limits: { defaultLimit: config.defaultLimit, maxLimit: config.maxLimit, maxBodyBytes: config.maxBodyBytes },
    log,
  });
  http.off('request', starting);
  http.on('request', app);
  // Clients keep connections open between requests; keep-alive must outlive their pauses.
  http.keepAliveTimeout = 65_000;
  log.info({ url, mqtt: mqtt?.url, dataDir: config.memory ? ':memory:' : config.dataDir }, 'Weft NGSI-LD broker listening');

  let closed = false;
  return {
    url,
    port,
    mqttUrl: mqtt?.url,
    localIssuer: auth.localIssuer,
    gateway: devices.gateway,
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
      await devices.close();
      // Queued notifications stay in the outbox (sent after the next start).
      await notify.close();
      await sender.close();
      await mqtt?.close();
      audit.close();
      await auditLog.close();
      await store.close();
      for (const step of auth.cleanup) await step();
    },
  };
}

interface DevicesWiring {
  service: DeviceService | undefined;
  channel: DeviceChannel | undefined;
  mqtt: EmbeddedBroker | undefined;
  gateway: MqttGateway | undefined;
  commands: CommandDispatcher | undefined;
  /** Stops the gateway (messages in progress finish); the broker is closed by the caller. */
  close(): Promise<void>;
}

/**
 * Issue 5: the device registry, the device channel, the embedded MQTT broker guarded by
 * device and application authentication, and the gateway over it (or over --mqtt-url).
 */
async function startDevices(
  config: Config,
  log: Logger,
  deps: BrokerDeps,
  contexts: ContextManager,
  auth: AuthWiring,
  internalSecret: string,
  undo: Array<() => Promise<void>>,
): Promise<DevicesWiring> {
  let channel: DeviceChannel | undefined;
  const service = config.devices ? new DeviceService({ ...deps, onRegistryChange: (change) => channel?.registryChanged(change) }) : undefined;
  if (service !== undefined) {
    channel = new DeviceChannel(deps, service, {
      tokenAudience: config.authAudience,
      tokenMaxLifetimeSec: config.deviceTokenMaxLifetimeSec,
      clockToleranceSec: config.authClockSkewSec,
      requireCredentials: config.auth,
      context: contexts.core,
    });
    await channel.start();
  }
  const access = channel === undefined ? undefined : embeddedAccess({ channel, authenticate: auth.authenticate, internalSecret, log: log.child({ component: 'mqtt' }) });
  const mqtt = config.mqttEmbedded ? await startEmbeddedBroker({ host: config.mqttHost, port: config.mqttPort, hooks: access?.hooks }) : undefined;
  if (mqtt) undo.push(() => mqtt.close());
  if (channel === undefined || service === undefined) return { service, channel, mqtt, gateway: undefined, commands: undefined, close: async () => undefined };
  let transport: DeviceTransport | undefined;
  if (config.mqttUrl !== undefined && config.mqttUrl !== '') {
    transport = new ExternalTransport({ url: config.mqttUrl, sharedGroup: config.mqttSharedGroup, log });
  } else if (mqtt !== undefined && access !== undefined) {
    transport = new EmbeddedTransport(mqtt.aedes, access);
  }
  if (transport === undefined) {
    log.warn('device gateway: no MQTT broker (--mqtt-embedded=false and no --mqtt-url); provisioning works, devices cannot connect');
    return { service, channel, mqtt, gateway: undefined, commands: undefined, close: async () => undefined };
  }
  const commands = new CommandDispatcher(deps.store, channel, transport, { ttlMs: config.commandTtlSec * 1000, sweepMs: Math.min(COMMAND_SWEEP_MS, Math.max(100, config.commandTtlSec * 500)) }, log);
  const gateway = new MqttGateway(channel, transport, commands, config.maxDeviceMessageBytes, log.child({ component: 'devices' }));
  await gateway.start();
  await commands.start();
  const close = async (): Promise<void> => {
    await gateway.close();
    await commands.close();
  };
  undo.push(close);
  return { service, channel, mqtt, gateway, commands, close };
}

/** Whether a notification endpoint's host is the embedded broker's address. */
function isLoopbackOr(host: string, brokerHost: string): boolean {
  return host === brokerHost || host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

/**
 * Issue 4: policy, key source, verifier, claim mapping and authenticator from the auth
 * options. Keys come from Weft's local issuer (key in <dataDir>/auth/, tokens from
 * `weft token`) unless --auth-issuer names an external one, whose keys come from its JWKS
 * URL and/or key files (config.ts refuses an external issuer without either).
 */
async function wireAuth(config: Config, log: Logger, now: () => string, audit: AuditSink, undo: Array<() => Promise<void>>): Promise<AuthWiring & { cleanup: Array<() => Promise<void>> }> {
  const cleanup: Array<() => Promise<void>> = [];
  if (!config.auth) {
    log.warn('authentication is OFF: every caller is admin (--auth=false is for development only)');
    return { access: new AccessGuard(undefined, audit, now), authenticate: undefined, localIssuer: undefined, cleanup };
  }
  const policy = await loadPolicy(config.policyFile).catch((err: NodeJS.ErrnoException) => {
    if (typeof err.code === 'string') throw new Error(`--policy / WEFT_POLICY: cannot read ${config.policyFile}: ${err.code}`);
    throw err;
  });
  const external = config.authIssuer !== undefined && config.authIssuer !== '' ? config.authIssuer : undefined;
  let keys: KeySource;
  let localIssuer: LocalIssuer | undefined;
  if (external === undefined) {
    // In memory mode nothing may be written to dataDir: the key lives in a temporary
    // directory for the life of the process, so `weft token` cannot reach it.
    const dir = config.memory ? await mkdtemp(join(tmpdir(), 'weft-auth-')) : config.dataDir;
    if (config.memory) {
      const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
      undo.push(remove);
      cleanup.push(remove);
    }
    localIssuer = await LocalIssuer.open(dir);
    keys = localIssuer.keySource;
    if (config.memory) {
      log.info('in-memory mode: the local token signing key is temporary, so tokens cannot be minted with `weft token`; use --data-dir, an external --auth-issuer, or --auth=false for a throw-away development server');
    } else if (localIssuer.created) {
      log.info({ keyPath: localIssuer.keyPath }, 'created the local token signing key (whoever can read it can mint admin tokens)');
    }
  } else {
    const sources: KeySource[] = [];
    const files = keyFileList(config);
    if (files.length > 0) sources.push(await loadKeyFiles(files));
    if (config.authJwksUrl !== undefined && config.authJwksUrl !== '') sources.push(remoteJwksKeySource({ url: config.authJwksUrl }));
    keys = firstKnowing(sources);
  }
  const verifier = createTokenVerifier({
    keys,
    issuer: external ?? LOCAL_ISSUER,
    audience: config.authAudience,
    clockToleranceSec: config.authClockSkewSec,
  });
  const mapping = compileClaimMapping({
    rolesClaim: config.authRolesClaim,
    scopeClaim: config.authScopeClaim,
    scopeRolePrefix: config.authScopeRolePrefix,
    tenantsClaim: config.authTenantsClaim,
  });
  log.info(
    {
      issuer: external ?? LOCAL_ISSUER,
      audience: config.authAudience,
      jwksUrl: external === undefined ? undefined : config.authJwksUrl,
      keyFiles: external === undefined ? undefined : keyFileList(config),
      policy: config.policyFile,
    },
    external === undefined ? 'authentication on: tokens from the local issuer (`weft token`)' : 'authentication on: tokens from an external issuer',
  );
  return {
    access: new AccessGuard(policy, audit, now),
    authenticate: createAuthenticator(verifier, mapping),
    localIssuer,
    cleanup,
  };
}

/** Key files first (no I/O), then the JWKS URL, for a kid the previous source does not know. */
function firstKnowing(sources: readonly KeySource[]): KeySource {
  if (sources.length === 1) return sources[0];
  return {
    async keysFor(header) {
      let unknown: unknown = new AuthError('unknown_key');
      for (const source of sources) {
        try {
          const found = await source.keysFor(header);
          if (found.length > 0) return found;
        } catch (err) {
          if (!isAuthError(err) || err.reason !== 'unknown_key') throw err;
          unknown = err;
        }
      }
      throw unknown;
    },
  };
}
