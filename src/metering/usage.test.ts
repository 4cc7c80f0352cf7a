import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeUsage, type UsageInterval } from './usage.js';

const S = 1000;

function interval(
  over: Partial<UsageInterval> & Pick<UsageInterval, 'owner' | 'start' | 'end'>,
): UsageInterval {
  return {
    tenant: 'acme',
    ownerKind: 'app',
    taskId: `${over.owner}.0`,
    cpus: 1,
    mem: 1024,
    disk: 0,
    ...over,
  };
}

// The range is [1000 s, 2000 s); it is 1800 s now, so open intervals count until 1800 s.
const range = { from: 1000 * S, to: 2000 * S, now: 1800 * S };

const intervals: UsageInterval[] = [
  // web.0: 500..1500 s, of which 1000..1500 in range = 500 s at 0.5 cpu, 256 MB.
  interval({ owner: 'web', taskId: 'web.0', cpus: 0.5, mem: 256, start: 500 * S, end: 1500 * S }),
  // web.1: open since 1200 s, counted until now (1800 s) = 600 s.
  interval({ owner: 'web', taskId: 'web.1', cpus: 0.5, mem: 256, start: 1200 * S, end: null }),
  // db.0: ended before the range: nothing.
  interval({ owner: 'db', ownerKind: 'service', start: 100 * S, end: 900 * S }),
  // cache.redis-0 changed its resources at 1100 s: 100 s of the first figures, 200 s of the second.
  interval({
    owner: 'cache',
    ownerKind: 'service',
    taskId: 'cache.redis-0',
    cpus: 1,
    mem: 512,
    disk: 1024,
    start: 0,
    end: 1100 * S,
  }),
  interval({
    owner: 'cache',
    ownerKind: 'service',
    taskId: 'cache.redis-0',
    cpus: 2,
    mem: 1024,
    disk: 1024,
    start: 1100 * S,
    end: 1300 * S,
  }),
  // Another tenant: 1000..1700 s = 700 s at 1 cpu, 2 GB.
  interval({ tenant: 'beta', owner: 'job', mem: 2048, start: 1000 * S, end: 1700 * S }),
];

describe('computeUsage', () => {
  it('sums per service, counting only the part of each interval inside [from, min(to, now))', () => {
    assert.deepEqual(computeUsage(intervals, range, 'service'), [
      // cache: 1 cpu × 100 s + 2 cpu × 200 s = 500; (512 × 100 + 1024 × 200) / 1024 = 250 GB·s;
      //        1 GB × 300 s = 300 GB·s of disk.
      {
        tenant: 'acme',
        service: 'cache',
        kind: 'service',
        cpuSeconds: 500,
        memGbSeconds: 250,
        diskGbSeconds: 300,
        taskSeconds: 300,
      },
      // web: 0.5 × (500 + 600) = 550 cpu·s; 0.25 GB × 1100 s = 275 GB·s.
      {
        tenant: 'acme',
        service: 'web',
        kind: 'app',
        cpuSeconds: 550,
        memGbSeconds: 275,
        diskGbSeconds: 0,
        taskSeconds: 1100,
      },
      {
        tenant: 'beta',
        service: 'job',
        kind: 'app',
        cpuSeconds: 700,
        memGbSeconds: 1400,
        diskGbSeconds: 0,
        taskSeconds: 700,
      },
    ]);
  });

  it('sums per tenant', () => {
    assert.deepEqual(computeUsage(intervals, range, 'tenant'), [
      { tenant: 'acme', cpuSeconds: 1050, memGbSeconds: 525, diskGbSeconds: 300, taskSeconds: 1400 },
      { tenant: 'beta', cpuSeconds: 700, memGbSeconds: 1400, diskGbSeconds: 0, taskSeconds: 700 },
    ]);
  });

  it('counts an open interval until `to` when `to` is already past', () => {
    const open = [interval({ owner: 'web', start: 0, end: null })];
    assert.deepEqual(computeUsage(open, { from: 10 * S, to: 70 * S, now: 1000 * S }, 'tenant'), [
      { tenant: 'acme', cpuSeconds: 60, memGbSeconds: 60, diskGbSeconds: 0, taskSeconds: 60 },
    ]);
  });

  it('treats the range as half-open: touching intervals count nothing and make no row', () => {
    const touching = [
      interval({ owner: 'before', start: 0, end: 10 * S }),
      interval({ owner: 'after', start: 20 * S, end: null }),
    ];
    assert.deepEqual(computeUsage(touching, { from: 10 * S, to: 20 * S, now: 30 * S }, 'service'), []);
  });

  it('adds fractions without float dust', () => {
    const tenths = [1, 2, 3].map((i) =>
      interval({ owner: 'w', taskId: `w.${i}`, cpus: 0.1, mem: 0, start: 0, end: S }),
    );
    assert.equal(computeUsage(tenths, { from: 0, to: S, now: S }, 'tenant')[0]!.cpuSeconds, 0.3);
  });
});
