/**
 * One typed configuration object, from command-line flags and WEFT_* environment variables
 * (flags win). Every option is listed in OPTIONS so the README's reference and `--help`
 * come from one table.
 */
import { join } from 'node:path';
import { parseRetention } from './ngsi/temporal/retention';
import { readCaFile } from './notify/tls-trust';

/** `iss` of the tokens Weft's own issuer signs (`weft token`) when no --auth-issuer is set. */
export const LOCAL_ISSUER = 'urn:weft:local';

/**
 * The shipped policy. Resolved from this file's directory, which is src/ under tsx and
 * dist/ after `npm run build` (tsconfig.build.json: rootDir src, outDir dist): both sit
 * one level below the package root, where policy/ lives.
 */
export const DEFAULT_POLICY_FILE = join(__dirname, '..', 'policy', 'default.yaml');

export interface Config {
  host: string;
  port: number;
  /** Where the embedded store keeps its files. */
  dataDir: string;
  /** Ephemeral in-memory store (nothing written to dataDir). */
  memory: boolean;
  /** Public base URL (for Location headers and hosted @context URLs); defaults to http://host:port. */
  publicUrl: string | undefined;
  /** Largest accepted request body, bytes (larger: 413). */
  maxBodyBytes: number;
  /** Default and maximum page size of queries (clause 5.5.9 / 6.3.10: default 20). */
  defaultLimit: number;
  maxLimit: number;
  /** Remote @context fetching. */
  contextFetchTimeoutMs: number;
  maxContextBytes: number;
  contextCacheSize: number;
  /** Largest number of entities one batch request may carry. */
  maxBatchEntities: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Temporal history (TRoE) of every entity write; costs one row per changed attribute. */
  recordHistory: boolean;
  /**
   * Temporal retention: ISO 8601 duration for every tenant, then `tenant=duration` overrides,
   * comma-separated ("P90D,acme=P7D"); '' keeps history forever (ngsi/temporal/retention).
   */
  historyRetention: string;
  /** Most instances per attribute in one temporal answer; more: 206 with Content-Range (clause 6.3.10). */
  temporalMaxInstances: number;
  /** Most instances of one attribute loaded into memory to aggregate it (non-numeric values, lastN). */
  temporalMaxAggregatedInstances: number;
  /** Notification delivery (notify/): per-attempt time-out, attempts, first back-off, queue bound. */
  notifyTimeoutMs: number;
  notifyAttempts: number;
  notifyBackoffMs: number;
  notifyQueueLimit: number;
  /** PEM file of CAs trusted besides the default ones for https: and mqtts: notifications; '' : none. */
  notifyCaFile: string;
  /** Embedded MQTT broker (aedes) for devices and MQTT notifications. */
  mqttEmbedded: boolean;
  mqttHost: string;
  mqttPort: number;
  /** External MQTT broker for devices (mqtt[s]://[user:pass@]host:port); undefined: the embedded one. */
  mqttUrl: string | undefined;
  /** Shared-subscription group on the external broker ('' : plain subscriptions). */
  mqttSharedGroup: string;
  /** The device gateway (provisioning API, MQTT ingestion, commands). */
  devices: boolean;
  /** Largest device message accepted, bytes. */
  maxDeviceMessageBytes: number;
  /** Longest lifetime (exp - iat) of a device-signed token, seconds. */
  deviceTokenMaxLifetimeSec: number;
  /** How long a command waits for the device's answer before TIMEOUT, seconds. */
  commandTtlSec: number;
  /** Bearer-token authentication and policy enforcement (issue 4); false: every caller is admin. */
  auth: boolean;
  /** `iss` of accepted tokens; undefined = Weft's local issuer (LOCAL_ISSUER, key in dataDir/auth/). */
  authIssuer: string | undefined;
  /** `aud` accepted tokens must carry; the local issuer puts the same value in its tokens. */
  authAudience: string;
  /** JWKS URL of an external issuer. */
  authJwksUrl: string | undefined;
  /** Comma-separated public key files (PEM or JWK/JWKS) of an external issuer. */
  authKeyFiles: string | undefined;
  /** Claim names (dotted paths allowed) the principal is read from (security/jwt/principal.ts). */
  authRolesClaim: string;
  authScopeClaim: string;
  /** Scopes with this prefix become roles, prefix stripped; undefined: scopes never become roles. */
  authScopeRolePrefix: string | undefined;
  authTenantsClaim: string;
  /** Allowed clock skew for exp/nbf/iat, seconds. */
  authClockSkewSec: number;
  /** The RBAC policy (YAML or JSON); default: the shipped policy/default.yaml. */
  policyFile: string;
  /** Days the audit log keeps an event (<dataDir>/audit.sqlite); 0 keeps them forever. */
  auditRetentionDays: number;
}

