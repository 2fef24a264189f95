/** A real MQTT subscriber for the notify/ and mqtt/ tests: records messages, waits for the n-th. */
import { connectAsync, type IClientSubscribeOptions, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  topic: string;
  payload: any;
  qos: number;
}

export interface MqttTestReceiver {
  client: MqttClient;
  messages: ReceivedMessage[];
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  close(): Promise<void>;
}

export async function subscribeTo(
  url: string,
  topic: string,
  options: { qos?: 0 | 1 | 2; protocolVersion?: 4 | 5; username?: string; password?: string; ca?: string } = {},
): Promise<MqttTestReceiver> {
  const client = await connectAsync(url, {
    protocolVersion: options.protocolVersion ?? 4,
    reconnectPeriod: 0,
    username: options.username,
    password: options.password,
    // mqtts: trust this CA (only) for the broker's certificate.
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const messages: ReceivedMessage[] = [];
  const waiters: Array<{ n: number; wake: () => void }> = [];
  client.on('message', (t, payload, packet) => {
    const text = payload.toString('utf8');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    messages.push({ topic: t, payload: parsed, qos: packet.qos });
    for (const w of waiters.filter((x) => messages.length >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.wake();
    }
  });
  const subOpts: IClientSubscribeOptions = { qos: options.qos ?? 0 };
  await client.subscribeAsync(topic, subOpts);
  return {
    client,
    messages,
    waitFor(n, timeoutMs = 5000) {
      if (messages.length >= n) return Promise.resolve(messages);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${n} MQTT messages, got ${messages.length}`)), timeoutMs);
        waiters.push({ n, wake: () => { clearTimeout(timer); resolve(messages); } });
      });
    },
    close: () => client.endAsync(true),
  };
}
