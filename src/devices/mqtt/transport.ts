/**
 * How the gateway reaches devices: the embedded broker in-process (no socket, no CONNECT of
 * its own), or an external broker (Mosquitto, EMQX: --mqtt-url) as an MQTT 5 client with
 * shared subscriptions, so several Weft instances split the devices' messages between them.
 * The gateway sees one interface either way.
 */
import { randomBytes } from 'node:crypto';
import type { Aedes, Client } from 'aedes';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../../ops/logger';
import { DEVICE_TOPIC_FILTERS, isOwnCommandFilter } from '../topics';
import type { EmbeddedAccess } from './access';

/** Resolves when the message has been applied (or refused): then the broker may acknowledge it. */
export type MessageHandler = (topic: string, payload: Buffer) => Promise<void>;

export interface DeviceTransport {
  /** Starts delivering the devices' messages; resolves once subscribed. */
  start(onMessage: MessageHandler): Promise<void>;
  /** A command (QoS 1); resolves when the broker has taken it. */
  publish(topic: string, payload: string): Promise<void>;
  /**
   * Whether the device is subscribed to its command topic now. The embedded broker knows;
   * through an external broker Weft cannot tell, and answers true (the device's persistent
   * session holds the command until it comes back).
   */
  listening(apikey: string, deviceId: string): boolean;
  /** Called when a device subscribes to its command topic (its pending commands can go). */
  onListening(listener: (apikey: string, deviceId: string) => void): void;
  close(): Promise<void>;
}

const key = (apikey: string, deviceId: string): string => `${apikey}\u0000${deviceId}`;

/** How long the start waits for an external broker's SUBACK before going on without it. */
const START_WAIT_MS = 5000;

/**
 * The embedded aedes broker, used in-process: device messages arrive through the access
 * hooks (devices/mqtt/access.ts), before aedes acknowledges them.
 */
export class EmbeddedTransport implements DeviceTransport {
  private readonly subscribed = new Map<string, Set<Client>>();
  private readonly listeners: Array<(apikey: string, deviceId: string) => void> = [];

  constructor(
    private readonly aedes: Aedes,
    private readonly access: Pick<EmbeddedAccess, 'deviceOf' | 'onDeviceMessage'>,
  ) {
    aedes.on('subscribe', (subscriptions, client) => {
      const device = client ? this.access.deviceOf(client) : undefined;
      if (device === undefined || !subscriptions.some((s) => isOwnCommandFilter(s.topic, device.apikey, device.deviceId))) return;
      const k = key(device.apikey, device.deviceId);
      let clients = this.subscribed.get(k);
      if (clients === undefined) this.subscribed.set(k, (clients = new Set()));
      clients.add(client);
      for (const l of this.listeners) l(device.apikey, device.deviceId);
    });
    const gone = (client: Client): void => {
      const device = this.access.deviceOf(client);
      if (device === undefined) return;
      const k = key(device.apikey, device.deviceId);
      const clients = this.subscribed.get(k);
      clients?.delete(client);
      if (clients?.size === 0) this.subscribed.delete(k);
    };
    aedes.on('clientDisconnect', gone);
    aedes.on('unsubscribe', (_topics, client) => gone(client));
  }

  async start(onMessage: MessageHandler): Promise<void> {
    this.access.onDeviceMessage(onMessage);
  }

  publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve()));
    });
  }

  listening(apikey: string, deviceId: string): boolean {
    return this.subscribed.has(key(apikey, deviceId));
  }

  onListening(listener: (apikey: string, deviceId: string) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.access.onDeviceMessage(undefined);
  }
}

export interface ExternalTransportOptions {
  /** mqtt(s)://[user:password@]host:port of the external broker. */
  url: string;
  /** Shared-subscription group ($share/<group>/...); '' subscribes plainly (every instance gets every message). */
  sharedGroup: string;
  log: Logger;
}

/** An external broker, as an MQTT 5 client. */
export class ExternalTransport implements DeviceTransport {
  private readonly client: MqttClient;
  private onMessage: MessageHandler | undefined;

  constructor(private readonly opts: ExternalTransportOptions) {
    const options: IClientOptions = {
      protocolVersion: 5,
      clientId: `weft-gw-${randomBytes(6).toString('hex')}`,
      clean: true,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
      // Clean session: start() subscribes on every (re)connect itself. mqtt.js' own
      // resubscribe only repeats subscriptions that once succeeded, and a subscribe sent
      // while the broker is down fails with "Connection closed" instead of waiting.
      resubscribe: false,
    };
    this.client = connect(opts.url, options);
    this.client.on('error', (err) => opts.log.warn({ err: err.message, url: redact(opts.url) }, 'device MQTT broker connection error'));
    // mqtt.js acknowledges QoS 1 on receipt, before the commit (unlike the embedded broker):
    // a crash loses what it had acknowledged and not yet stored.
    this.client.on('message', (topic, payload) => void this.onMessage?.(topic, payload));
  }

  /**
   * Subscribes on every connect (clean session), the first one included; waits for the
   * first answer at most START_WAIT_MS, so that a broker that is down does not hold the whole
   * server's start: devices are taken in once it is up. A broker that refuses the
   * subscriptions fails the start (a misconfiguration), or is logged when it answers later.
   */
  async start(onMessage: MessageHandler): Promise<void> {
    this.onMessage = onMessage;
    const prefix = this.opts.sharedGroup === '' ? '' : `$share/${this.opts.sharedGroup}/`;
    const filters = DEVICE_TOPIC_FILTERS.map((f) => prefix + f);
    const subscribed = new Promise<void>((resolve, reject) => {
      const subscribe = (): void => {
        this.client.subscribe(filters, { qos: 1 }, (err, granted) => {
          // The connection went before the answer: the next connect subscribes again.
          if (err) return this.opts.log.warn({ err: err.message, url: redact(this.opts.url) }, 'device MQTT subscription interrupted; again on reconnect');
          const refused = (granted ?? []).filter((g) => g.qos >= 0x80);
          if (refused.length > 0) return reject(new Error(`the MQTT broker refused ${refused.map((g) => g.topic).join(', ')}`));
          resolve();
        });
      };
      this.client.on('connect', subscribe);
      if (this.client.connected) subscribe();
    });
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), START_WAIT_MS)));
    const first = await Promise.race([subscribed, waited]).finally(() => clearTimeout(timer));
    if (first === 'late') {
      this.opts.log.warn({ url: redact(this.opts.url) }, 'device MQTT broker not answering yet; devices are taken in once it does');
      subscribed.then(
        () => this.opts.log.info({ url: redact(this.opts.url) }, 'device MQTT broker subscribed'),
        (err: unknown) => this.opts.log.error({ err, url: redact(this.opts.url) }, 'device MQTT broker refused the subscriptions'),
      );
    }
  }

  publish(topic: string, payload: string): Promise<void> {
    return new Promise((resolve, reject) => this.client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
  }

  listening(): boolean {
    return true;
  }

  onListening(): void {
    // An external broker does not tell Weft who subscribes: commands go out at once.
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.client.end(false, {}, () => resolve()));
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return 'invalid URL';
  }
}
