import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlotillaClient } from '../src/client/client.js';
import type { FlotillaError } from '../src/core/errors.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken, waitFor } from './helpers/flotilla.js';

const rejects = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (err: FlotillaError) => err.code === code && (!message || message.test(err.message)));

/**
 * The CQL route and the DC/OS Cassandra routes, without a ring: what they refuse and how. The real
 * ring is test/e2e/cassandra.test.ts.
 */
describe('CQL and Cassandra routes', () => {
  let running: InProcessDaemon;
  let client: FlotillaClient;

  before(async () => {
    running = await startInProcessDaemon('cql', 36000);
    client = running.admin;
    await client.installService({ name: 'kv', package: 'redis' });
    await waitFor(async () => (await client.getService('kv')).status === 'ready', 20_000);
  });
  after(() => running.stop());

  it('refuses CQL for a missing service, a service of another package, and a bad request', async () => {
    await rejects(client.cql('nope', { statement: 'SELECT now() FROM system.local' }), 'SERVICE_NOT_FOUND');
    await rejects(
      client.cql('kv', { statement: 'SELECT now() FROM system.local' }),
      'VALIDATION_FAILED',
      /kv is a redis service: CQL runs on a cassandra service/,
    );
    await rejects(client.cql('kv', { statement: '' }), 'VALIDATION_FAILED');
    await rejects(
      client.cql('kv', { statement: 'SELECT 1', consistency: 'MOST' as 'ONE' }),
      'VALIDATION_FAILED',
    );
  });

  it("starts no Cassandra plan on a package that has none, and finds no other tenant's service", async () => {
    await rejects(client.replaceNode('kv', 'redis-0'), 'PLAN_NOT_FOUND', /has no plan "replace"/);
    await rejects(client.scaleService('kv', 3), 'PLAN_NOT_FOUND');
    await rejects(client.repairService('kv'), 'PLAN_NOT_FOUND');
    assert.deepEqual(
      (await client.serviceNodes('kv')).map((n) => [n.name, n.ready]),
      [['redis-0', true]],
    );
    assert.equal((await client.serviceHealth('kv')).status, 'HEALTHY');
    await client.createTenant({ name: 'other' });
    const minted = await running
      .client({ token: adminToken(running.home), tenant: 'other' })
      .createToken('tenant-admin', 'test');
    const other = running.client({ token: minted.token });
    await rejects(other.cql('kv', { statement: 'SELECT 1' }), 'SERVICE_NOT_FOUND');
  });
});
