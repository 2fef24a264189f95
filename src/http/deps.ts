import type { BrokerServices } from '../broker';
import type { AccessGuard } from '../broker/access';
import type { AuditService } from '../broker/audit';
import type { DeviceChannel } from '../broker/device-channel';
import type { DeviceService } from '../broker/devices';
import type { ContextManager } from '../ngsi/jsonld/manager';
import type { Logger } from '../ops/logger';
import type { Authenticator } from '../security/jwt';

/** The use cases the routers call (STYLE.md 5: createRouter(deps)). */
export interface HttpDeps extends BrokerServices {
  contexts: ContextManager;
  /** Checks of what has no broker use case of its own (the @context registry). */
  access: AccessGuard;
  /** Bearer token -> principal; undefined with auth off (--auth=false): no token is asked for. */
  authenticate: Authenticator | undefined;
  /** GET /weft/v1/audit; undefined: the admin API is not mounted (apps assembled in tests). */
  audit?: AuditService;
  /** /weft/v1/iot/services and /iot/devices; undefined: not mounted. */
  devices?: DeviceService;
  /** Device credential checks for external brokers (POST /weft/v1/iot/mqtt/authenticate). */
  deviceChannel?: Pick<DeviceChannel, 'authenticate'>;
  /** The device gateway's counters (GET /weft/v1/iot/stats). */
  deviceStats?: () => object;
  limits: { defaultLimit: number; maxLimit: number; maxBodyBytes: number };
  log: Logger;
}

/**
 * What createApp takes: without `access` and `authenticate` (apps assembled by hand in
 * tests) the app runs with auth off, like --auth=false.
 */
export type AppDeps = Omit<HttpDeps, 'access' | 'authenticate'> & Partial<Pick<HttpDeps, 'access' | 'authenticate'>>;
