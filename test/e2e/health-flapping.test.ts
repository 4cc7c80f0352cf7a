import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestHome, waitFor } from '../helpers/flotilla.js';

// Each instance serves its sandbox; its health check wants the file `healthy` there, which a
// (re)launch creates. Deleting it from every sandbox at once makes every instance fail together.
const STACK = `
name: flaky
apps:
  web:
    cmd: touch healthy && exec python3 -m http.server "$PORT0" --bind "$HOST"
    instances: 3
    ports: [0]
    cpus: 0.1
    mem: 32
    backoffSeconds: 0.2
    healthChecks:
      - { protocol: HTTP, path: /healthy, gracePeriodSeconds: 5, intervalSeconds: 0.3, timeoutSeconds: 1, maxConsecutiveFailures: 2 }
`;

describe('health flapping', () => {
  const home = new TestHome();

  before(async () => {
    const file = path.join(home.home, 'flaky.yml');
    fs.writeFileSync(file, STACK);
    await home.ok(['up', '-f', file, '--wait', '--timeout', '60']);
  });
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('never kills more than one instance at a time, yet heals them all', async () => {
    const client = home.client();
    const tasks = await client.listTasks();
    for (const t of tasks) fs.rmSync(path.join(t.sandbox, 'healthy'));
    let worst = 0;
    await waitFor(
      async () => {
        const now = await client.listTasks();
        const down = now.filter((t) => !['healthy', 'unhealthy'].includes(t.state)).length;
        worst = Math.max(worst, down);
        return now.every((t) => t.launches === 2 && t.state === 'healthy');
      },
      60_000,
      'every instance to be replaced and healthy',
    );
    assert.equal(worst, 1, 'at most one instance was down at any moment');
  });
});
