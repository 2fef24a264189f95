/**
 * The Sender the queues use: picks the binding by the endpoint URI's scheme (GS CIM 009
 * v1.8.1 clause 5.2.15: http:, https:, mqtt:, mqtts:). One instance per process, so every
 * subscription shares the keep-alive sockets and broker connections.
 */
import { HttpSender } from './http-sender';
import { MqttSender, type MqttSenderOptions } from './mqtt-sender';
import { notifySecureContext, type NotifyTlsOptions } from './tls-trust';
import type { OutgoingNotification, Sender } from './types';

export interface SendersOptions {
  mqtt?: Omit<MqttSenderOptions, 'secureContext'>;
  /** Extra CAs for https: receivers and mqtts: brokers (--notify-ca-file; tls-trust.ts notifyTls). */
  tls?: NotifyTlsOptions;
}

/** Throws when `tls.ca` holds no valid PEM certificate. */
export function createSenders(options: SendersOptions = {}): Sender {
  // One TLS context for both bindings, built once (tls-trust.ts).
  const secureContext = notifySecureContext(options.tls);
  const http = new HttpSender({ secureContext });
  const mqtt = new MqttSender({ ...options.mqtt, secureContext });
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
