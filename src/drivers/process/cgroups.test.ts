import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limitWrites, startCpuWeight, taskCgroupPath } from './cgroup-task.js';
import { cgroupDir, parseMountinfo, parseProcCgroup, scopeHash } from './cgroups.js';

// A hybrid machine (v1 controllers, an empty cgroup2), and a container's pure v2 mount of a subtree.
const MOUNTINFO = [
  '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '39 31 0:36 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '41 31 0:38 / /sys/fs/cgroup/un\\040ified rw,relatime - cgroup2 cgroup2 rw',
  '50 23 0:40 /docker/abc /mnt/cg2 rw - cgroup2 cgroup2 rw,nsdelegate',
  '60 23 8:1 / / rw,relatime - ext4 /dev/sda1 rw',
].join('\n');

describe('cgroup detection helpers', () => {
  it('reads cgroup mounts from mountinfo, with their controllers and mounted subtree', () => {
    assert.deepEqual(parseMountinfo(MOUNTINFO), [
      {
        mountPoint: '/sys/fs/cgroup/cpu,cpuacct',
        root: '/',
        version: 1,
        controllers: ['rw', 'cpu', 'cpuacct'],
      },
      { mountPoint: '/sys/fs/cgroup/memory', root: '/', version: 1, controllers: ['rw', 'memory'] },
      { mountPoint: '/sys/fs/cgroup/cpuset', root: '/', version: 1, controllers: ['rw', 'cpuset'] },
      { mountPoint: '/sys/fs/cgroup/un ified', root: '/', version: 2, controllers: [] },
      { mountPoint: '/mnt/cg2', root: '/docker/abc', version: 2, controllers: [] },
    ]);
  });

  it('reads /proc/<pid>/cgroup per controller, v2 under the empty name', () => {
    const paths = parseProcCgroup('4:memory:/a/b\n2:cpu,cpuacct:/\n1:name=systemd:/x\n0::/user.slice\n');
    assert.equal(paths.get('memory'), '/a/b');
    assert.equal(paths.get('cpu'), '/');
    assert.equal(paths.get('cpuacct'), '/');
    assert.equal(paths.get(''), '/user.slice');
  });

  it('maps a cgroup path into the directory of a mount, also of a mounted subtree', () => {
    const [cpu, , , , sub] = parseMountinfo(MOUNTINFO);
    assert.equal(cgroupDir(cpu!, '/flotilla/x'), '/sys/fs/cgroup/cpu,cpuacct/flotilla/x');
    assert.equal(cgroupDir(sub!, '/docker/abc/flotilla'), '/mnt/cg2/flotilla');
    // Inside a cgroup namespace the path is already relative to the mount.
    assert.equal(cgroupDir(sub!, '/flotilla'), '/mnt/cg2/flotilla');
  });

  it('names each daemon home apart, and always the same way', () => {
    assert.match(scopeHash('/home/a/.flotilla'), /^[0-9a-f]{12}$/);
    assert.equal(scopeHash('/home/a/.flotilla'), scopeHash('/home/a/.flotilla/'));
    assert.notEqual(scopeHash('/home/a/.flotilla'), scopeHash('/home/b/.flotilla'));
  });

  it('makes tenant and task safe directory names that no control file can clash with', () => {
    assert.equal(taskCgroupPath('default/web-0'), 'default/web-0');
    const dotted = taskCgroupPath('default/cache.redis-0');
    assert.equal(dotted, 'default/cache.redis-0');
    assert.match(taskCgroupPath('t/cpu.max'), /^t\/cpu\.max-[0-9a-f]{8}$/);
    assert.match(taskCgroupPath('t/tasks'), /^t\/tasks-[0-9a-f]{8}$/);
    const odd = taskCgroupPath('a b/$(touch x)');
    assert.match(odd, /^a_b-[0-9a-f]{8}\/__touch_x_-[0-9a-f]{8}$/);
    assert.notEqual(taskCgroupPath('t/a b'), taskCgroupPath('t/a_b'));
    assert.match(taskCgroupPath('t/..'), /^t\/_\.-[0-9a-f]{8}$/);
  });
});

describe('cgroup limits', () => {
  const show = (writes: ReturnType<typeof limitWrites>) => writes.map((w) => `${w.file}=${w.value}`);

  it('turns cpus into a CFS quota and weight, and mem into a hard limit (v1)', () => {
    assert.deepEqual(show(limitWrites('cgroup-v1', 0.2, 64)), [
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=20000',
      'cpu.shares=205',
      `memory.limit_in_bytes=${64 * 2 ** 20}`,
      'memory.swappiness=0',
    ]);
  });

  it('does the same with the v2 files', () => {
    assert.deepEqual(show(limitWrites('cgroup-v2', 2, 1024)), [
      'cpu.max=200000 100000',
      'cpu.weight=200',
      `memory.max=${2 ** 30}`,
      'memory.swap.max=0',
    ]);
  });

  it('limits nothing that is 0, and writes the defaults for a reused cgroup', () => {
    // The default (FLOTILLA_CGROUPS=auto): a weight, no quota.
    assert.deepEqual(show(limitWrites('cgroup-v1', 0.5, 0, false)).slice(1, 3), [
      'cpu.cfs_quota_us=-1',
      'cpu.shares=512',
    ]);
    assert.equal(show(limitWrites('cgroup-v2', 0.5, 0, false))[0], 'cpu.max=max 100000');
    assert.deepEqual(show(limitWrites('cgroup-v1', 0, 0)), [
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=-1',
      'cpu.shares=1024',
      'memory.limit_in_bytes=-1',
    ]);
    assert.deepEqual(show(limitWrites('cgroup-v2', 0, 0)), [
      'cpu.max=max 100000',
      'cpu.weight=100',
      'memory.max=max',
      'memory.swap.max=max',
    ]);
  });

  it('keeps a tiny share within what the kernel accepts', () => {
    assert.deepEqual(show(limitWrites('cgroup-v1', 0.001, 0)).slice(1, 3), [
      'cpu.cfs_quota_us=1000',
      'cpu.shares=2',
    ]);
    assert.equal(show(limitWrites('cgroup-v2', 0.001, 0))[1], 'cpu.weight=1');
  });

  it("starts a task below one core's weight at one core's, and settles it at its own once ready", () => {
    const v1 = startCpuWeight(limitWrites('cgroup-v1', 0.5, 0));
    assert.deepEqual(v1 && [v1.start.value, v1.settle.value, v1.settle.file], ['1024', '512', 'cpu.shares']);
    const v2 = startCpuWeight(limitWrites('cgroup-v2', 0.1, 0));
    assert.deepEqual(v2 && [v2.start.value, v2.settle.value], ['100', '10']);
    // One core or more: its own weight from the start.
    assert.equal(startCpuWeight(limitWrites('cgroup-v1', 2, 0)), null);
    assert.equal(startCpuWeight(limitWrites('cgroup-v1', 0, 0)), null);
  });
});
