/**
 * Commands (issue 5): a write to a command attribute of a device's twin becomes a message
 * on `/{apikey}/{deviceId}/cmd`; the twin shows how it goes in `<command>_status`:
 *
 *   PENDING     accepted, persisted, not yet handed to the device (it is offline)
 *   DELIVERED   published to the device's command topic
 *   OK / ERROR  the device answered on /cmdexe (result in `<command>_info`)
 *   TIMEOUT     no answer before the command expired (--command-ttl-sec)
 *
 * Pending commands live in the store, so a restart neither loses nor repeats them: at start
 * the undelivered ones wait for their device, the expired ones time out. A delivered
 * command is never published again (a device might execute it twice).
 */
import { randomUUID } from 'node:crypto';
import type { EntityChange } from '../broker/changes';
import type { DeviceChannel, KnownDevice } from '../broker/device-channel';
import type { Logger } from '../ops/logger';
import type { DeviceRegistryStore } from '../store/port';
import type { PendingCommand } from './model';
import type { DeviceTransport } from './mqtt/transport';
import { DevicePayloadError, encodeCommand } from './payload';
import { commandTopic } from './topics';
import { commandWritten } from './twin';

export interface CommandSettings {
  /** How long a command waits for its answer. */
  ttlMs: number;
  /** How often expiry is checked. */
  sweepMs: number;
}

export class CommandDispatcher {
  private timer: NodeJS.Timeout | undefined;
  /** Per device, so a device's commands go out (and are reported) in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly store: DeviceRegistryStore,
    private readonly channel: DeviceChannel,
    private readonly transport: DeviceTransport,
    private readonly settings: CommandSettings,
    private readonly log: Logger,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Sends what waited for a restart, then checks expiry every sweepMs. */
  async start(): Promise<void> {
    this.transport.onListening((apikey, deviceId) => this.serial(apikey, deviceId, () => this.flush(apikey, deviceId)));
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepMs);
    this.timer.unref();
    await this.sweep();
  }

  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    return Promise.all(this.chains.values()).then(() => undefined);
  }

  /** Change feed listener: writes to command attributes of twins become commands. */
  readonly onChanges = (changes: readonly EntityChange[]): void => {
    for (const c of changes) {
      if (c.entity === undefined || c.previous === undefined) continue;
      const owner = this.channel.twinDevice(c.tenant, c.id);
      if (owner === undefined) continue;
      const { entity, previous } = c;
      this.serial(owner.apikey, owner.deviceId, async () => {
        const known = await this.channel.lookup(owner.apikey, owner.deviceId);
        if (known === undefined || known.tenant !== c.tenant) return;
        for (const command of known.mapping.commandsByName.values()) {
          const written = commandWritten(entity, previous, command.name);
          if (written !== undefined) await this.dispatch(known, command.name, written.value);
        }
      });
    }
  };

  /** The device answered: the oldest pending command of that name is done. */
  async answered(known: KnownDevice, command: string): Promise<void> {
    const pending = await this.store.listCommands(known.tenant, known.device.deviceId);
    const done = pending.find((p) => p.name === command);
    if (done !== undefined) await this.store.deleteCommand(known.tenant, done.id);
  }

  private async dispatch(known: KnownDevice, name: string, value: unknown): Promise<void> {
    const now = this.nowMs();
    const command: PendingCommand = {
      id: randomUUID(),
      deviceId: known.device.deviceId,
      name,
      value,
      status: 'PENDING',
      attempts: 0,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.settings.ttlMs).toISOString(),
    };
    await this.store.putCommand(known.tenant, command);
    await this.channel.report(known, name, 'PENDING');
    if (this.transport.listening(known.device.apikey, known.device.deviceId)) await this.send(known, command);
  }

  private async send(known: KnownDevice, command: PendingCommand): Promise<void> {
    const declared = known.mapping.commandsByName.get(command.name);
    if (declared === undefined) return;
    const { device } = known;
    let payload: string;
    try {
      payload = encodeCommand(device.payload, device.deviceId, declared.objectId, command.value);
    } catch (err) {
      // A value the device's format cannot carry (UltraLight has no escaping): it never will.
      if (!(err instanceof DevicePayloadError)) throw err;
      await this.store.deleteCommand(known.tenant, command.id);
      await this.channel.report(known, command.name, 'ERROR', `not sent: ${err.reason}`);
      return;
    }
    try {
      await this.transport.publish(commandTopic(device.apikey, device.deviceId), payload);
    } catch (err) {
      // Stays PENDING: sent when the device next subscribes, or times out.
      this.log.warn({ err, deviceId: device.deviceId, command: declared.objectId }, 'command publish failed');
      return;
    }
    const delivered: PendingCommand = { ...command, status: 'DELIVERED', attempts: command.attempts + 1 };
    await this.store.putCommand(known.tenant, delivered);
    await this.channel.report(known, command.name, 'DELIVERED');
  }

  /** The device subscribed to its command topic: its undelivered commands go, oldest first. */
  private async flush(apikey: string, deviceId: string): Promise<void> {
    const known = await this.channel.lookup(apikey, deviceId);
    if (known === undefined) return;
    const now = this.nowMs();
    for (const c of await this.store.listCommands(known.tenant, deviceId)) {
      if (c.status === 'PENDING' && Date.parse(c.expiresAt) > now) await this.send(known, c);
    }
  }

  /** Expired commands time out (on the twin too). */
  private async sweep(): Promise<void> {
    try {
      const now = this.nowMs();
      for (const { tenant, command } of await this.store.allCommands()) {
        if (Date.parse(command.expiresAt) > now) continue;
        const found = await this.store.getDevice(tenant, command.deviceId);
        await this.store.deleteCommand(tenant, command.id);
        if (found === undefined) continue;
        const known = await this.channel.lookup(found.apikey, found.deviceId);
        if (known !== undefined) await this.serial(found.apikey, found.deviceId, () => this.channel.report(known, command.name, 'TIMEOUT'));
      }
    } catch (err) {
      this.log.error({ err }, 'command expiry sweep failed; retried at the next sweep');
    }
  }

  private serial(apikey: string, deviceId: string, work: () => Promise<void>): Promise<void> {
    const k = `${apikey}\u0000${deviceId}`;
    const next = (this.chains.get(k) ?? Promise.resolve()).then(work).catch((err: unknown) => this.log.error({ err, apikey, deviceId }, 'device command handling failed'));
    this.chains.set(k, next);
    void next.then(() => {
      if (this.chains.get(k) === next) this.chains.delete(k);
    });
    return next;
  }
}
