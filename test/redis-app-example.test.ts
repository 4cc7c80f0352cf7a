import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startInProcessDaemon, type InProcessDaemon } from './helpers/daemon.js';
import { REPO, waitFor } from './helpers/flotilla.js';

/** The README's own example, examples/redis-app.yml, through the API as `flotilla` drives it. */
describe('examples/redis-app.yml (issue 16, defects 1 and 6)', () => {
  let d: InProcessDaemon;
  before(async () => {
    d = await startInProcessDaemon('redis-app', 40000);
    const source = fs.readFileSync(path.join(REPO, 'examples/redis-app.yml'), 'utf8');
    await d.admin.applyStack('redis-app', source);
    await waitFor(
      async () => (await d.admin.getStack('redis-app')).status === 'ready',
      90_000,
      'redis-app ready',
    );
  });
  after(() => d.stop());

  it('scales an app that refers to a service of its stack (app scale heartbeat 1 gave a 500)', async () => {
    const up = await d.admin.scaleApp('heartbeat', 2);
    assert.deepEqual(up.created, []);
    assert.deepEqual(up.updated, ['heartbeat']);
    await waitFor(
      async () => (await d.admin.getApp('heartbeat')).tasksRunning === 2,
      30_000,
      'two heartbeats',
    );
    const down = await d.admin.scaleApp('heartbeat', 1);
    assert.deepEqual(down.updated, ['heartbeat']);
    await waitFor(
      async () => (await d.admin.listTasks({ owner: 'heartbeat' })).length === 1,
      30_000,
      'one heartbeat',
    );
  });

  it('has something to show in `logs heartbeat.0` (it wrote to /dev/null)', async () => {
    const text = await waitFor(
      async () => {
        const out = await d.admin.logs('heartbeat.0');
        return /heartbeat: OK/.test(out) ? out : null;
      },
      20_000,
      'a heartbeat line',
    );
    assert.match(text, /^\d{4}-\d\d-\d\dT\S+Z heartbeat: OK$/m);
  });
});
