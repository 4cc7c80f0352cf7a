import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireLock } from './lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-lock-'));
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Another process that takes the lock and holds it until killed; resolves once it holds it. */
async function holder(file: string): Promise<ChildProcess> {
  const lock = fileURLToPath(new URL('./lock.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { acquireLock } = await import(${JSON.stringify(lock)});
       acquireLock(${JSON.stringify(file)}); process.stdout.write('held\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited with ${code}`)));
  });
  return child;
}

describe('daemon lock', () => {
  it('is refused while another process holds it, whatever the file says', async () => {
    const file = path.join(dir, 'held.lock');
    const child = await holder(file);
    assert.throws(() => acquireLock(file), /DAEMON_ALREADY_RUNNING|already runs/);
    // What a racer sees between another's create and its write, or after a stale takeover: an
    // empty file, or a pid that is gone. Neither may hand the home to a second daemon.
    fs.writeFileSync(file, '');
    assert.throws(() => acquireLock(file), /already runs/);
    fs.writeFileSync(file, '999999999');
    assert.throws(() => acquireLock(file), /already runs/);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // A holder killed with SIGKILL leaves nothing to reclaim: the kernel let go with its process.
    const release = acquireLock(file);
    assert.throws(() => acquireLock(file), /already runs/, 'not twice in one process either');
    release();
    acquireLock(file)();
  });
});
