/**
 * The embedded MQTT broker (ARCHITECTURE.md, "Scaling out": one machine runs aedes inside
 * the Weft process; larger deployments point at an external broker instead). aedes 1.2
 * speaks MQTT 3.1.1 only; devices or receivers that need MQTT 5 use an external broker.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { ALLOW_ALL, type MqttAuthHooks } from './auth-hooks';

export interface EmbeddedBrokerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Device authentication / authorisation (device gateway); default: allow all, see auth-hooks. */
  hooks?: Partial<MqttAuthHooks>;

}

export interface EmbeddedBroker {
  /** mqtt://host:port */
  url: string;
  port: number;
  /** For in-process publishers and subscribers (device gateway) that need no socket. */
  aedes: Aedes;
  close(): Promise<void>;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const hooks: MqttAuthHooks = { ...ALLOW_ALL, ...options.hooks };
  const aedes = await Aedes.createBroker({
    authenticate: hooks.authenticate,
    authorizePublish: hooks.authorizePublish,
    authorizeSubscribe: hooks.authorizeSubscribe,
    authorizeForward: hooks.authorizeForward,
  });
  // Tracked so that close() can cut sockets aedes has not taken over yet (mid-CONNECT):
  // net.Server.close() would otherwise wait for them.
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined = undefined;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    aedes,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        for (const s of sockets) s.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}
