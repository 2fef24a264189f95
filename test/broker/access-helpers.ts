/** What the broker's access-control suites share: callers, scopes, the expected refusal, a broker over a policy. */
import { strict as assert } from 'node:assert';
import { parse as parseYaml } from 'yaml';
import { createBrokerServices, type BrokerServices } from '../../src/broker';
import { AccessGuard, type AuditEvent } from '../../src/broker/access';
import { ChangeFeed } from '../../src/broker/changes';
import type { BrokerDeps } from '../../src/broker/deps';
import type { Principal, RequestScope } from '../../src/broker/scope';
import { NgsiError } from '../../src/ngsi/errors';
import { parsePolicy } from '../../src/security/policy';
import { createSqliteStore } from '../../src/store/sqlite';
import { coreContext, DEFAULT_VOCAB } from '../helpers/context';

export const SENSOR = 'urn:ngsi-ld:Sensor:1';
export const SENSOR2 = 'urn:ngsi-ld:Sensor:2';
export const ROOM = 'urn:ngsi-ld:Room:1';

/** A term of the default vocabulary, expanded. */
export const v = (term: string): string => DEFAULT_VOCAB + term;

export function who(roles: string[], subject = 'user-1', tenants?: string[]): Principal {
  return tenants === undefined ? { subject, roles } : { subject, roles, tenants };
}

let requests = 0;
/** A request by `principal` in `tenant`, in the core @context. */
export const scope = (principal: Principal | undefined, tenant = ''): RequestScope => ({ tenant, principal, context: coreContext(), requestId: `r${++requests}` });

/** Awaits `p` and asserts it failed with that NGSI-LD problem (and detail). */
export async function rejects(p: Promise<unknown>, problem: string, detail?: RegExp): Promise<NgsiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof NgsiError, String(err));
    assert.equal(err.problem, problem, err.message);
    if (detail !== undefined) assert.match(err.detail, detail);
    return err;
  }
  assert.fail(`expected ${problem}`);
}

/** An in-memory broker whose guard applies `policyYaml` (undefined: auth off); audit events land in `audit`. */
export function brokerWith(policyYaml: string | undefined, audit: AuditEvent[] = []): { deps: BrokerDeps; svc: BrokerServices } {
  const policy = policyYaml === undefined ? undefined : parsePolicy(parseYaml(policyYaml), coreContext());
  const deps: BrokerDeps = {
    store: createSqliteStore({ memory: true }),
    feed: new ChangeFeed(),
    now: () => new Date().toISOString(),
    limits: { maxBatchEntities: 100, defaultLimit: 20, maxLimit: 1000 },
    access: new AccessGuard(policy, { record: (e) => audit.push(e) }),
  };
  return { deps, svc: createBrokerServices(deps) };
}
