import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { TestHome, isAlive, waitFor } from '../helpers/flotilla.js';

/**
 * Issue 16, defect 6: after `daemon stop` (tasks keep running, as documented), `daemon stop
 * --stop-tasks` said "no daemon running", exited 0 and left the home's tasks running. It adopts them
 * with a daemon of its own, then stops them.
 */
describe('daemon stop --stop-tasks with no daemon running', () => {
  const home = new TestHome();
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('adopts the tasks a stopped daemon left running, and stops them', async () => {
    const file = path.join(home.home, 'sleepers.yml');
    fs.writeFileSync(
      file,
      'name: sleepers\napps:\n  s:\n    cmd: exec sleep 600\n    instances: 2\n    cpus: 0.05\n    mem: 8\n',
    );
    await home.ok(['up', '-f', file, '--wait', '--timeout', '60']);
    const pids = (await home.client().listTasks()).map((t) => t.pid!);
    assert.equal(pids.length, 2);

    assert.match(await home.ok(['daemon', 'stop']), /its tasks keep running/);
    assert.ok(pids.every(isAlive), 'the tasks outlive their daemon');

    const out = await home.ok(['daemon', 'stop', '--stop-tasks']);
    assert.match(out, /adopted the home's 2 running task\(s\) and stopped them/);
    await waitFor(() => pids.every((p) => !isAlive(p)), 15_000, 'the tasks to be gone');
    assert.equal(home.daemonInfo(), null, 'no daemon runs');
  });
});
