import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isFlotillaError } from '../core/errors.js';
import type { TaskHandle } from '../core/task.js';
import type { Driver, TaskConfig } from './driver.js';
import { DriverSet } from './set.js';

/** A driver that records what it is asked and runs nothing: DriverSet's routing is our own logic. */
function recorder(name: string, calls: string[]): Driver {
  const running = new Set<string>();
  const handle = (key: string): TaskHandle => ({
    driver: name,
    launchId: key,
    pid: 1,
    startTime: '1',
    bootId: '',
    startedAt: 0,
  });
  return {
    name,
    capabilities: () => ({ exec: true, signals: true, recover: true, resourceLimits: name === 'docker' }),
    startTask: async (c: TaskConfig) => (
      calls.push(`${name} start ${c.taskKey}`),
      running.add(c.taskKey),
      handle(c.taskKey)
    ),
    waitTask: async () => ({ exitCode: 0, signal: null, unknownStatus: false, at: 0 }),
    stopTask: async (key) => void calls.push(`${name} stop ${key}`),
    destroyTask: async (key) => void (calls.push(`${name} destroy ${key}`), running.delete(key)),
    inspectTask: (key) => (running.has(key) ? { running: true, pid: 1, startedAt: 0 } : null),
    recoverTask: async (key, h) => (
      calls.push(`${name} recover ${key}`),
      h.launchId === 'alive' && !!running.add(key)
    ),
    execTask: async () => ({ exitCode: 0, output: '', timedOut: false }),
    signalTask: async (key) => void calls.push(`${name} signal ${key}`),
    sweep: async (keep) => (calls.push(`${name} sweep ${[...keep].join(',')}`), []),
  };
}

const base = { launchId: 'l', sandbox: '/sb', env: {}, cpus: 0.1, mem: 32, cmd: 'true' };

describe('DriverSet', () => {
  it('starts a task on the driver its config names, and sends every later call there', async () => {
    const calls: string[] = [];
    let made = 0;
    const set = new DriverSet(
      { process: () => recorder('process', calls), docker: () => (made++, recorder('docker', calls)) },
      'process',
    );
    await set.startTask({ ...base, taskKey: 't/a' });
    assert.equal(made, 0, 'the Docker driver is made on first use only');
    await set.startTask({ ...base, taskKey: 't/b', driver: 'docker' });
    await set.stopTask('t/b', 100);
    await set.signalTask('t/a', 'SIGTERM');
    assert.equal(set.inspectTask('t/b')?.running, true);
    await set.destroyTask('t/b');
    assert.deepEqual(calls, [
      'process start t/a',
      'docker start t/b',
      'docker stop t/b',
      'process signal t/a',
      'docker destroy t/b',
    ]);
    assert.equal(made, 1);
  });

  it('recovers by the driver the stored handle names, and sweeps with every driver made', async () => {
    const calls: string[] = [];
    const set = new DriverSet(
      { process: () => recorder('process', calls), docker: () => recorder('docker', calls) },
      'process',
    );
    const saved = { driver: 'docker', launchId: 'alive', pid: 1, startTime: '1', bootId: '', startedAt: 0 };
    assert.equal(await set.recoverTask('t/c', saved), true);
    assert.equal(await set.recoverTask('t/d', { ...saved, driver: 'process', launchId: 'gone' }), false);
    await set.stopTask('t/c', 100);
    await set.sweep(new Set(['t/c']));
    assert.deepEqual(calls, [
      'docker recover t/c',
      'process recover t/d',
      'docker stop t/c',
      'docker sweep t/c',
      'process sweep t/c',
    ]);
  });

  it('records the driver that runs a task, and recovers a launch an earlier release recorded as the set', async () => {
    const calls: string[] = [];
    const set = new DriverSet(
      { process: () => recorder('process', calls), docker: () => recorder('docker', calls) },
      'process',
    );
    assert.equal(set.nameFor(undefined), 'process');
    assert.equal(set.nameFor('docker'), 'docker');
    const pending = { driver: 'set', launchId: 'alive', pid: 0, startTime: '', bootId: '', startedAt: 0 };
    assert.equal(await set.recoverTask('t/f', pending), true);
    assert.deepEqual(calls, ['process recover t/f']);
  });

  it('names the drivers it has when asked for another, and TASK_NOT_FOUND for a task it does not run', async () => {
    const set = new DriverSet({ process: () => recorder('process', []) }, 'process');
    await assert.rejects(
      set.startTask({ ...base, taskKey: 't/e', driver: 'podman' }),
      (err) => isFlotillaError(err) && err.code === 'DRIVER_UNSUPPORTED' && /process/.test(err.message),
    );
    await assert.rejects(
      set.waitTask('t/none'),
      (err) => isFlotillaError(err) && err.code === 'TASK_NOT_FOUND',
    );
  });
});
