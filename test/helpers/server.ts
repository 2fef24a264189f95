/**
 * Starts a real Weft server (express + SQLite file store in a fresh temp directory) on a
 * random loopback port, for black-box tests with supertest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { defaultConfig, type Config } from '../../src/config';
import { startServer, type RunningServer } from '../../src/server';

export const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  config: Config;
  /** A supertest agent bound to the server. */
  http: ReturnType<typeof supertest>;
  /** Stops the server; keeps the data directory (for restart tests) unless `wipe`. */
  stop(wipe?: boolean): Promise<void>;
}

export async function startTestServer(overrides: Partial<Config> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'weft-test-'));
  const config: Config = { ...defaultConfig(), port: 0, dataDir: dir, logLevel: 'silent', mqttPort: 0, ...overrides };
  const server = await startServer(config);
  return {
    server,
    dataDir: dir,
    config,
    http: supertest(server.url),
    async stop(wipe = true) {
      await server.close();
      if (wipe) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A small, valid NGSI-LD entity in normalized form. */
export function sensor(n: number | string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `urn:ngsi-ld:Sensor:${n}`,
    type: 'Sensor',
    temperature: { type: 'Property', value: 20 + Number(typeof n === 'number' ? n : 0), unitCode: 'CEL' },
    ...extra,
  };
}
