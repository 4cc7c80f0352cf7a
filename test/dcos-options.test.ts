import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { readOptions } from '../src/catalog/cassandra/options.js';
import { getPackage } from '../src/catalog/registry.js';
import type { FlotillaClient } from '../src/client/client.js';
import { pathsFor } from '../src/core/paths.js';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { adminToken } from './helpers/flotilla.js';

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

    // `task why` on one of its nodes: per node, the memory it lacks.
    const why = await client.why('dev-ring.cassandra-0');
    assert.equal(why.waiting, true);
    assert.match(why.summary, /mem/);
    assert.equal(why.nodes.length, 3, JSON.stringify(why));
    for (const n of why.nodes) assert.match(JSON.stringify(n), /mem/, JSON.stringify(n));

    // What waits is the ring the file asked for: the package lays it out as 3 nodes of 3 CPUs, 6 GB
    // and 30 GB each, in a cluster named dev (the queued declaration, read from the daemon's store).
    const db = new Database(pathsFor(d.home).db, { readonly: true });
    const row = db.prepare("SELECT entry FROM queue WHERE owner = 'dev-ring'").get() as { entry: string };
    db.close();
    const declared = (JSON.parse(row.entry) as { options: Record<string, unknown> }).options;
    assert.equal(readOptions(declared).clusterName, 'dev');
    assert.deepEqual(
      getPackage('cassandra')
        .layout(declared)
        .map((slot) => [slot.name, slot.cpus, slot.mem, slot.disk]),
      [
        ['cassandra-0', 3, 6144, 30720],
        ['cassandra-1', 3, 6144, 30720],
        ['cassandra-2', 3, 6144, 30720],
      ],
    );

    // The ring it will be: 3 nodes named dev with those resources, none placed yet, as DC/OS's own
    // Cassandra API (/service/{name}/v1/) shows a ring still acquiring its nodes.
    const token = adminToken(d.home);
    const nodes = await d.raw('GET', '/service/dev-ring/v1/node/all', undefined, token);
    assert.equal(nodes.status, 200, nodes.body);
    assert.deepEqual(JSON.parse(nodes.body), { replaceNodes: [], nodesToAcquire: 3, nodes: [] });
    const report = await d.raw('GET', '/service/dev-ring/v1/health/cluster/report', undefined, token);
    assert.equal(report.status, 200, report.body);
    const r = JSON.parse(report.body) as { healthy: boolean; results: { name: string; expected: unknown }[] };
    assert.equal(r.healthy, false);
    assert.deepEqual(
      r.results.find((x) => x.name === 'nodeCount'),
      {
        name: 'nodeCount',
        ok: false,
        expected: 3,
        actual: 0,
      },
    );
  });

  it("serves the DC/OS Cassandra routes to the service's tenant only, with coded errors", async () => {
    const token = adminToken(d.home);
    // Not a service of this tenant's: another tenant's caller gets the same 404 as for no service.
    await client.createTenant({ name: 'other-team' });
    const minted = await d.client({ token, tenant: 'other-team' }).createToken('tenant-admin', 'test');
    const theirs = await d.raw('GET', '/service/dev-ring/v1/node/all', undefined, minted.token);
    assert.equal(theirs.status, 404, theirs.body);
    assert.equal((JSON.parse(theirs.body) as { code: string }).code, 'SERVICE_NOT_FOUND');
    const anonymous = await d.raw('GET', '/service/dev-ring/v1/node/all');
    assert.equal(anonymous.status, 401, anonymous.body);
    const badCount = await d.raw('POST', '/service/dev-ring/v1/scale/nodes?nodeCount=zero', undefined, token);
    assert.equal(badCount.status, 400, badCount.body);
    assert.equal((JSON.parse(badCount.body) as { code: string }).code, 'VALIDATION_FAILED');
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
