import { testLaunchSpec } from '../core/testing.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { pathsFor } from '../core/paths.js';
import { hasEnded, isTaskCurrent, type LaunchSpec, type TaskRecord } from '../core/task.js';
import type { Driver, ExitResult, TaskConfig } from '../drivers/driver.js';
import { createStore, type Store } from '../state/store.js';
import { EventBus } from './events.js';
import { Reconciler } from './reconciler.js';

/** A driver whose tasks run until the test (or stopTask) ends them; it notes who was up at each stop. */
class FakeDriver implements Driver {
  readonly name = 'fake';
  private readonly tasks = new Map<string, { exit: (e: ExitResult) => void; done: Promise<ExitResult> }>();
  private pid = 100;
  /** For each stopTask: the keys running at that moment (the stopped one included). */
  readonly upAtStop: string[][] = [];
  /** For each stopTask: the task, its grace and the signal asked for (none: the driver's SIGTERM). */
  readonly stops: { key: string; graceMs: number; signal: string | undefined }[] = [];

  capabilities() {
    return { exec: false, signals: false, recover: false, resourceLimits: false };
  }
  async startTask(c: TaskConfig) {
    let exit!: (e: ExitResult) => void;
    const done = new Promise<ExitResult>((resolve) => (exit = resolve));
    this.tasks.set(c.taskKey, { exit, done });
    const pid = this.pid++;
    return { driver: this.name, launchId: c.launchId, pid, startTime: '', bootId: '', startedAt: Date.now() };
  }
  waitTask(key: string): Promise<ExitResult> {
    const t = this.tasks.get(key);
    return t ? t.done : Promise.reject(new Error(`no task ${key}`));
  }
  async stopTask(key: string, graceMs: number, signal?: NodeJS.Signals): Promise<void> {
    this.upAtStop.push([...this.tasks.keys()].sort());
    this.stops.push({ key, graceMs, signal });
    this.end(key, null, signal ?? 'SIGTERM');
  }
  async destroyTask(key: string): Promise<void> {
    this.end(key, null, 'SIGKILL');
  }
  inspectTask(key: string) {
    return this.tasks.has(key) ? { running: true, pid: 1, startedAt: 0 } : null;
  }
  async recoverTask(): Promise<boolean> {
    return false;
  }
  execTask(): never {
    throw new Error('no exec');
  }
  signalTask(): never {
    throw new Error('no signals');
  }
  /** The task exits on its own (or is stopped). */
  end(key: string, exitCode: number | null, signal: string | null = null): void {
    const t = this.tasks.get(key);
    if (!t) return;
    this.tasks.delete(key);
    t.exit({ exitCode, signal, unknownStatus: false, at: Date.now() });
  }
}

