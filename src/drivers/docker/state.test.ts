import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { containerName, cursorPath, LogCursor, parseTimestamp, readCursor, sinceParam } from './state.js';

describe('docker driver state', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dock-state-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function sandbox(): string {
    const dir = fs.mkdtempSync(path.join(root, 's-'));
    fs.mkdirSync(path.join(dir, 'run'));
    return dir;
  }

  it('names containers one-to-one after the daemon and the task', () => {
    assert.equal(containerName('d1', 'default/cache.redis-0'), 'flt-d1-default_cache.redis-0');
    // A key the plain rule cannot map one-to-one gets a hash of itself.
    const odd = containerName('d1', 'default/cache_redis-0');
    assert.match(odd, /^flt-d1-default_cache_redis-0-[0-9a-f]{10}$/);
    assert.notEqual(odd, containerName('d1', 'default_cache/redis-0'));
    assert.match(containerName('d1', 'Ünïcode/x y'), /^flt-d1-[a-zA-Z0-9_.-]+$/);
  });

  it('reads engine timestamps to the nanosecond, and writes them back as `since`', () => {
    assert.equal(parseTimestamp('2026-11-22T01:31:35.297162873Z'), 1795311095_297162873n);
    assert.equal(parseTimestamp('2026-11-22T01:31:35.2971Z'), 1795311095_297100000n);
    assert.equal(parseTimestamp('2026-11-22T02:31:35+01:00'), 1795311095_000000000n);
    assert.equal(parseTimestamp('yesterday'), null);
    assert.equal(sinceParam(1795311095_000000042n), '1795311095.000000042');
  });

  it('resumes after the last line written, even among lines sharing one timestamp', () => {
    const dir = sandbox();
    const t1 = '2026-11-22T01:31:35.000000001Z';
    const t2 = '2026-11-22T01:31:35.000000002Z';
    const first = new LogCursor(dir, 'c1', true);
    assert.equal(first.since(), undefined);
    // Three parts of one long line share t2; the daemon stops after writing two of them.
    assert.deepEqual(
      [t1, t2, t2].map((t) => first.admit(t)),
      [true, true, true],
    );
    first.close();
    assert.deepEqual(readCursor(dir, 'c1'), { containerId: 'c1', last: t2, count: 2 });
    assert.equal(fs.statSync(cursorPath(dir)).size, 256);

    // The engine's `since` is inclusive: it replays both t2 parts, then the third, then more.
    const next = new LogCursor(dir, 'c1', true);
    assert.equal(next.since(), '1795311095.000000002');
    const t3 = '2026-11-22T01:31:36.000000000Z';
    assert.deepEqual(
      [t2, t2, t2, t3].map((t) => next.admit(t)),
      [false, false, true, true],
    );
    next.close();
    assert.deepEqual(readCursor(dir, 'c1'), { containerId: 'c1', last: t3, count: 1 });
  });

  it('skips the replayed lines on every new request, not only after a restart', () => {
    const dir = sandbox();
    const t1 = '2026-11-22T01:31:35.000000001Z';
    const c = new LogCursor(dir, 'c', false);
    c.since();
    assert.deepEqual(
      [t1, t1].map((t) => c.admit(t)),
      [true, true],
    );
    // The follow broke; the next request starts at t1 again.
    assert.equal(c.since(), '1795311095.000000001');
    assert.deepEqual(
      [t1, t1, t1].map((t) => c.admit(t)),
      [false, false, true],
    );
    c.close();
    assert.deepEqual(readCursor(dir, 'c'), { containerId: 'c', last: t1, count: 3 });
  });

  it('starts from the first line for another container, or when told not to resume', () => {
    const dir = sandbox();
    const c = new LogCursor(dir, 'old', true);
    c.admit('2026-11-22T01:31:35.000000001Z');
    c.close();
    assert.equal(new LogCursor(dir, 'new', true).since(), undefined);
    assert.equal(new LogCursor(dir, 'old', false).since(), undefined);
    assert.equal(readCursor(dir, 'new'), null);
  });

  it('once past the replay, keeps every line even if the clock steps back', () => {
    const dir = sandbox();
    const c = new LogCursor(dir, 'c', false);
    assert.equal(c.admit('2026-11-22T01:31:35.000000005Z'), true);
    assert.equal(c.admit('2026-11-22T01:31:35.000000001Z'), true);
    assert.equal(c.admit('not a time'), true);
    c.close();
  });
});
