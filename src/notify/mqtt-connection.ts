/**
 * One MQTT client per broker (scheme, host, port, credentials, protocol version), shared by
 * every subscription that notifies through that broker: a connection per subscription would
 * cost the broker a session each and the sender a handshake per new subscription.
 *
 * The client reconnects by itself (mqtt.js reconnectPeriod). Senders never publish into
 * mqtt.js' offline queue: they wait for a connection, bounded by their time-out, so an
 * unreachable broker makes the attempt fail (and the delivery queue retry) instead of
 * piling notifications up in memory that would all go out, stale, on reconnection.
 */
import { randomBytes } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { MqttProtocolVersion, MqttQoS } from './mqtt-settings';

/** Where and how to connect; `key` identifies the shared client. */
export interface BrokerAddress {
  key: string;
  protocol: 'mqtt' | 'mqtts';
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  protocolVersion: MqttProtocolVersion;
}

export interface ConnectionTimings {
  /** Pause between two reconnection attempts. */
  reconnectPeriodMs: number;
  /** mqtt.js' own bound on one CONNECT handshake. */
  connectTimeoutMs: number;
}

/** TLS of mqtts: connections. */
export interface BrokerTls {
  /** tls-trust.ts: the default CAs plus --notify-ca-file; undefined: Node's default. */
  secureContext?: SecureContext;
}

/** Parses the broker part of an mqtt:/mqtts: endpoint URI (the path is the topic, see mqtt-sender). */
export function brokerAddress(url: URL, protocolVersion: MqttProtocolVersion): BrokerAddress {
  const protocol = url.protocol === 'mqtts:' ? 'mqtts' : 'mqtt';
  // URL keeps IPv6 literals bracketed; the socket wants them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (protocol === 'mqtts' ? 8883 : 1883) : Number(url.port);
  const username = url.username === '' ? undefined : decodeURIComponent(url.username);
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  const key = JSON.stringify([protocol, host, port, username ?? null, password ?? null, protocolVersion]);
  return { key, protocol, host, port, username, password, protocolVersion };
}

export class BrokerConnection {
  readonly client: MqttClient;
  /** Date.now() of the last publish, to close clients nobody uses any more. */
  lastUsed: number;
  private lastError: string;
  /** The broker refused the protocol version at the last CONNECT (see refusesVersion). */
  private versionRefused = false;
  private readonly waiters = new Set<(err?: Error) => void>();
  private readonly label: string;

  constructor(address: BrokerAddress, timings: ConnectionTimings, tls: BrokerTls = {}) {
    this.label = `${address.protocol}://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
    this.lastUsed = Date.now();
    this.lastError = 'not connected yet';
    // mqtt.js hands its options on to tls.connect (secureContext is not in its types).
    const options: IClientOptions & { secureContext?: SecureContext } = {
      protocol: address.protocol,
      host: address.host,
      port: address.port,
      username: address.username,
      password: address.password,
      protocolVersion: address.protocolVersion,
      // MQTT 3.1.1 [MQTT-3.1.3-5]: servers must accept 1-23 characters; 'weft-' + 16 hex = 21.
      clientId: `weft-${randomBytes(8).toString('hex')}`,
      clean: true,
      reconnectPeriod: timings.reconnectPeriodMs,
      // A refused CONNECT (credentials, server busy) may be fixed on the broker's side: keep
      // trying, or the shared client would stay dead for every subscription using it.
      reconnectOnConnackError: true,
      connectTimeout: timings.connectTimeoutMs,
      // Publishing only while connected (see above); QoS 0 must not be queued offline either.
      queueQoSZero: false,
      resubscribe: false,
    };
    // Verification stays on (mqtt.js' default rejectUnauthorized: true); only the trusted CAs change.
    if (address.protocol === 'mqtts' && tls.secureContext !== undefined) options.secureContext = tls.secureContext;
    this.client = connect(options);
    this.client.on('connect', () => {
      this.lastError = '';
      this.versionRefused = false;
      for (const wake of this.waiters) wake();
      this.waiters.clear();
    });
    // Without an 'error' listener an unreachable broker would throw from the emitter.
    this.client.on('error', (err) => {
      this.lastError = err.message;
      if (refusesVersion(err)) {
        // A broker that does not speak the version never will while it runs: the sends
        // waiting for it fail now, not at their time-out, and say what would work.
        this.lastError = `MQTT broker ${this.label} does not speak MQTT ${address.protocolVersion === 5 ? '5.0' : '3.1.1'} (${err.message})${
          address.protocolVersion === 5 ? "; set MQTT-Version mqtt3.1.1 in the subscription's notifierInfo (Weft's embedded broker speaks 3.1.1)" : ''
        }`;
        this.versionRefused = true;
        const refused = new Error(this.lastError);
        for (const wake of [...this.waiters]) wake(refused);
      }
    });
    this.client.on('close', () => {
      if (this.lastError === '') this.lastError = 'connection closed';
    });
  }

  /** Resolves once connected; rejects after `timeoutMs` with the last connection error. */
  whenConnected(timeoutMs: number): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    if (this.versionRefused) return Promise.reject(new Error(this.lastError));
    return new Promise<void>((resolve, reject) => {
      const wake = (err?: Error): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => wake(new Error(`MQTT broker ${this.label} not reachable within ${timeoutMs} ms: ${this.lastError}`)), timeoutMs);
      this.waiters.add(wake);
    });
  }

  /** Resolves when written (QoS 0) or acknowledged (PUBACK for QoS 1, PUBCOMP for QoS 2). */
  publish(topic: string, payload: Buffer, qos: MqttQoS): Promise<void> {
    this.lastUsed = Date.now();
    return new Promise<void>((resolve, reject) => {
      this.client.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve()));
    });
  }

  async end(): Promise<void> {
    const closed = new Error(`MQTT client for ${this.label} closed`);
    for (const wake of [...this.waiters]) wake(closed);
    await new Promise<void>((resolve) => this.client.end(true, () => resolve()));
  }
}

/**
 * A CONNACK refusing the protocol version: return code 1 in MQTT 3.1.1 (clause 3.2.2.3),
 * reason code 0x84 in MQTT 5.0 (clause 3.2.2.2). mqtt.js reports either as an error with `code`.
 */
function refusesVersion(err: Error): boolean {
  const code = (err as Error & { code?: unknown }).code;
  return code === 1 || code === 0x84;
}
