/**
 * The MQTT members of an endpoint's notifierInfo (GS CIM 009 v1.8.1 clause 5.2.15 and
 * the MQTT notification binding): MQTT-QoS and MQTT-Version. Exported so that
 * subscription validation can reject a bad value at creation instead of at each attempt.
 */
import type { KeyValuePair } from '../ngsi/subscription/model';

export type MqttQoS = 0 | 1 | 2;
/** mqtt.js protocolVersion: 4 is MQTT 3.1.1, 5 is MQTT 5.0. */
export type MqttProtocolVersion = 4 | 5;

export interface MqttSettings {
  qos: MqttQoS;
  protocolVersion: MqttProtocolVersion;
}

// A Map, not an object literal: 'toString' or '__proto__' must not count as a version.
const VERSIONS: ReadonlyMap<string, MqttProtocolVersion> = new Map([['mqtt3.1.1', 4], ['mqtt5.0', 5]]);

/** Defaults (QoS 0, MQTT 3.1.1) for absent members; throws on a value the binding does not define. */
export function mqttSettings(notifierInfo: readonly KeyValuePair[] | undefined): MqttSettings {
  let qos: MqttQoS = 0;
  let protocolVersion: MqttProtocolVersion = 4;
  for (const { key, value } of notifierInfo ?? []) {
    if (key === 'MQTT-QoS') {
      if (value !== '0' && value !== '1' && value !== '2') throw new Error(`MQTT-QoS must be 0, 1 or 2, not '${value}'`);
      qos = Number(value) as MqttQoS;
    } else if (key === 'MQTT-Version') {
      const v = VERSIONS.get(value);
      if (v === undefined) throw new Error(`MQTT-Version must be mqtt3.1.1 or mqtt5.0, not '${value}'`);
      protocolVersion = v;
    }
  }
  return { qos, protocolVersion };
}
