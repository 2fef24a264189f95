/**
 * Delivers notifications to mqtt: and mqtts: endpoints (GS CIM 009 v1.8.1 clause 5.2.15 and
 * the MQTT notification binding): the endpoint URI names the broker, its path the topic;
 * notifierInfo chooses QoS and protocol version. The message is a JSON object holding the
 * would-be HTTP headers in `metadata` and the Notification in `body`, as Stellio sends it,
 * so one receiver can read both bindings the same way.
 */
import type { SecureContext } from 'node:tls';
import { BrokerConnection, brokerAddress, type BrokerAddress, type ConnectionTimings } from './mqtt-connection';
import { mqttSettings } from './mqtt-settings';
import type { OutgoingNotification, Sender } from './types';

export interface MqttSenderOptions extends Partial<ConnectionTimings> {
  /** A broker client nobody published through for this long is closed (it reconnects forever otherwise). */
  idleCloseMs?: number;
  /**
   * Credentials for a broker the endpoint URI gives none for: Weft's own login to its
   * embedded broker (devices/mqtt/access.ts), which refuses anonymous clients.
   */
  localCredentials?: (host: string, port: number) => { username: string; password: string } | undefined;
  /** TLS context of mqtts: connections (tls-trust.ts); undefined: Node's default CAs. */
  secureContext?: SecureContext;
}

const DEFAULT_RECONNECT_PERIOD_MS = 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_IDLE_CLOSE_MS = 10 * 60_000;

/** Members Weft sets itself; a receiverInfo entry of the same name does not replace them. */
const RESERVED = new Set(['content-type', 'link', 'ngsild-tenant']);

export class MqttSender implements Sender {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly timings: ConnectionTimings;
  private readonly idleCloseMs: number;
  private readonly localCredentials: MqttSenderOptions['localCredentials'];
  private readonly secureContext: SecureContext | undefined;
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;

  constructor(options: MqttSenderOptions = {}) {
    this.timings = {
      reconnectPeriodMs: options.reconnectPeriodMs ?? DEFAULT_RECONNECT_PERIOD_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
    this.idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
    this.localCredentials = options.localCredentials;
    this.secureContext = options.secureContext;
    // A deleted subscription leaves its client behind; one sweep timer for all of them.
    this.sweeper = setInterval(() => this.closeIdle(), Math.max(1000, Math.min(60_000, this.idleCloseMs / 2)));
    this.sweeper.unref();
  }

  async send(n: OutgoingNotification, timeoutMs: number): Promise<void> {
    if (this.closed) throw new Error('MQTT sender closed');
    const url = new URL(n.endpoint.uri);
    if (url.protocol !== 'mqtt:' && url.protocol !== 'mqtts:') throw new Error(`not an mqtt(s) endpoint: ${n.endpoint.uri}`);
    const topic = decodeURIComponent(url.pathname.slice(1));
    if (topic === '') throw new Error(`no topic in ${n.endpoint.uri}: the topic is the URI path`);
    const settings = mqttSettings(n.endpoint.notifierInfo);
    const conn = this.connection(this.withLocalCredentials(brokerAddress(url, settings.protocolVersion)));
    conn.lastUsed = Date.now();
    const payload = Buffer.from(JSON.stringify({ metadata: metadata(n), body: n.body }), 'utf8');

    const deadline = Date.now() + timeoutMs;
    await conn.whenConnected(timeoutMs);
    await withTimeout(conn.publish(topic, payload, settings.qos), Math.max(1, deadline - Date.now()), () =>
      new Error(`MQTT publish to '${topic}' not ${settings.qos === 0 ? 'written' : 'acknowledged'} within ${timeoutMs} ms`));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((c) => c.end()));
  }

  private withLocalCredentials(address: BrokerAddress): BrokerAddress {
    if (address.username !== undefined || this.localCredentials === undefined) return address;
    const login = this.localCredentials(address.host, address.port);
    return login === undefined ? address : { ...address, ...login, key: `${address.key}+local` };
  }

  private connection(address: BrokerAddress): BrokerConnection {
    let conn = this.connections.get(address.key);
    if (conn === undefined) {
      conn = new BrokerConnection(address, this.timings, { secureContext: this.secureContext });
      this.connections.set(address.key, conn);
    }
    return conn;
  }

  private closeIdle(): void {
    const now = Date.now();
    for (const [key, conn] of this.connections) {
      if (now - conn.lastUsed < this.idleCloseMs) continue;
      this.connections.delete(key);
      void conn.end();
    }
  }
}

/** The binding's metadata: what the HTTP binding would send as headers. */
function metadata(n: OutgoingNotification): Record<string, string> {
  // No prototype: a receiverInfo key '__proto__' must stay a plain member.
  const m = Object.create(null) as Record<string, string>;
  m['Content-Type'] = n.contentType;
  if (n.link !== undefined) m.Link = n.link;
  if (n.tenant !== '') m['NGSILD-Tenant'] = n.tenant;
  // Clause 5.2.15 receiverInfo: added to every notification's metadata.
  for (const { key, value } of n.endpoint.receiverInfo ?? []) {
    if (!RESERVED.has(key.toLowerCase())) m[key] = value;
  }
  return m;
}

function withTimeout(p: Promise<void>, ms: number, error: () => Error): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(error()), ms);
    p.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
