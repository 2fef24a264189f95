/**
 * Starts a real Weft server (HTTP + SQLite file store in a fresh temp directory) on a
 * random loopback port, for black-box tests with supertest.
 *
 * Auth is on, as in production: `http` carries an admin token of the server's local issuer
 * on every request, so suites about other things need not think about tokens. Security
 * tests mint their own with `token()` and use `anonymous` for requests without one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { defaultConfig, LOCAL_ISSUER, type Config } from '../../src/config';
import { startServer, type RunningServer } from '../../src/server';

export const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld';
export const DEFAULT_VOCAB = 'https://uri.etsi.org/ngsi-ld/default-context/';

export interface TestServer {
  server: RunningServer;
  dataDir: string;
  config: Config;
  /** A supertest agent bound to the server, sending an admin token with every request. */
  http: supertest.Agent;
  /** A supertest agent without any Authorization header. */
  anonymous: ReturnType<typeof supertest>;
  /** Mints a token of the server's local issuer (auth on, no --auth-issuer). */
  token(opts: TokenRequest): Promise<string>;
  /** Stops the server; keeps the data directory (for restart tests) unless `wipe`. */
  stop(wipe?: boolean): Promise<void>;
}

export interface TokenRequest {
  roles: string[];
  tenants?: string[];
  /** Default 'test-admin'. */
  subject?: string;
  /** Default one hour. */
  ttlSec?: number;
}

export async function startTestServer(overrides: Partial<Config> = {}, dataDir?: string): Promise<TestServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'weft-test-'));
  const config: Config = { ...defaultConfig(), port: 0, dataDir: dir, logLevel: 'silent', mqttPort: 0, ...overrides };
  const server = await startServer(config);
  const issuer = server.localIssuer;
  const token = async (req: TokenRequest): Promise<string> => {
    if (issuer === undefined) throw new Error('startTestServer: no local issuer (auth is off or an external issuer is configured)');
    return issuer.issue({
      subject: req.subject ?? 'test-admin',
      roles: req.roles,
      tenants: req.tenants,
      ttlSec: req.ttlSec ?? 3600,
      issuer: LOCAL_ISSUER,
      audience: config.authAudience,
    });
  };
  const http = supertest.agent(server.url);
  if (issuer !== undefined) http.set('Authorization', `Bearer ${await token({ roles: ['admin'] })}`);
  return {
    server,
    dataDir: dir,
    config,
    http,
    anonymous: supertest(server.url),
    token,
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
