import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server';

describe('e2e: start-up', () => {
  it('fails with the cause when the MQTT port is taken, and leaves nothing running', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const port = (squatter.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'weft-startup-'));
    try {
      await assert.rejects(startTestServer({ mqttPort: port }, dataDir), /EADDRINUSE/);
      // The store was closed again: another server opens the same files at once.
      const t = await startTestServer({ mqttPort: 0 }, dataDir);
      await t.http.get('/health').expect(200);
      await t.stop();
    } finally {
      squatter.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs the embedded MQTT broker only when asked', async () => {
    const without = await startTestServer({ mqttEmbedded: false });
    try {
      assert.equal(without.server.mqttUrl, undefined);
    } finally {
      await without.stop();
    }
    const withBroker = await startTestServer();
    try {
      assert.match(withBroker.server.mqttUrl ?? '', /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await withBroker.stop();
    }
  });
});
