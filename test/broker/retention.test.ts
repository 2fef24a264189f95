import { strict as assert } from 'node:assert';
import { TemporalRetention } from '../../src/broker/retention';
import { loadConfig } from '../../src/config';
import type { Attribute } from '../../src/ngsi/entity';
import { parseRetention } from '../../src/ngsi/temporal/retention';
import type { EntityStore } from '../../src/store/port';
import { createSqliteStore } from '../../src/store/sqlite';

const SPEED = 'https://example.org/ns#speed';
const NOW = Date.parse('2024-06-30T00:00:00Z');
const DAY = 86_400_000;
const daysAgo = (n: number): string => new Date(NOW - n * DAY).toISOString();

/** A history of urn:x:car with one speed instance observed 0.5, 3 and 30 days ago. */
async function history(store: EntityStore, tenant: string): Promise<void> {
  const speed: Attribute[] = [30, 3, 0.5].map((d) => ({ type: 'Property', value: d, observedAt: daysAgo(d) }));
  await store.appendTemporal(tenant, { id: 'urn:x:car', type: ['https://example.org/ns#Car'], attrs: { [SPEED]: speed } }, daysAgo(0), false);
}

async function speeds(store: EntityStore, tenant: string): Promise<unknown[]> {
  const te = await store.getTemporal(tenant, 'urn:x:car', { timeproperty: 'observedAt' });
  return te?.attrs[SPEED]?.map((i) => i.attr.value) ?? [];
}

describe('broker: temporal retention', () => {
  let store: EntityStore;
  beforeEach(async () => {
    store = createSqliteStore({ memory: true });
    for (const tenant of ['', 'acme', 'keep']) await history(store, tenant);
  });
  afterEach(() => store.close());

  it('runOnce prunes each tenant by its own maximum age and leaves tenants without one alone', async () => {
    const retention = new TemporalRetention(store, parseRetention('P7D,acme=P1D,keep=P365D'), { nowMs: () => NOW });
    const result = await retention.runOnce();
    assert.deepEqual(result, [{ tenant: '', deleted: 1 }, { tenant: 'acme', deleted: 2 }, { tenant: 'keep', deleted: 0 }]);
    assert.deepEqual(await speeds(store, ''), [3, 0.5]);
    assert.deepEqual(await speeds(store, 'acme'), [0.5]);
    assert.deepEqual(await speeds(store, 'keep'), [30, 3, 0.5]);

    const onlyAcme = new TemporalRetention(store, parseRetention('acme=PT1H'), { nowMs: () => NOW });
    assert.deepEqual(await onlyAcme.runOnce(), [{ tenant: 'acme', deleted: 1 }]);
    assert.deepEqual(await speeds(store, ''), [3, 0.5]);
  });

  it('a failing tenant is reported and the others are still pruned', async () => {
    const errors: Array<[string, string]> = [];
    const flaky: Pick<EntityStore, 'listTenants' | 'pruneTemporal'> = {
      listTenants: () => store.listTenants(),
      pruneTemporal: (tenant, before) => (tenant === 'acme' ? Promise.reject(new Error('disk full')) : store.pruneTemporal(tenant, before)),
    };
    const retention = new TemporalRetention(flaky, parseRetention('P7D'), { nowMs: () => NOW, onError: (err, tenant) => errors.push([tenant, (err as Error).message]) });
    assert.deepEqual(await retention.runOnce(), [{ tenant: '', deleted: 1 }, { tenant: 'keep', deleted: 1 }]);
    assert.deepEqual(errors, [['acme', 'disk full']]);
  });

  it('start runs a first pass at once and stop ends the job', async () => {
    let passes = 0;
    const counting: Pick<EntityStore, 'listTenants' | 'pruneTemporal'> = {
      listTenants: async () => {
        passes++;
        return [];
      },
      pruneTemporal: async () => 0,
    };
    const retention = new TemporalRetention(counting, parseRetention('P1D'));
    retention.start(60_000);
    retention.start(60_000); // already running: no second timer
    await new Promise((resolve) => setImmediate(resolve));
    retention.stop();
    assert.equal(passes, 1);
    assert.throws(() => new TemporalRetention(counting, parseRetention('')).start(0), /must be positive/);
  });
});

describe('config: --history-retention', () => {
  it('is checked when the configuration is loaded, so a bad value stops Weft at start', () => {
    assert.equal(loadConfig(['--history-retention', 'P90D,acme=P7D'], {}).historyRetention, 'P90D,acme=P7D');
    assert.throws(() => loadConfig(['--history-retention', 'P90D,acme=7 days'], {}), /'7 days' in 'acme=7 days'/);
    assert.throws(() => loadConfig([], { WEFT_HISTORY_RETENTION: 'forever' }), /not an ISO 8601 duration/);
  });

  it('takes --temporal-max-instances, at least 1', () => {
    assert.equal(loadConfig([], {}).temporalMaxInstances, 10_000);
    assert.equal(loadConfig(['--temporal-max-instances=50'], {}).temporalMaxInstances, 50);
    assert.throws(() => loadConfig(['--temporal-max-instances', '0'], {}), /at least 1/);
  });
});
