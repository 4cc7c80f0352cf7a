import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from './queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('never runs one key twice at once, and reruns a key added while it ran', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = new WorkQueue(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs++;
        await sleep(20);
        running--;
      },
      { workers: 4, baseDelayMs: 1, maxDelayMs: 10, onError: () => undefined },
    );
    q.add('a');
    q.add('a'); // deduplicated while queued
    await sleep(5);
    q.add('a'); // added while running: runs once more afterwards
    q.add('a');
    await sleep(80);
    await q.idle();
    assert.equal(maxRunning, 1);
    assert.equal(runs, 2);
    q.shutdown();
  });

  it('after shutdown, is idle once what runs has finished, though a key was added meanwhile', async () => {
    let finished = false;
    const q = new WorkQueue(
      async () => {
        await sleep(30);
        finished = true;
      },
      { workers: 1, baseDelayMs: 1, maxDelayMs: 10, onError: () => undefined },
    );
    q.add('a');
    q.add('b'); // queued behind a: never runs after the shutdown
    await sleep(5);
    q.shutdown();
    q.add('a'); // added while a runs: re-queued, and still never run
    await q.idle();
    assert.equal(finished, true, 'idle waited for the running key');
  });

  it('retries a failing key with growing delays', async () => {
    const at: number[] = [];
    const q = new WorkQueue(
      async () => {
        at.push(Date.now());
        if (at.length < 4) throw new Error('not yet');
      },
      { workers: 1, baseDelayMs: 10, maxDelayMs: 1000, onError: () => undefined },
    );
    q.add('k');
    const deadline = Date.now() + 5000;
    while (at.length < 4 && Date.now() < deadline) await sleep(10);
    assert.equal(at.length, 4);
    // Each retry waits at least base × 2^(n-1): 10, 20, 40 ms. A loaded machine only adds to a
    // delay, so lower bounds hold where comparing measured gaps with each other would not.
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    [10, 20, 40].forEach((least, i) => assert.ok(gaps[i]! >= least - 2, `delays grow: ${gaps.join(', ')}`));
    q.shutdown();
  });

  it('addAfter keeps the earliest pending time', async () => {
    const seen: number[] = [];
    const start = Date.now();
    const q = new WorkQueue(async () => void seen.push(Date.now() - start), {
      workers: 1,
      baseDelayMs: 1,
      maxDelayMs: 1,
      onError: () => undefined,
    });
    q.addAfter('k', 500);
    q.addAfter('k', 20);
    q.addAfter('k', 300);
    await sleep(100);
    assert.equal(seen.length, 1);
    assert.ok(seen[0]! < 100);
    q.shutdown();
  });
});
