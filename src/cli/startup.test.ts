import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

/**
 * Every `flotilla` command pays for what the CLI loads before it parses its arguments: the clients of
 * the failure lab's workloads (the Cassandra driver: 110 modules, about 100 ms) and the artifact
 * cache's unzip are loaded by the one command that needs them, when it runs.
 */
describe('the CLI at start', () => {
  it('loads no workload client and no unzip', async () => {
    await import('./program.js');
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    for (const heavy of ['cassandra-driver', 'kafkajs', 'adm-zip', 'better-sqlite3', 'playwright-core'])
      assert.ok(!loaded.some((m) => m.includes(`/node_modules/${heavy}/`)), `${heavy} is loaded at start`);
  });
});
