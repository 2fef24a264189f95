/**
 * Who may connect to the embedded MQTT broker and what they may publish or subscribe to.
 *
 * These defaults let every client do everything except publish on $SYS/ (the broker's own
 * topics); they serve embedders and tests that run the broker alone. Weft itself passes
 * the device gateway's hooks (devices/mqtt/access.ts: device and application
 * authentication, per-device topics) to startEmbeddedBroker.
 */
import type { AedesOptions } from 'aedes';

export type AuthenticateHook = NonNullable<AedesOptions['authenticate']>;
export type AuthorizePublishHook = NonNullable<AedesOptions['authorizePublish']>;
export type AuthorizeSubscribeHook = NonNullable<AedesOptions['authorizeSubscribe']>;
export type AuthorizeForwardHook = NonNullable<AedesOptions['authorizeForward']>;

export interface MqttAuthHooks {
  /** CONNECT: checks client id, username and password ([MQTT-3.1.4-2]: refuse with a CONNACK code). */
  authenticate: AuthenticateHook;
  /** PUBLISH from a client (client is null for the broker's own messages). */
  authorizePublish: AuthorizePublishHook;
  /** SUBSCRIBE: may narrow or refuse each subscription (callback with null: refused). */
  authorizeSubscribe: AuthorizeSubscribeHook;
  /** Before delivering a message to a subscriber: the message, or null to withhold it from that client. */
  authorizeForward: AuthorizeForwardHook;
}

/** Any client may connect. */
export const allowAnyClient: AuthenticateHook = (_client, _username, _password, done) => done(null, true);

/**
 * Any topic but the broker's own: a client publishing on $SYS/ could fake the broker's
 * status messages (aedes' own default refuses it too; keep that when replacing this).
 */
export const allowPublishExceptSys: AuthorizePublishHook = (_client, packet, callback) => {
  if (packet.topic.startsWith('$SYS/')) callback(new Error('$SYS/ topics are reserved to the broker'));
  else callback(null);
};

/** Any subscription, unchanged. */
export const allowAnySubscription: AuthorizeSubscribeHook = (_client, subscription, callback) => callback(null, subscription);

export const ALLOW_ALL: MqttAuthHooks = {
  authenticate: allowAnyClient,
  authorizePublish: allowPublishExceptSys,
  authorizeSubscribe: allowAnySubscription,
  authorizeForward: (_client, packet) => packet,
};
