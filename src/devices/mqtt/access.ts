/**
 * Who may use the embedded MQTT broker, and for what (issues 4 and 5). Three kinds of
 * client, told apart at CONNECT by the username:
 *
 *   `<apikey>/<deviceId>`   a device. Its password is its password or a token it signed
 *                           (DeviceChannel.authenticate). It may publish only its own
 *                           measures and command results and subscribe only to its own
 *                           command topic.
 *   `weft`                  Weft's own clients (the notification sender), with the
 *                           per-process secret server.ts hands both sides.
 *   anything else           an application (e.g. a notification receiver) presenting a Weft
 *                           bearer token as its password. It may use every topic outside the
 *                           device topics: it can neither publish as a device nor read one.
 *
 * Device topics are never forwarded to a client other than the device whose command topic
 * it is: measures go to the gateway (an in-process subscriber, not a client), so a `#`
 * subscription cannot read around the policy. With --auth=false (development) anyone
 * connects; the topic rules still hold.
 */
import { timingSafeEqual } from 'node:crypto';
import type { AuthenticateError } from 'aedes';
import type { DeviceChannel } from '../../broker/device-channel';
import type { Logger } from '../../ops/logger';
import { DeviceAuthError } from '../../security/devices';
import type { Authenticator } from '../../security/jwt';
import type { MqttAuthHooks } from '../../mqtt/auth-hooks';
import { parseDeviceTopic } from '../topics';
import { deviceLogin, devicePublishAllowed, deviceSubscribeAllowed, otherPublishAllowed } from './topic-rules';

export const INTERNAL_USERNAME = 'weft';

type Identity =
  | { kind: 'device'; apikey: string; deviceId: string }
  | { kind: 'internal' }
  | { kind: 'application'; subject: string | undefined };

export interface EmbeddedAccessDeps {
  channel: DeviceChannel;
  /** Bearer tokens of applications; undefined with --auth=false: anyone connects. */
  authenticate: Authenticator | undefined;
  /** Password of INTERNAL_USERNAME. */
  internalSecret: string;
  log: Logger;
}


/** The device a connected client authenticated as, if it is one (command delivery). */
export type DeviceOf = (client: object) => { apikey: string; deviceId: string } | undefined;

/** Applies a device's message; resolves when it is committed or refused. */
export type DeviceMessageHandler = (topic: string, payload: Buffer) => Promise<void>;

export interface EmbeddedAccess {
  hooks: MqttAuthHooks;
  deviceOf: DeviceOf;
  /**
   * Where a device's own measures and command results go, from inside authorizePublish:
   * aedes writes the QoS 1 PUBACK only after that hook calls back (it acknowledges before
   * routing otherwise), so an acknowledged measure is a committed one, and a device cannot
   * run ahead of the store. undefined: accepted and routed as any message.
   */
  onDeviceMessage(handler: DeviceMessageHandler | undefined): void;
}

export function embeddedAccess(deps: EmbeddedAccessDeps): EmbeddedAccess {
  let deviceMessage: DeviceMessageHandler | undefined;
  const identities = new WeakMap<object, Identity>();
  const deviceOf: DeviceOf = (client) => {
    const id = identities.get(client);
    return id?.kind === 'device' ? { apikey: id.apikey, deviceId: id.deviceId } : undefined;
  };
  const internal = Buffer.from(deps.internalSecret, 'utf8');

  const refuse = (done: (e: AuthenticateError | null, ok: boolean | null) => void, code: 4 | 5, why: string): void => {
    const err = new Error(why) as AuthenticateError;
    err.returnCode = code;
    done(err, null);
  };

  const hooks: MqttAuthHooks = {
    authenticate(client, username, password, done) {
      const secret = password?.toString('utf8');
      const device = deviceLogin(username);
      if (device !== undefined) {
        const { apikey, deviceId } = device;
        deps.channel.authenticate(apikey, deviceId, secret).then(
          () => {
            identities.set(client, { kind: 'device', apikey, deviceId });
            done(null, true);
          },
          (err: unknown) => {
            if (!(err instanceof DeviceAuthError)) deps.log.error({ err, apikey, deviceId }, 'device authentication failed unexpectedly');
            else deps.log.info({ apikey, deviceId, clientId: client.id, reason: err.reason }, 'device refused at CONNECT');
            refuse(done, 4, 'bad device credentials');
          },
        );
        return;
      }
      if (username === INTERNAL_USERNAME) {
        if (password !== undefined && password.length === internal.length && timingSafeEqual(password, internal)) {
          identities.set(client, { kind: 'internal' });
          done(null, true);
        } else refuse(done, 4, 'bad credentials');
        return;
      }
      if (deps.authenticate === undefined) {
        identities.set(client, { kind: 'application', subject: undefined });
        done(null, true);
        return;
      }
      if (secret === undefined || secret === '') {
        refuse(done, 5, 'a bearer token is required as the MQTT password');
        return;
      }
      deps.authenticate(secret).then(
        (principal) => {
          identities.set(client, { kind: 'application', subject: principal.subject });
          done(null, true);
        },
        () => refuse(done, 4, 'invalid bearer token'),
      );
    },

    authorizePublish(client, packet, callback) {
      if (client === null) return callback(null); // Weft's own in-process publications
      const id = identities.get(client);
      if (id?.kind === 'device') {
        if (!devicePublishAllowed(id, packet.topic)) return callback(new Error('a device publishes only its own measures and command results'));
        if (deviceMessage === undefined) return callback(null);
        // The handler never rejects (the gateway counts and logs refusals itself).
        deviceMessage(packet.topic, packet.payload as Buffer).then(() => callback(null), () => callback(null));
        return;
      }
      callback(otherPublishAllowed(packet.topic) ? null : new Error('device topics are for devices, $SYS/ for the broker'));
    },

    authorizeSubscribe(client, subscription, callback) {
      const id = identities.get(client);
      if (id?.kind === 'device' && !deviceSubscribeAllowed(id, subscription.topic)) {
        // null refuses this one subscription (SUBACK 0x80), the connection stays.
        return callback(null, null);
      }
      callback(null, subscription);
    },

    authorizeForward(client, packet) {
      const topic = parseDeviceTopic(packet.topic);
      if (topic === undefined) return packet;
      const id = identities.get(client);
      const ownCommand = topic.channel === 'cmd' && id?.kind === 'device' && id.apikey === topic.apikey && id.deviceId === topic.deviceId;
      return ownCommand ? packet : null;
    },
  };
  return {
    hooks,
    deviceOf,
    onDeviceMessage: (handler) => {
      deviceMessage = handler;
    },
  };
}