interface OptionSpec {
  key: keyof Config;
  flag: string;
  env: string;
  kind: 'string' | 'int' | 'bool';
  default: Config[keyof Config];
  help: string;
}

export const OPTIONS: OptionSpec[] = [
  { key: 'host', flag: '--host', env: 'WEFT_HOST', kind: 'string', default: '127.0.0.1', help: 'address to listen on' },
  { key: 'port', flag: '--port', env: 'WEFT_PORT', kind: 'int', default: 1026, help: 'HTTP port of the NGSI-LD API' },
  { key: 'dataDir', flag: '--data-dir', env: 'WEFT_DATA_DIR', kind: 'string', default: './data', help: 'directory of the embedded SQLite store' },
  { key: 'memory', flag: '--memory', env: 'WEFT_MEMORY', kind: 'bool', default: false, help: 'ephemeral in-memory store (nothing is persisted)' },
  { key: 'publicUrl', flag: '--public-url', env: 'WEFT_PUBLIC_URL', kind: 'string', default: undefined, help: 'base URL clients reach Weft at (default http://HOST:PORT)' },
  { key: 'maxBodyBytes', flag: '--max-body-bytes', env: 'WEFT_MAX_BODY_BYTES', kind: 'int', default: 2 * 1024 * 1024, help: 'largest request body accepted; larger gets 413' },
  { key: 'defaultLimit', flag: '--default-limit', env: 'WEFT_DEFAULT_LIMIT', kind: 'int', default: 20, help: 'page size when a query gives no limit' },
  { key: 'maxLimit', flag: '--max-limit', env: 'WEFT_MAX_LIMIT', kind: 'int', default: 1000, help: 'largest limit a query may ask for (larger: TooManyResults)' },
  { key: 'contextFetchTimeoutMs', flag: '--context-timeout-ms', env: 'WEFT_CONTEXT_TIMEOUT_MS', kind: 'int', default: 5000, help: 'time-out for fetching a remote @context' },
  { key: 'maxContextBytes', flag: '--max-context-bytes', env: 'WEFT_MAX_CONTEXT_BYTES', kind: 'int', default: 1024 * 1024, help: 'largest remote @context document accepted' },
  { key: 'contextCacheSize', flag: '--context-cache-size', env: 'WEFT_CONTEXT_CACHE_SIZE', kind: 'int', default: 500, help: 'compiled @contexts kept in memory' },
  { key: 'maxBatchEntities', flag: '--max-batch', env: 'WEFT_MAX_BATCH', kind: 'int', default: 10000, help: 'largest number of entities in one batch operation' },
  { key: 'recordHistory', flag: '--record-history', env: 'WEFT_RECORD_HISTORY', kind: 'bool', default: true, help: 'record every attribute change in the temporal history; false: only what /temporal writes' },
  { key: 'historyRetention', flag: '--history-retention', env: 'WEFT_HISTORY_RETENTION', kind: 'string', default: '', help: "maximum age of temporal history: ISO 8601 duration, then tenant=duration overrides ('P90D,acme=P7D'); '' keeps all" },
  { key: 'temporalMaxAggregatedInstances', flag: '--temporal-max-aggregated-instances', env: 'WEFT_TEMPORAL_MAX_AGGREGATED_INSTANCES', kind: 'int', default: 200_000, help: 'most instances of one attribute read into memory for aggregatedValues the store cannot compute in SQL (non-numeric values, lastN); more: 403 TooManyResults' },
  { key: 'temporalMaxInstances', flag: '--temporal-max-instances', env: 'WEFT_TEMPORAL_MAX_INSTANCES', kind: 'int', default: 10_000, help: 'most instances per attribute in one temporal answer; more: 206 Partial Content with Content-Range' },
  { key: 'notifyTimeoutMs', flag: '--notify-timeout-ms', env: 'WEFT_NOTIFY_TIMEOUT_MS', kind: 'int', default: 10_000, help: 'time-out of one notification attempt' },
  { key: 'notifyAttempts', flag: '--notify-attempts', env: 'WEFT_NOTIFY_ATTEMPTS', kind: 'int', default: 5, help: 'attempts per notification before it counts as failed' },
  { key: 'notifyBackoffMs', flag: '--notify-backoff-ms', env: 'WEFT_NOTIFY_BACKOFF_MS', kind: 'int', default: 1000, help: 'wait before the first retry; doubles on each further retry' },
  { key: 'notifyQueueLimit', flag: '--notify-queue-limit', env: 'WEFT_NOTIFY_QUEUE_LIMIT', kind: 'int', default: 10_000, help: 'changes queued per subscription before the oldest are dropped' },
  { key: 'notifyCaFile', flag: '--notify-ca-file', env: 'WEFT_NOTIFY_CA_FILE', kind: 'string', default: '', help: "PEM file of CA certificates trusted, besides the default CAs, for https: notification receivers and mqtts: brokers ('': the default CAs only)" },
  { key: 'mqttEmbedded', flag: '--mqtt-embedded', env: 'WEFT_MQTT_EMBEDDED', kind: 'bool', default: true, help: 'run the embedded MQTT broker' },
  { key: 'mqttHost', flag: '--mqtt-host', env: 'WEFT_MQTT_HOST', kind: 'string', default: '127.0.0.1', help: 'address of the embedded MQTT broker' },
  { key: 'mqttPort', flag: '--mqtt-port', env: 'WEFT_MQTT_PORT', kind: 'int', default: 1883, help: 'port of the embedded MQTT broker (0: any free port)' },
  { key: 'mqttUrl', flag: '--mqtt-url', env: 'WEFT_MQTT_URL', kind: 'string', default: undefined, help: 'external MQTT broker for devices (mqtt://user:pass@host:1883); unset: the embedded broker' },
  { key: 'mqttSharedGroup', flag: '--mqtt-shared-group', env: 'WEFT_MQTT_SHARED_GROUP', kind: 'string', default: 'weft', help: "shared-subscription group on the external broker, so several Weft instances split the devices' messages ('': every instance gets every message)" },
  { key: 'devices', flag: '--devices', env: 'WEFT_DEVICES', kind: 'bool', default: true, help: 'run the device gateway (provisioning API, MQTT ingestion, commands)' },
  { key: 'maxDeviceMessageBytes', flag: '--max-device-message-bytes', env: 'WEFT_MAX_DEVICE_MESSAGE_BYTES', kind: 'int', default: 65_536, help: 'largest device message accepted; larger ones are dropped and counted' },
  { key: 'deviceTokenMaxLifetimeSec', flag: '--device-token-max-lifetime-sec', env: 'WEFT_DEVICE_TOKEN_MAX_LIFETIME_SEC', kind: 'int', default: 3600, help: 'longest lifetime (exp - iat) of a device-signed token' },
  { key: 'commandTtlSec', flag: '--command-ttl-sec', env: 'WEFT_COMMAND_TTL_SEC', kind: 'int', default: 3600, help: "how long a command waits for the device's answer before its status becomes TIMEOUT" },
  { key: 'auth', flag: '--auth', env: 'WEFT_AUTH', kind: 'bool', default: true, help: 'require a bearer token (JWT) on /ngsi-ld/v1 and enforce the policy; false: every caller is admin (development only)' },
  { key: 'authIssuer', flag: '--auth-issuer', env: 'WEFT_AUTH_ISSUER', kind: 'string', default: undefined, help: `iss of accepted tokens (an external identity provider; needs --auth-jwks-url or --auth-key-files); unset: Weft's local issuer (${LOCAL_ISSUER}, \`weft token\`)` },
  { key: 'authAudience', flag: '--auth-audience', env: 'WEFT_AUTH_AUDIENCE', kind: 'string', default: 'weft', help: 'aud accepted tokens must carry' },
  { key: 'authJwksUrl', flag: '--auth-jwks-url', env: 'WEFT_AUTH_JWKS_URL', kind: 'string', default: undefined, help: "JWKS URL of the external issuer's signing keys (https; http only to loopback)" },
  { key: 'authKeyFiles', flag: '--auth-key-files', env: 'WEFT_AUTH_KEY_FILES', kind: 'string', default: undefined, help: "comma-separated public key files (PEM, JWK or JWKS) of the external issuer" },
  { key: 'authRolesClaim', flag: '--auth-roles-claim', env: 'WEFT_AUTH_ROLES_CLAIM', kind: 'string', default: 'roles', help: 'token claim holding the roles (dotted path allowed, e.g. realm_access.roles)' },
  { key: 'authScopeClaim', flag: '--auth-scope-claim', env: 'WEFT_AUTH_SCOPE_CLAIM', kind: 'string', default: 'scope', help: "token claim holding OAuth scopes ('scp' for Entra ID / Okta)" },
  { key: 'authScopeRolePrefix', flag: '--auth-scope-role-prefix', env: 'WEFT_AUTH_SCOPE_ROLE_PREFIX', kind: 'string', default: undefined, help: "scopes starting with this prefix become roles, prefix stripped ('weft:' makes weft:admin the role admin); unset: scopes are not roles" },
  { key: 'authTenantsClaim', flag: '--auth-tenants-claim', env: 'WEFT_AUTH_TENANTS_CLAIM', kind: 'string', default: 'tenants', help: 'token claim listing the tenants the token is limited to' },
  { key: 'authClockSkewSec', flag: '--auth-clock-skew-sec', env: 'WEFT_AUTH_CLOCK_SKEW_SEC', kind: 'int', default: 30, help: 'clock skew tolerated when checking exp, nbf and iat, seconds' },
  { key: 'policyFile', flag: '--policy', env: 'WEFT_POLICY', kind: 'string', default: DEFAULT_POLICY_FILE, help: 'authorization policy file (YAML or JSON); default: the shipped policy/default.yaml' },
  { key: 'auditRetentionDays', flag: '--audit-retention-days', env: 'WEFT_AUDIT_RETENTION_DAYS', kind: 'int', default: 30, help: 'days the audit log keeps an event (0: forever)' },
  { key: 'logLevel', flag: '--log-level', env: 'WEFT_LOG_LEVEL', kind: 'string', default: 'info', help: 'fatal, error, warn, info, debug, trace or silent' },
];

