import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient } from 'redis';
import { daemonIdOf } from '../../src/daemon/config.js';
import type { Engine } from '../../src/drivers/docker/engine.js';
import { dockerEngine } from '../helpers/docker.js';
import { isAlive, TestHome, waitFor } from '../helpers/flotilla.js';

const STACK = `name: boxed
driver: docker
services:
  cache:
    package: redis
    options: { replicas: 1, maxmemory: 32mb }
`;

interface Labelled {
  Id: string;
  Name: string;
  Labels: Record<string, string> | null;
}

const probe = await dockerEngine();
if ('skip' in probe) console.error(probe.skip);

/** What the Docker driver adds to the process driver's promises: containers, networks, volumes, adoption. */
describe('the Docker driver through the CLI', { skip: 'skip' in probe ? probe.skip : undefined }, () => {
  const home = new TestHome();
  const engine = 'engine' in probe ? probe.engine : (null as unknown as Engine);
  const stackFile = path.join(home.home, 'boxed.yml');
  const labelled = (kind: 'containers' | 'networks' | 'volumes') => {
    const filters = JSON.stringify({ label: [`io.flotilla.daemon=${daemonIdOf(home.home)}`] });
    const query = kind === 'containers' ? { all: 1, filters } : { filters };
    const route = kind === 'containers' ? '/containers/json' : `/${kind}`;
    return engine
      .json<Labelled[] | { Volumes: Labelled[] | null }>({ path: route, query })
      .then((r) => (Array.isArray(r) ? r : (r.Volumes ?? [])));
  };

  before(async () => {
    fs.writeFileSync(stackFile, STACK);
    await home.ok(['up', '-f', stackFile, '--wait', '--timeout', '300'], 360_000);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0, 'no container may outlive the test');
    engine?.close();
  });

  it('runs each task in a labelled container on the stack network, its data in a volume', async () => {
    const tasks = await home.client().listTasks({ owner: 'cache' });
    assert.equal(tasks.length, 2);
    for (const t of tasks) {
      assert.equal(t.driver, 'docker');
      assert.ok(t.containerId, `${t.id} has a container`);
      const c = await engine.json<{
        Config: { Labels: Record<string, string> };
        State: { Running: boolean };
        NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
        HostConfig: { Memory: number };
      }>({ path: `/containers/${t.containerId}/json` });
      assert.equal(c.State.Running, true);
      assert.equal(c.Config.Labels['io.flotilla.task'], `default/${t.id}`);
      const networks = Object.keys(c.NetworkSettings.Networks);
      assert.equal(networks.length, 1);
      assert.match(networks[0]!, /boxed$/);
      assert.ok(c.NetworkSettings.Networks[networks[0]!]!.Aliases?.includes(`${t.name}.cache`));
      assert.equal(c.HostConfig.Memory, 256 * 2 ** 20);
    }
    assert.equal((await labelled('volumes')).length, 2, 'one data volume per task');
  });

  it('relaunches a container killed with `docker kill`, with its data', async () => {
    const before = await home.client().getTask('cache.redis-0');
    const client = createClient({ url: `redis://${before.host}:${before.ports[0]}` });
    await client.connect();
    await client.set('kept', 'across the kill');
    client.destroy();
    await engine.json({
      method: 'POST',
      path: `/containers/${before.containerId}/kill`,
      query: { signal: 'KILL' },
    });
    const healed = await waitFor(
      async () => {
        const t = await home.client().getTask('cache.redis-0');
        return t.state === 'healthy' && t.containerId !== before.containerId ? t : null;
      },
      60_000,
      'the primary to come back in a new container',
    );
    assert.equal(healed.launches, before.launches + 1);
    const again = createClient({ url: `redis://${healed.host}:${healed.ports[0]}` });
    await again.connect();
    try {
      assert.equal(await again.get('kept'), 'across the kill');
    } finally {
      again.destroy();
    }
  });

  it('adopts running containers after the daemon is SIGKILLed: same container ids, no restart', async () => {
    // Every task healthy first: after the primary's relaunch above, the replica's link to it is
    // still coming back (its check fails until it is), and that is not what this test is about.
    // The replica's own word, not only its state: a state stays `healthy` through a failed probe or
    // two, and CI once killed the daemon while the replica was still resyncing with the relaunched
    // primary (the adopting daemon's first probe then failed).
    const tasks = await waitFor(
      async () => {
        const ts = await home.client().listTasks({ owner: 'cache' });
        if (!ts.every((t) => t.state === 'healthy')) return null;
        const replica = ts.find((t) => t.role === 'replica')!;
        return (await replicationOf(replica)).includes('master_link_status:up') ? ts : null;
      },
      60_000,
      'every task of cache healthy, the replica linked, before the kill',
    );
    const daemon = home.daemonInfo()!.pid;
    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), 5_000, 'the daemon to die');
    await home.ok(['ps']);
    assert.notEqual(home.daemonInfo()!.pid, daemon);
    for (const t of tasks) {
      const now = await home.client().getTask(t.id);
      const why = `\n${JSON.stringify(now)}\ndaemon log:\n${home.daemonLog()}`;
      assert.equal(now.containerId, t.containerId, `${t.id} was adopted, not restarted${why}`);
      assert.equal(now.launches, t.launches, why);
      assert.equal(now.state, 'healthy', `${t.id} is healthy after its adoption${why}`);
    }
    // Still watched: a kill after the adoption is noticed and healed.
    const victim = tasks.find((t) => t.role === 'replica')!;
    await engine.json({
      method: 'POST',
      path: `/containers/${victim.containerId}/kill`,
      query: { signal: 'KILL' },
    });
    await waitFor(
      async () => {
        const t = await home.client().getTask(victim.id);
        return t.state === 'healthy' && t.containerId !== victim.containerId ? t : null;
      },
      60_000,
      'the adopted replica to be relaunched',
    );
  });

  it('`down` removes containers and the network and keeps volumes; `--purge` removes those too', async () => {
    await home.ok(['down', 'boxed']);
    await waitFor(async () => (await labelled('containers')).length === 0, 30_000, 'no container left');
    assert.deepEqual(await labelled('networks'), []);
    assert.equal((await labelled('volumes')).length, 2, 'data volumes are kept without --purge');
    await home.ok(['up', '-f', stackFile, '--wait', '--timeout', '120'], 180_000);
    await home.ok(['down', 'boxed', '--purge']);
    await waitFor(async () => (await labelled('volumes')).length === 0, 30_000, 'the volumes to be purged');
    assert.deepEqual(await labelled('containers'), []);
  });
});

/** The replica's `INFO replication`, asked of the replica itself. */
async function replicationOf(task: { host: string; ports: number[] }): Promise<string> {
  const client = createClient({ url: `redis://${task.host}:${task.ports[0]}` });
  await client.connect();
  try {
    return await client.info('replication');
  } finally {
    client.destroy();
  }
}
