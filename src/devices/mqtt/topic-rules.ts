/**
 * Who may publish and subscribe where on an MQTT broker carrying Weft's devices: the same
 * rules for the embedded broker (access.ts) and for an external one asking Weft over HTTP
 * (routes/devices.ts: EMQX / mosquitto-go-auth HTTP backends). Pure.
 */
import { isOwnCommandFilter, parseDeviceTopic } from '../topics';

/** `<apikey>/<deviceId>`: exactly one slash, both parts non-empty. */
const DEVICE_USERNAME = /^([^/+#]+)\/([^/+#]+)$/;

export interface DeviceLogin {
  apikey: string;
  deviceId: string;
}

/** The device an MQTT username names, or undefined (an application or Weft itself). */
export function deviceLogin(username: string | undefined): DeviceLogin | undefined {
  const m = username === undefined ? null : DEVICE_USERNAME.exec(username);
  return m === null ? undefined : { apikey: m[1], deviceId: m[2] };
}

/** A device publishes only its own measures and command results. */
export function devicePublishAllowed(device: DeviceLogin, topic: string): boolean {
  const t = parseDeviceTopic(topic);
  return t !== undefined && t.apikey === device.apikey && t.deviceId === device.deviceId && t.channel !== 'cmd';
}

/** A device subscribes only to its own command topic, exactly. */
export function deviceSubscribeAllowed(device: DeviceLogin, filter: string): boolean {
  return isOwnCommandFilter(filter, device.apikey, device.deviceId);
}

/** Anything else may publish anywhere but on device topics. */
export function otherPublishAllowed(topic: string): boolean {
  return !topic.startsWith('$SYS/') && parseDeviceTopic(topic) === undefined;
}
