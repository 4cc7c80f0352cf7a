import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestHome, isAlive, waitFor } from '../helpers/flotilla.js';

const STACK = `
name: survivors
apps:
  web:
    cmd: exec python3 -m http.server "$PORT0" --bind "$HOST"
    instances: 2
    ports: [0]
    cpus: 0.1
    mem: 32
    healthChecks:
      - { protocol: HTTP, path: /, gracePeriodSeconds: 15, intervalSeconds: 1 }
  sleeper:
    args: [sleep, "3600"]
    cpus: 0.1
    mem: 16
`;

/** A daemon killed with SIGKILL and started again adopts what runs and restarts nothing. */
describe('daemon crash and restart', () => {
  const home = new TestHome();
  const stackFile = path.join(home.home, 'survivors.yml');

  before(async () => {
    fs.writeFileSync(stackFile, STACK);
    await home.ok(['up', '-f', stackFile, '--wait', '--timeout', '60']);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('adopts running tasks without restarting them, and relaunches one killed meanwhile', async () => {
    const tasks = await home.client().listTasks();
    assert.equal(tasks.length, 3);
    const pids = new Map(tasks.map((t) => [t.id, t.pid!]));
    const daemon = home.daemonInfo()!.pid;

    process.kill(daemon, 'SIGKILL');
    await waitFor(() => !isAlive(daemon), 5_000, 'the daemon to die');
    for (const pid of pids.values()) assert.ok(isAlive(pid), 'tasks outlive their daemon');
    const victim = pids.get('web.1')!;
    process.kill(-victim, 'SIGKILL');
    await waitFor(() => !isAlive(victim), 5_000, 'the victim to die');

    // Any CLI command starts a daemon again.
    await home.ok(['ps']);
    assert.notEqual(home.daemonInfo()!.pid, daemon);
    const client = home.client();
    for (const id of ['web.0', 'sleeper.0']) {
      const t = await client.getTask(id);
      assert.equal(t.pid, pids.get(id), `${id} was adopted, not restarted`);
      assert.equal(t.launches, 1);
    }
    assert.equal((await client.getTask('web.0')).state, 'healthy');
    assert.equal((await client.getTask('sleeper.0')).state, 'running');
    const relaunched = await waitFor(
      async () => {
        const t = await client.getTask('web.1');
        return t.state === 'healthy' && t.pid !== victim ? t : null;
      },
      20_000,
      'web.1 to be relaunched and healthy',
    );
    assert.equal(relaunched.launches, 2);

    // An adopted task is still watched: its death is noticed at once.
    const adopted = pids.get('sleeper.0')!;
    const killedAt = Date.now();
    process.kill(adopted, 'SIGKILL');
    // Seen dead, then relaunched at once (a first failure waits no backoff): a poll may see either.
    await waitFor(
      async () => {
        const t = await client.getTask('sleeper.0');
        return t.state !== 'running' || t.pid !== adopted;
      },
      2_000,
      'the adopted task to be seen dead',
    );
    assert.ok(Date.now() - killedAt < 1000);
  });
});
