/**
 * Who may connect to the embedded MQTT broker and what they may publish or subscribe to.
 *
 * Today every client may do everything except publish on $SYS/ (the broker's own topics):
 * the embedded broker listens on loopback by default. The device gateway replaces these
 * defaults with device authentication (credentials / client certificates from the
 * provisioning registry) and per-device topic authorisation; it passes its hooks to
 * startEmbeddedBroker and nothing else here has to change.
 */
import type { AedesOptions } from 'aedes';

export type AuthenticateHook = NonNullable<AedesOptions['authenticate']>;
export type AuthorizePublishHook = NonNullable<AedesOptions['authorizePublish']>;
export type AuthorizeSubscribeHook = NonNullable<AedesOptions['authorizeSubscribe']>;

export interface MqttAuthHooks {
  /** CONNECT: checks client id, username and password ([MQTT-3.1.4-2]: refuse with a CONNACK code). */
  authenticate: AuthenticateHook;
  /** PUBLISH from a client (client is null for the broker's own messages). */
  authorizePublish: AuthorizePublishHook;
  /** SUBSCRIBE: may narrow or refuse each subscription (callback with null: refused). */
  authorizeSubscribe: AuthorizeSubscribeHook;
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
};
