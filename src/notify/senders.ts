/**
 * The Sender the queues use: picks the binding by the endpoint URI's scheme (GS CIM 009
 * v1.8.1 clause 5.2.15: http:, https:, mqtt:, mqtts:). One instance per process, so every
 * subscription shares the keep-alive sockets and broker connections.
 */
import { HttpSender } from './http-sender';
import { MqttSender, type MqttSenderOptions } from './mqtt-sender';
import type { OutgoingNotification, Sender } from './types';

export interface SendersOptions {
  mqtt?: MqttSenderOptions;
}

export function createSenders(options: SendersOptions = {}): Sender {
  const http = new HttpSender();
  const mqtt = new MqttSender(options.mqtt);
  const byScheme: ReadonlyMap<string, Sender> = new Map<string, Sender>([
    ['http:', http],
    ['https:', http],
    ['mqtt:', mqtt],
    ['mqtts:', mqtt],
  ]);
  return {
    send(n: OutgoingNotification, timeoutMs: number): Promise<void> {
      const colon = n.endpoint.uri.indexOf(':');
      const sender = colon > 0 ? byScheme.get(n.endpoint.uri.slice(0, colon + 1).toLowerCase()) : undefined;
      if (sender === undefined) return Promise.reject(new Error(`no notification binding for ${n.endpoint.uri}`));
      return sender.send(n, timeoutMs);
    },
    async close(): Promise<void> {
      await Promise.all([http.close(), mqtt.close()]);
    },
  };
}