export function defaultConfig(): Config {
  const c: Record<string, unknown> = {};
  for (const o of OPTIONS) c[o.key] = o.default;
  return c as unknown as Config;
}

function convert(o: OptionSpec, raw: string): Config[keyof Config] {
  if (o.kind === 'int') {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${o.flag} / ${o.env}: expected a non-negative integer, got "${raw}"`);
    return n;
  }
  if (o.kind === 'bool') {
    if (['1', 'true', 'yes', 'on', ''].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    throw new Error(`${o.flag} / ${o.env}: expected true or false, got "${raw}"`);
  }
  return raw;
}

/** Config from flags (`--port 1027`, `--memory`, `--port=1027`) over WEFT_* env over defaults. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const c = defaultConfig() as unknown as Record<string, unknown>;
  for (const o of OPTIONS) {
    const v = env[o.env];
    if (v !== undefined) c[o.key] = convert(o, v);
  }
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const o = OPTIONS.find((x) => x.flag === flag);
    if (!o) throw new Error(`unknown option ${flag} (see --help)`);
    if (o.kind === 'bool' && inline === undefined) c[o.key] = true;
    else {
      const raw = inline ?? argv[++i];
      if (raw === undefined) throw new Error(`${flag} needs a value`);
      c[o.key] = convert(o, raw);
    }
  }
  const cfg = c as unknown as Config;
  if (cfg.maxLimit < 1 || cfg.defaultLimit < 1 || cfg.defaultLimit > cfg.maxLimit) {
    throw new Error('limits: need 1 <= default-limit <= max-limit');
  }
  if (cfg.temporalMaxAggregatedInstances < 1) throw new Error('--temporal-max-aggregated-instances / WEFT_TEMPORAL_MAX_AGGREGATED_INSTANCES: need at least 1');
  if (cfg.temporalMaxInstances < 1) throw new Error('--temporal-max-instances / WEFT_TEMPORAL_MAX_INSTANCES: need at least 1');
  parseRetention(cfg.historyRetention); // a bad --history-retention fails at start, not at the first pass
  checkNotifyCaFile(cfg);
  checkAuth(cfg);
  return cfg;
}

/** Auth options that cannot work together fail at start, with the fix in the message. */
function checkAuth(cfg: Config): void {
  if (!cfg.auth) return;
  const external = cfg.authIssuer !== undefined && cfg.authIssuer !== '';
  const keys = (cfg.authJwksUrl ?? '') !== '' || keyFileList(cfg).length > 0;
  if (external && !keys) {
    throw new Error('--auth-issuer / WEFT_AUTH_ISSUER: an external issuer needs its signing keys: give --auth-jwks-url or --auth-key-files');
  }
  if (!external && keys) {
    throw new Error('--auth-jwks-url / --auth-key-files: name the issuer those keys belong to with --auth-issuer (without it Weft uses its own local issuer)');
  }
  if (cfg.authAudience === '') throw new Error('--auth-audience / WEFT_AUTH_AUDIENCE: must not be empty');
  if (cfg.policyFile === '') throw new Error('--policy / WEFT_POLICY: must name a policy file');
}

/** A missing, unreadable or non-PEM --notify-ca-file fails at start, not at the first notification. */
function checkNotifyCaFile(cfg: Config): void {
  if (cfg.notifyCaFile === '') return;
  try {
    readCaFile(cfg.notifyCaFile);
  } catch (err) {
    throw new Error(`--notify-ca-file / WEFT_NOTIFY_CA_FILE: ${(err as Error).message}`);
  }
}

/** --auth-key-files as a list of paths. */
export function keyFileList(cfg: Pick<Config, 'authKeyFiles'>): string[] {
  return (cfg.authKeyFiles ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
}

export function helpText(): string {
  return OPTIONS.map((o) => `  ${o.flag.padEnd(22)} ${o.env.padEnd(26)} ${o.help} (default: ${String(o.default)})`).join('\n');
}
