import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlotillaClient } from '../src/client/client.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';

/**
 * `dcos package install cassandra --options=options.json` with DC/OS's own example, through the API:
 * accepted as written, mapped line by line, and, on a pool whose memory is taken, waiting with the
 * scheduler's reason naming the memory it lacks (no JVM starts: nothing here can hold 3 × 6 GB).
 */
describe('a DC/OS options file through the API', () => {
  let d: InProcessDaemon;
  let client: FlotillaClient;

  before(async () => {
    d = await startInProcessDaemon('dcos-options', 50000, {
      cpus: 4,
      mem: 8192,
      disk: 102400,
      ports: 100,
      labels: {},
    });
    client = d.admin;
    // Half of every node's memory is taken: a 6 GB Cassandra node fits no node until it is freed.
    await client.addApp({
      id: 'ballast',
      cmd: 'sleep 600',
      instances: 3,
      cpus: 0.1,
      mem: 4096,
      constraints: [['hostname', 'UNIQUE']],
    });
  });
  after(async () => {
    await d?.stop();
  });

  it('accepts it, says how each key mapped, and waits naming the missing memory', async () => {
    const result = await client.installService({
      name: 'dev-ring',
      package: 'cassandra',
      options: { cassandra: { 'cluster-name': 'dev', resources: { cpus: 3.0, mem: 6144, disk: 30720 } } },
    });
    assert.deepEqual(result.warnings, [
      'DC/OS option cassandra.cluster-name → clusterName',
      'DC/OS option cassandra.resources.cpus → cpus',
      'DC/OS option cassandra.resources.mem → mem',
      'DC/OS option cassandra.resources.disk → disk',
    ]);
    const waiting = result.waiting.find((w) => w.name === 'dev-ring');
    assert.ok(waiting, JSON.stringify(result));
    assert.match(waiting.reason, /mem/);
    console.error(`waiting: ${waiting.reason}`);
    const queued = (await client.listWaiting()).find((q) => q.owner === 'dev-ring');
    assert.equal(queued?.reasonKind, 'resources');
  });

  it('refuses a key it cannot honour with a code naming it, storing nothing', async () => {
    await assert.rejects(
      client.installService({
        name: 'other',
        package: 'cassandra',
        options: { cassandra: { 'cluster-name': 'x', 'backup-restore': { 's3-bucket': 'b' } } },
      }),
      (err: Error & { code?: string }) =>
        err.code === 'PACKAGE_OPTION_UNSUPPORTED' &&
        err.message.includes('cassandra.backup-restore.s3-bucket'),
    );
    await assert.rejects(client.getService('other'), { code: 'SERVICE_NOT_FOUND' });
  });
});
