import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { withDirLock } from './dir-lock.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dirlock-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const opts = { waitMs: 5000, staleMs: 60_000, pollMs: 20 };

describe('withDirLock', () => {
  it('lets one holder in at a time and releases on return and on throw', async () => {
    const lock = path.join(root, 'a.lock');
    const events: string[] = [];
    const hold = (name: string, fail = false) =>
      withDirLock(lock, opts, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name} out`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([hold('a', true), hold('b'), hold('c')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'fulfilled'],
    );
    // Strictly alternating: nobody entered while another was inside.
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i]?.replace(' in', ''), events[i + 1]?.replace(' out', ''));
    }
    assert.equal(events.length, 6);
    assert.equal(fs.existsSync(lock), false);
  });

  it('breaks a lock whose holder died', async () => {
    const lock = path.join(root, 'b.lock');
    const dead = spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim();
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ pid: Number(dead), since: Date.now() }));
    assert.equal(await withDirLock(lock, opts, () => Promise.resolve('taken')), 'taken');
  });

  it('waits for a live holder, then gives up naming it', async () => {
    const lock = path.join(root, 'c.lock');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ pid: process.pid, since: Date.now() }));
    await assert.rejects(
      withDirLock(lock, { ...opts, waitMs: 200 }, () => Promise.resolve()),
      new RegExp(`held by process ${process.pid}`),
    );
    fs.rmSync(lock, { recursive: true });
  });
});
