#!/usr/bin/env node
/**
 * Command line: `weft start [options]`, `weft token [options]`, `weft --help`. Thin:
 * parsing and wiring only.
 */
import { defaultConfig, helpText, loadConfig, LOCAL_ISSUER } from './config';
import { LocalIssuer } from './security/jwt';
import { startServer } from './server';

const DEFAULT_SUBJECT = 'weft-cli';
const DEFAULT_TTL_SEC = 3600;
const TTL_UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

const USAGE = `Usage: weft start [options]
       weft token --role <role> [--role <role> ...] [--tenant <tenant> ...] [--subject <sub>] [--ttl 1h|30m|3600] [--data-dir <dir>]

weft start   starts the Weft NGSI-LD broker. Options (flag, environment variable, meaning):
${helpText()}

weft token   prints a bearer token signed by Weft's local issuer (the key in <data-dir>/auth/,
             created by the first \`weft start\` or by this command), for
             curl -H "Authorization: Bearer $TOKEN". Roles are those of the policy
             (policy/default.yaml: admin, operator, viewer, device, auditor). Defaults:
             --subject ${DEFAULT_SUBJECT}, --ttl 1h, the data directory of \`weft start\`
             (--data-dir, WEFT_DATA_DIR, ./data). Not available with WEFT_AUTH_ISSUER: an
             external issuer's tokens come from that issuer.
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'token') {
    process.stdout.write(`${await mintToken(rest, process.env)}\n`);
    return;
  }
  if (command !== 'start') {
    process.stderr.write(`unknown command '${command}'\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig(rest, process.env);
  const server = await startServer(config);
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `weft token ...`: parses its flags, then signs with the local issuer of the data directory. */
async function mintToken(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const roles: string[] = [];
  const tenants: string[] = [];
  let subject = DEFAULT_SUBJECT;
  let ttlSec = DEFAULT_TTL_SEC;
  let dataDir = env.WEFT_DATA_DIR !== undefined && env.WEFT_DATA_DIR !== '' ? env.WEFT_DATA_DIR : defaultConfig().dataDir;
  let externalIssuer = env.WEFT_AUTH_ISSUER !== undefined && env.WEFT_AUTH_ISSUER !== '';
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`token: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--role':
        roles.push(value());
        break;
      case '--tenant':
        // '' is the default tenant: `--tenant=` is allowed.
        tenants.push(inline ?? value());
        break;
      case '--subject':
        subject = value();
        break;
      case '--ttl':
        ttlSec = parseTtl(value());
        break;
      case '--data-dir':
        dataDir = value();
        break;
      case '--auth-issuer':
        value();
        externalIssuer = true;
        break;
      default:
        throw new Error(`token: unknown option ${flag} (see --help)`);
    }
  }
  if (externalIssuer) {
    throw new Error('token: an external issuer is configured (--auth-issuer / WEFT_AUTH_ISSUER); get tokens from that issuer, Weft only verifies them');
  }
  if (roles.length === 0) throw new Error('token: give at least one --role (e.g. --role admin)');
  const issuer = await LocalIssuer.open(dataDir);
  if (issuer.created) process.stderr.write(`weft: created the local token signing key at ${issuer.keyPath}\n`);
  const audience = env.WEFT_AUTH_AUDIENCE !== undefined && env.WEFT_AUTH_AUDIENCE !== '' ? env.WEFT_AUTH_AUDIENCE : defaultConfig().authAudience;
  return issuer.issue({ subject, roles, tenants: tenants.length > 0 ? tenants : undefined, ttlSec, issuer: LOCAL_ISSUER, audience });
}

/** `3600`, `45s`, `30m`, `1h`, `7d` -> seconds. */
function parseTtl(raw: string): number {
  const m = /^(\d+)([smhd]?)$/.exec(raw.trim());
  const sec = m === null ? NaN : Number(m[1]) * TTL_UNITS[m[2]];
  if (!Number.isSafeInteger(sec) || sec <= 0) throw new Error(`token: --ttl expects a positive duration like 3600, 30m, 1h or 7d, got "${raw}"`);
  return sec;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`weft: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
