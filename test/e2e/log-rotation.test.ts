import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, REPO, TestHome, waitFor } from '../helpers/flotilla.js';

const LINES = 600;
const STACK = `
name: chatty
apps:
  talker:
    cmd: i=0; while [ $i -lt ${LINES} ]; do echo "line $i of a task that talks a lot"; i=$((i+1)); sleep 0.01; done; exec sleep 3600
    cpus: 0.1
    mem: 16
`;

/** A task's log rotated by the daemon, at a 1 KiB limit, while `flotilla logs -f` follows it. */
describe('task log rotation', () => {
  const home = new TestHome();
  home.env.FLOTILLA_LOG_MAX_BYTES = '1024';
  home.env.FLOTILLA_LOG_FILES = '2';
  after(async () => {
    assert.equal(await home.cleanup(), 0);
  });

  it('bounds the files and `logs -f` misses no line across rotations', async () => {
    const file = path.join(home.home, 'chatty.yml');
    fs.writeFileSync(file, STACK);
    await home.ok(['up', '-f', file]);
    const follower = spawn(CLI, ['logs', '-f', '--tail', '100000', 'talker.0'], { env: home.env, cwd: REPO });
    let seen = '';
    follower.stdout.on('data', (c: Buffer) => (seen += c.toString()));
    try {
      await waitFor(() => seen.includes(`line ${LINES - 1} `), 60_000, 'the last line');
    } finally {
      follower.kill();
    }
    const got = seen
      .split('\n')
      .filter((l) => l.startsWith('line '))
      .map((l) => Number(l.split(' ')[1]));
    assert.ok(
      got.every((n, i) => i === 0 || n > got[i - 1]!),
      'in order, none twice',
    );
    assert.equal(got[got.length - 1], LINES - 1);
    // Rotation copies, then truncates (as logrotate's copytruncate): a line the task writes between
    // the two is lost with the rotation (docs), which a loaded machine can widen. The follower itself
    // loses nothing the files hold; only that window may cost a line per rotation.
    assert.ok(LINES - got.length <= LINES / 50, `${LINES - got.length} lines lost to rotations`);
    const logs = path.join(home.home, 'sandboxes', 'default', 'talker', '0', 'logs');
    const names = fs.readdirSync(logs).filter((n) => n.startsWith('stdout'));
    assert.deepEqual(names.sort(), ['stdout', 'stdout.1', 'stdout.2']);
    // About a second of output past the limit at most: the daemon looks every second.
    const owner = fs.statSync(path.join(logs, 'stdout')).uid;
    for (const n of names) {
      const st = fs.statSync(path.join(logs, n));
      assert.ok(st.size < 8192, `${n} is bounded`);
      // Under isolation the copies stay the tenant's, as the file they were copied from.
      assert.equal(st.uid, owner, `${n} belongs to the task's user`);
    }
  });
});