const spec: LaunchSpec = testLaunchSpec({ cmd: 'serve' });

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-supervisor-'));
after(() => fs.rmSync(home, { recursive: true, force: true }));

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Supervisor', () => {
  let n = 0;
  let store: Store;
  let driver: FakeDriver;
  let reconciler: Reconciler;

  beforeEach(() => {
    const paths = pathsFor(path.join(home, String(n++)));
    store = createStore(':memory:');
    driver = new FakeDriver();
    reconciler = new Reconciler({ store, driver, paths, events: new EventBus(store.events), log: () => {} });
  });
  afterEach(() => {
    reconciler.stop();
    store.close();
  });

  const get = (id: string) => store.tasks.get('acme', id) as TaskRecord;

  function put(id: string, over: Partial<LaunchSpec> = {}): void {
    const [owner, name] = id.split('.') as [string, string];
    const s = { ...spec, ...over };
    store.tasks.put(
      {
        tenant: 'acme',
        id,
        ownerKind: 'app',
        owner,
        name,
        role: 'app',
        index: Number(name),
        stack: null,
        nodeId: 'node-1',
        host: '127.0.10.1',
        ports: [],
        spec: s,
        specHash: JSON.stringify(s),
        desired: 'running',
      },
      Date.now(),
    );
    reconciler.enqueue('acme', [id]);
  }

  function requestRestart(...ids: string[]): void {
    for (const id of ids) store.tasks.update('acme', id, { restartRequested: true }, Date.now());
    reconciler.enqueue('acme', ids);
  }

  it('counts a task that died while no daemon watched as a restart, and relaunches it (issue 16, defect 6)', async () => {
    put('web.0');
    await until('web.0 runs', () => get('web.0').state === 'running');
    reconciler.stop();
    driver.end('acme/web.0', null, 'SIGKILL');
    // The next daemon finds the task's process gone (FakeDriver recovers nothing).
    reconciler = new Reconciler({
      store,
      driver,
      paths: pathsFor(path.join(home, String(n++))),
      events: new EventBus(store.events),
      log: () => {},
    });
    const recovered = await reconciler.start();
    assert.deepEqual(recovered, { adopted: 0, lost: 1 });
    assert.equal(get('web.0').restarts, 1);
    await until('web.0 is relaunched', () => get('web.0').launches === 2 && get('web.0').state === 'running');
    assert.equal(get('web.0').restarts, 1);
  });

  it('replaces a running task whose restart was asked for, and the launch clears the flag', async () => {
    put('web.0');
    await until('web.0 runs', () => get('web.0').state === 'running');
    assert.equal(isTaskCurrent(get('web.0')), true);

    requestRestart('web.0');
    assert.equal(isTaskCurrent(get('web.0')), false, 'a task to restart is not current');
    await until('web.0 is relaunched', () => get('web.0').launches === 2 && get('web.0').state === 'running');
    const t = get('web.0');
    assert.equal(t.restartRequested, false);
    assert.equal(t.restarts, 0, 'a purposeful stop is no failure');
    assert.equal(isTaskCurrent(t), true);
    assert.deepEqual(driver.upAtStop, [['acme/web.0']]);
  });

  it('restarts the instances of an owner one at a time', async () => {
    put('web.0');
    put('web.1');
    await until('both run', () => get('web.0').state === 'running' && get('web.1').state === 'running');

    requestRestart('web.0', 'web.1');
    await until('both are relaunched', () => get('web.0').launches === 2 && get('web.1').launches === 2);
    await until('both run again', () => get('web.0').state === 'running' && get('web.1').state === 'running');
    // Each stop found its sibling up: never were both down at once.
    assert.deepEqual(driver.upAtStop, [
      ['acme/web.0', 'acme/web.1'],
      ['acme/web.0', 'acme/web.1'],
    ]);
    assert.equal(get('web.0').restartRequested || get('web.1').restartRequested, false);
  });

  it('kills a purged task at once when its spec says its stop protects only its data, else gives it its grace', async () => {
    put('kafka.0', { killOnPurge: true });
    put('kafka.1', { killOnPurge: true });
    put('app.0');
    await until('all run', () => ['kafka.0', 'kafka.1', 'app.0'].every((id) => get(id).state === 'running'));
    const now = Date.now();
    store.tasks.update('acme', 'kafka.0', { desired: 'purged' }, now);
    store.tasks.update('acme', 'kafka.1', { desired: 'removed' }, now);
    store.tasks.update('acme', 'app.0', { desired: 'purged' }, now);
    reconciler.enqueue('acme', ['kafka.0', 'kafka.1', 'app.0']);
    await until('all are forgotten', () => store.tasks.list('acme').length === 0);
    const grace = spec.killGracePeriodSeconds * 1000;
    assert.deepEqual(
      [...driver.stops].sort((a, b) => a.key.localeCompare(b.key)),
      [
        { key: 'acme/app.0', graceMs: grace, signal: undefined },
        { key: 'acme/kafka.0', graceMs: 0, signal: 'SIGKILL' },
        // Removed, its data kept: its clean stop still matters.
        { key: 'acme/kafka.1', graceMs: grace, signal: undefined },
      ],
    );
  });

  it('launches an ended one-shot task again when its restart is asked for', async () => {
    put('init.0', { restart: 'no' });
    await until('init.0 runs', () => get('init.0').state === 'running');
    driver.end('acme/init.0', 0);
    await until('init.0 finished', () => get('init.0').state === 'finished');
    assert.equal(hasEnded(get('init.0')), true);
    assert.equal(get('init.0').message, 'exited with status 0 (restart: no)');

    requestRestart('init.0');
    assert.equal(hasEnded(get('init.0')), false, 'a task to restart has not ended');
    await until('init.0 runs again', () => get('init.0').launches === 2 && get('init.0').state === 'running');
    driver.end('acme/init.0', 0);
    await until('init.0 finished again', () => get('init.0').state === 'finished');
    assert.equal(hasEnded(get('init.0')), true);
  });

  it("relaunches a task that failed under 'always' at once, and a second failure in a row after the backoff", async () => {
    put('web.0');
    await until('web.0 runs', () => get('web.0').state === 'running');
    driver.end('acme/web.0', 3);
    await until('web.0 runs again', () => get('web.0').launches === 2 && get('web.0').state === 'running');
    assert.equal(get('web.0').restarts, 1);
    driver.end('acme/web.0', 3);
    await until('web.0 failed again', () => get('web.0').restarts === 2);
    // Waiting out the first backoff delay (1 s): still failed, with why.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(get('web.0').state, 'failed');
    assert.equal(get('web.0').message, 'exited with status 3');
    await until(
      'web.0 runs a third time',
      () => get('web.0').launches === 3 && get('web.0').state === 'running',
    );
  });
});
