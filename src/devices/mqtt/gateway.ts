/**
 * The MQTT device gateway (issue 5): routes each device message to the device channel in
 * the order the device sent it, and counts what happened. A bad message is logged with its
 * reason and counted; it never stops the gateway nor touches the twin.
 */
import type { DeviceChannel } from '../../broker/device-channel';
import { NgsiError } from '../../ngsi/errors';
import type { Logger } from '../../ops/logger';
import { DeviceAuthError } from '../../security/devices';
import type { CommandDispatcher } from '../commands';
import { DevicePayloadError } from '../payload';
import { parseDeviceTopic, type DeviceTopic } from '../topics';
import type { DeviceTransport } from './transport';

export interface GatewayStats {
  messages: number;
  /** Twin updates committed (one per measure group). */
  updates: number;
  measures: number;
  /** Messages refused: bad payload, unknown device, not allowed by the policy, too large. */
  badPayload: number;
  unknownDevice: number;
  denied: number;
  tooLarge: number;
  /** Measures left out of an otherwise good message (conversion failed, unknown key ignored). */
  rejectedMeasures: number;
  commandResults: number;
  failed: number;
}

export class MqttGateway {
  readonly stats: GatewayStats = { messages: 0, updates: 0, measures: 0, badPayload: 0, unknownDevice: 0, denied: 0, tooLarge: 0, rejectedMeasures: 0, commandResults: 0, failed: 0 };
  /** Per device: its messages are applied one after the other, in arrival order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly channel: DeviceChannel,
    private readonly transport: DeviceTransport,
    private readonly commands: CommandDispatcher,
    private readonly maxPayloadBytes: number,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    return this.transport.start((topic, payload) => this.receive(topic, payload));
  }

  /** Stops taking messages and waits for those in progress. */
  async close(): Promise<void> {
    await this.transport.close();
    await Promise.all(this.chains.values());
  }

  /** Resolves when every message received so far has been applied (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  /** Resolves once the message is applied or refused (never rejects). */
  private receive(topic: string, payload: Buffer): Promise<void> {
    const t = parseDeviceTopic(topic);
    if (t === undefined || t.channel === 'cmd') return Promise.resolve();
    this.stats.messages++;
    if (payload.length > this.maxPayloadBytes) {
      this.stats.tooLarge++;
      this.log.warn({ apikey: t.apikey, deviceId: t.deviceId, bytes: payload.length, max: this.maxPayloadBytes }, 'device message too large, dropped');
      return Promise.resolve();
    }
    const k = `${t.apikey}\u0000${t.deviceId}`;
    const next = (this.chains.get(k) ?? Promise.resolve()).then(() => this.handle(t, payload));
    this.chains.set(k, next);
    return next.then(() => {
      if (this.chains.get(k) === next) this.chains.delete(k);
    });
  }

  private async handle(t: DeviceTopic, payload: Buffer): Promise<void> {
    try {
      if (t.channel === 'attrs') {
        const outcome = await this.channel.ingest(t.apikey, t.deviceId, payload, t.format, t.key);
        this.stats.updates += outcome.updates;
        this.stats.measures += outcome.measures;
        if (outcome.rejected.length > 0) {
          this.stats.rejectedMeasures += outcome.rejected.length;
          this.log.info({ apikey: t.apikey, deviceId: t.deviceId, rejected: outcome.rejected }, 'device measures rejected');
        }
        return;
      }
      const answered = await this.channel.commandResults(t.apikey, t.deviceId, payload, t.format);
      this.stats.commandResults += answered.length;
      const known = await this.channel.lookup(t.apikey, t.deviceId);
      if (known !== undefined) for (const a of answered) await this.commands.answered(known, a.command);
    } catch (err) {
      this.count(err, t);
    }
  }

  private count(err: unknown, t: DeviceTopic): void {
    const where = { apikey: t.apikey, deviceId: t.deviceId, channel: t.channel };
    if (err instanceof DevicePayloadError) {
      this.stats.badPayload++;
      this.log.info({ ...where, reason: err.reason }, 'device message refused: bad payload');
    } else if (err instanceof DeviceAuthError) {
      this.stats.unknownDevice++;
      this.log.info(where, 'device message refused: device not provisioned');
    } else if (err instanceof NgsiError && (err.problem === 'Forbidden' || err.problem === 'ResourceNotFound')) {
      this.stats.denied++;
      this.log.warn({ ...where, detail: err.detail }, 'device message refused by the policy');
    } else if (err instanceof NgsiError) {
      // The mapped measures did not make a valid attribute (e.g. a bad GeoJSON value).
      this.stats.badPayload++;
      this.log.info({ ...where, reason: err.detail }, 'device message refused: invalid attribute');
    } else {
      this.stats.failed++;
      this.log.error({ ...where, err }, 'device message failed');
    }
  }
}
